"""Calibration spec of assignment 05, the iris mini-project.

The reference (``source/05-iris-project/iris_project.ipynb``) trains
Dense(32, relu) -> Dense(3, softmax) on the unscaled iris features with
SGD(learning_rate=0.02, momentum=0.9), batch size 8, 60 epochs and a 20% validation
split (30 flowers: the last 30 of the prepared rows). Test cells: ``test-iris-architecture``
(3 points), ``test-iris-compile`` (2), ``test-iris-validation`` (2), ``test-iris-accuracy`` (3); their
checks are ``main_ingredients.checks.iris``.
"""

from __future__ import annotations

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style

#: The trained model's accuracy on the 30 held-out rows, computed by the check library.
_VAL_ACCURACY = "checks.iris.held_out_metrics(model)[0]"

QUANTITIES = (
    Quantity(
        name="val_accuracy",
        expr=_VAL_ACCURACY,
        constant="iris.MIN_VAL_ACCURACY",
        direction="min",
        check="test-iris-accuracy",
        description="accuracy of the trained model on the 30 held-out flowers (the last 30 rows; steps of 0.033)",
    ),
)

MUTANTS = (
    Mutant(
        name="no-hidden-layer",
        edits={"iris-model": [('    keras.layers.Dense(32, activation="relu"),\n', "")]},
        fails=("test-iris-architecture",),
        description="softmax regression without a hidden layer (still accurate on iris: only the architecture check fails)",
    ),
    Mutant(
        name="sigmoid-output",
        edits={"iris-model": [('keras.layers.Dense(3, activation="softmax")', 'keras.layers.Dense(3, activation="sigmoid")')]},
        fails=("test-iris-architecture",),
        description="sigmoid instead of softmax output",
    ),
    Mutant(
        name="no-validation-split",
        edits={"iris-model": [(", validation_split=0.2", "")]},
        fails=("test-iris-validation", "test-iris-accuracy"),
        description="fit without validation_split: no validation metrics at all",
    ),
    Mutant(
        name="tiny-learning-rate",
        edits={"iris-model": [("learning_rate=0.02", "learning_rate=1e-5")]},
        fails=("test-iris-accuracy",),
        description="learning rate 1e-5: the model barely moves from its random start",
    ),
    Mutant(
        name="binary-crossentropy",
        edits={"iris-model": [('loss="categorical_crossentropy"', 'loss="binary_crossentropy"')]},
        fails=("test-iris-compile",),
        description="binary instead of categorical cross-entropy (trains well enough: only the compile check fails)",
    ),
    Mutant(
        name="validation-on-training-rows",
        edits={"iris-model": [("validation_split=0.2", "validation_data=(x, y)")]},
        fails=("test-iris-validation",),
        description="validation_data=(x, y): validated on rows it trained on (19 steps per epoch over 150 rows, "
        "not 15 over 120); the recipe itself still reaches the accuracy",
    ),
    Mutant(
        name="typed-in-without-training",
        replace={
            "iris-model": (
                "model = keras.Sequential([\n"
                "    keras.Input(shape=(4,)),\n"
                "    keras.layers.Dense(32, activation=\"relu\"),\n"
                "    keras.layers.Dense(3, activation=\"softmax\"),\n"
                "])\n"
                "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),\n"
                "              loss=\"categorical_crossentropy\", metrics=[\"accuracy\"])\n"
                "history = keras.callbacks.History()\n"
                "history.history = {\"loss\": [0.1] * 60, \"accuracy\": [0.97] * 60,\n"
                "                   \"val_loss\": [0.1] * 60, \"val_accuracy\": [0.97] * 60}\n"
                "history.params = {\"verbose\": 0, \"epochs\": 60, \"steps\": 15}\n"
            ),
        },
        fails=("test-iris-validation", "test-iris-accuracy"),
        description="a compiled but untrained model and a History of made-up numbers: fit() never ran",
    ),
    Mutant(
        name="extra-activation-after-softmax",
        edits={"iris-model": [('keras.layers.Dense(3, activation="softmax"),',
                               'keras.layers.Dense(3, activation="softmax"),\n    keras.layers.Activation("relu"),')]},
        fails=("test-iris-architecture",),
        may_fail=("test-iris-accuracy",),
        description="Activation(\"relu\") after the softmax output: relu of probabilities changes the forward "
        "pass in nothing, but a probability that underflows to 0 gets no gradient through the relu, so "
        "training can stall (validation accuracy 0.80 on one of 5 seeds, 0.97 on the others); the "
        "architecture check catches it on every seed",
    ),
    Mutant(
        name="reshuffled-rows",
        edits={"iris-model": [("model = keras.Sequential([",
                               "order = np.random.permutation(len(x))  # unseeded: other validation flowers\n"
                               "x, y = x[order], y[order]\n"
                               "model = keras.Sequential([")]},
        fails=("test-iris-validation", "test-iris-accuracy"),
        description="rows reshuffled before fit: other flowers are held out (a lucky or unlucky draw), "
        "so x, y are not the prepared rows",
    ),
)

