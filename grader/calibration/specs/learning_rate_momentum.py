"""Calibration spec of assignment 02-learning-rate-momentum (Your Turn 2: learning rate and momentum).

Test cells (10 points): ``test-lr-architecture`` (2), ``test-lr-loss`` (2), ``test-lr-optimizer`` (2),
``test-lr-history`` (1), ``test-lr-convergence`` (3).
"""

from __future__ import annotations

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style

QUANTITIES = (
    Quantity(
        name="loss_gap",
        expr="abs(float(history.history['loss'][-1]) - logreg_loss)",
        constant="MAX_LOSS_GAP",
        direction="max",
        check="test-lr-convergence",
        description="|final training loss - logistic regression log-loss (0.1242)|",
    ),
)

MUTANTS = (
    Mutant(
        name="no-momentum",
        edits={"lr-model": [("momentum=0.9", "momentum=0.0")]},
        fails=("test-lr-optimizer", "test-lr-convergence"),
        description="SGD(learning_rate=0.1) without momentum: 50 epochs end short of logistic regression",
    ),
    Mutant(
        name="tiny-learning-rate",
        edits={"lr-model": [("learning_rate=0.1", "learning_rate=1e-4")]},
        fails=("test-lr-convergence",),
        description="learning rate 1e-4 (momentum 0.9): the loss barely moves in 50 epochs",
    ),
    Mutant(
        name="linear-output",
        edits={"lr-model": [('activation="sigmoid"', 'activation="linear"')]},
        fails=("test-lr-architecture", "test-lr-convergence"),
        description="no sigmoid: a linear output under binary cross-entropy",
    ),
    Mutant(
        name="wrong-loss-mse",
        edits={"lr-model": [('loss="binary_crossentropy"', 'loss="mse"')]},
        fails=("test-lr-loss", "test-lr-convergence"),
        description="mean squared error instead of binary cross-entropy (the final loss is then an MSE)",
    ),
)

STYLES = (
    Style(
        name="input-shape-tf-keras-add",
        cells={
            "lr-model": (
                "import tensorflow as tf\n"
                "\n"
                "model = tf.keras.Sequential()\n"
                "model.add(tf.keras.layers.Dense(1, input_shape=(1,), activation=tf.keras.activations.sigmoid))\n"
                "model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.05, momentum=0.95),\n"
                "              loss=tf.keras.losses.BinaryCrossentropy())\n"
                "history = model.fit(x, y, epochs=50, batch_size=32, shuffle=True, verbose=0)"
            ),
        },
        description="input_shape=, tf.keras, model.add, activation function object, loss object, "
        "other learning rate and momentum, extra fit args",
    ),
    Style(
        name="functional-activation-layer",
        cells={
            "lr-model": (
                "inputs = keras.Input(shape=(1,))\n"
                "logits = keras.layers.Dense(1)(inputs)\n"
                "probability = keras.layers.Activation(\"sigmoid\")(logits)\n"
                "model = keras.Model(inputs=inputs, outputs=probability)\n"
                "sgd = keras.optimizers.SGD(learning_rate=0.3, momentum=0.9)\n"
                "model.compile(optimizer=sgd, loss=keras.losses.binary_crossentropy)\n"
                "history = model.fit(x, y, epochs=50, verbose=False)"
            ),
        },
        description="functional API, a separate Activation layer, loss function object, learning rate 0.3",
    ),
)

SPEC = AssignmentSpec(
    assignment="02-learning-rate-momentum",
    notebook="learning_rate_momentum",
    quantities=QUANTITIES,
    mutants=MUTANTS,
    styles=STYLES,
)
