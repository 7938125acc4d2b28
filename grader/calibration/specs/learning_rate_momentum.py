"""Calibration spec of assignment 02-learning-rate-momentum (Your Turn 2: learning rate and momentum).

Test cells (10 points): ``test-lr-architecture`` (2), ``test-lr-loss`` (2), ``test-lr-optimizer`` (2),
``test-lr-history`` (1), ``test-lr-convergence`` (3).
"""

from __future__ import annotations

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style

QUANTITIES = (
    Quantity(
        name="loss_gap",
        expr="abs(checks.momentum.log_loss(model) - checks.momentum.logreg_loss())",
        constant="momentum.MAX_LOSS_GAP",
        direction="max",
        check="test-lr-convergence",
        description="|log-loss of the trained model on the 1,000 observations - logistic regression log-loss "
        "(0.1242)|, both computed by the check library",
    ),
)

_SOLUTION_OPTIMIZER = "keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)"

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
        fails=("test-lr-loss",),
        description="mean squared error instead of binary cross-entropy: the loss cell catches it; the sigmoid "
        "trained on the MSE still ends with a log-loss 0.0103-0.0109 above logistic regression's, within "
        "the 0.015 of the convergence target (measured on the data, not read from the history)",
    ),
    Mutant(
        name="typed-in-without-training",
        replace={
            "lr-model": (
                "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, activation=\"sigmoid\")])\n"
                f"model.compile(optimizer={_SOLUTION_OPTIMIZER}, loss=\"binary_crossentropy\")\n"
                "logreg = baselines.logistic_regression(x, y)\n"
                "model.set_weights([np.array([[logreg.slope]]), np.array([logreg.intercept])])\n"
                "history = keras.callbacks.History()\n"
                "history.history = {\"loss\": [logreg_loss] * 50}\n"
                "history.params = {\"verbose\": 0, \"epochs\": 50, \"steps\": 32}"
            ),
        },
        fails=("test-lr-history", "test-lr-convergence"),
        description="the logistic regression's weights set by hand and a History of 50 made-up losses: "
        "fit() never ran",
    ),
    Mutant(
        name="extra-activation-layer",
        edits={"lr-model": [('keras.layers.Dense(1, activation="sigmoid"),',
                             'keras.layers.Dense(1, activation="sigmoid"),\n    keras.layers.Activation("relu"),')]},
        fails=("test-lr-architecture",),
        description="Activation(\"relu\") after the sigmoid output: relu(sigmoid(z)) = sigmoid(z), so it "
        "converges, but the architecture is not the sigmoid perceptron",
    ),
    Mutant(
        name="other-optimizer",
        edits={"lr-model": [(_SOLUTION_OPTIMIZER, "keras.optimizers.Adam(learning_rate=0.1)")]},
        fails=("test-lr-optimizer",),
        description="Adam(learning_rate=0.1) instead of SGD with momentum (it converges, but the task is SGD)",
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
    Style(
        name="loss-list-two-fits",
        cells={
            "lr-model": (
                "model = keras.Sequential([\n"
                "    keras.layers.Input(shape=(1,)),\n"
                "    keras.layers.Dense(units=1),\n"
                "    keras.layers.Activation(keras.activations.sigmoid),\n"
                "])\n"
                "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),\n"
                "              loss=[\"binary_crossentropy\"], metrics=[\"accuracy\"])\n"
                "model.fit(x, y, epochs=30, verbose=0)\n"
                "history = model.fit(x, y, epochs=20, verbose=0)"
            ),
        },
        description="a separate Activation layer in a Sequential, loss as a one-item list, an accuracy metric, "
        "50 epochs as two fit calls (30 + 20)",
    ),
)

SPEC = AssignmentSpec(
    assignment="02-learning-rate-momentum",
    notebook="learning_rate_momentum",
    quantities=QUANTITIES,
    mutants=MUTANTS,
    styles=STYLES,
)