STYLES = (
    Style(
        name="functional-tf-keras-objects",
        description="tf.keras functional API, activation/loss/metric/optimizer objects, keyword fit with shuffle",
        cells={
            "iris-model": (
                "import tensorflow as tf\n"
                "\n"
                "inputs = tf.keras.Input(shape=(4,))\n"
                "hidden = tf.keras.layers.Dense(32, activation=tf.keras.activations.relu)(inputs)\n"
                "outputs = tf.keras.layers.Dense(3, activation=tf.keras.activations.softmax)(hidden)\n"
                "model = tf.keras.Model(inputs=inputs, outputs=outputs)\n"
                "model.compile(\n"
                "    optimizer=tf.keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),\n"
                "    loss=tf.keras.losses.CategoricalCrossentropy(),\n"
                "    metrics=[tf.keras.metrics.CategoricalAccuracy()],\n"
                ")\n"
                "history = model.fit(x=x, y=y, batch_size=8, epochs=60, validation_split=0.2, shuffle=True, verbose=0)\n"
            ),
        },
    ),
    Style(
        name="add-input-shape-softmax-layer",
        description="model.add with input_shape=, a separate Softmax layer, loss as a class-name string, "
        "metrics=['acc'], positional SGD arguments, verbose=2",
        cells={
            "iris-model": (
                "from keras import layers\n"
                "\n"
                "model = keras.models.Sequential()\n"
                "model.add(layers.Dense(32, activation='relu', input_shape=(4,)))\n"
                "model.add(layers.Dense(3))\n"
                "model.add(layers.Softmax())\n"
                "model.compile(keras.optimizers.SGD(0.02, 0.9), loss='CategoricalCrossentropy', metrics=['acc'])\n"
                "history = model.fit(x, y, 8, 60, verbose=2, validation_split=0.2)\n"
            ),
        },
    ),
)

STYLES += (
    Style(
        name="loss-list-two-fits",
        description="loss=[\"categorical_crossentropy\"] (a one-item list), metrics=[\"acc\"], 60 epochs as two "
        "fit calls (40 + 20) with the same batch size and split, the history of the last call",
        cells={
            "iris-model": (
                "model = keras.Sequential([\n"
                "    keras.Input(shape=(4,)),\n"
                "    keras.layers.Dense(32),\n"
                "    keras.layers.ReLU(),\n"
                "    keras.layers.Dense(3),\n"
                "    keras.layers.Activation(\"softmax\"),\n"
                "])\n"
                "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),\n"
                "              loss=[\"categorical_crossentropy\"], metrics=[\"acc\"])\n"
                "model.fit(x, y, batch_size=8, epochs=40, validation_split=0.2, verbose=0)\n"
                "history = model.fit(x, y, batch_size=8, epochs=20, validation_split=0.2, verbose=0)\n"
            ),
        },
    ),
)

SPEC = AssignmentSpec(
    assignment="05-iris-project",
    notebook="iris_project",
    quantities=QUANTITIES,
    mutants=MUTANTS,
    styles=STYLES,
)
