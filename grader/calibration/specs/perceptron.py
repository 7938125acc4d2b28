"""Calibration spec of assignment 01-perceptron (Your Turn 1: a single perceptron).

Test cells (10 points): ``test-perceptron-architecture`` (2), ``test-perceptron-compile`` (2),
``test-perceptron-history`` (2), ``test-perceptron-fit`` (2), ``test-perceptron-weights`` (2).
"""

from __future__ import annotations

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style

#: The trained model's MSE and line on the course data, computed by the check library.
_MSE = ("float(np.mean((checks.predict(model, checks.perceptron.data()[0])[:, 0] "
        "- checks.perceptron.data()[1]) ** 2))")
_LINE = "checks.perceptron.line(model)"

QUANTITIES = (
    Quantity(
        name="mse",
        expr=_MSE,
        constant="perceptron.MAX_MSE",
        direction="max",
        check="test-perceptron-fit",
        description="MSE of the trained model on the 1,000 observations (OLS MSE: 1.0018)",
    ),
    Quantity(
        name="slope_error",
        expr=f"abs({_LINE}[1] - 5.0)",
        constant="perceptron.MAX_SLOPE_ERROR",
        direction="max",
        check="test-perceptron-fit",
        description="|learned slope - 5|, the slope read from the model's predictions",
    ),
    Quantity(
        name="intercept_error",
        expr=f"abs({_LINE}[0] - 30.0)",
        constant="perceptron.MAX_INTERCEPT_ERROR",
        direction="max",
        check="test-perceptron-fit",
        description="|learned intercept - 30|, the intercept read from the model's predictions",
    ),
)

MUTANTS = (
    Mutant(
        name="wrong-loss-mae",
        edits={"perceptron-model": [('loss="mse"', 'loss="mae"')]},
        fails=("test-perceptron-compile", "test-perceptron-fit"),
        description="mean absolute error instead of MSE: SGD steps of 0.01 cannot reach the intercept 30",
    ),
    Mutant(
        name="too-few-epochs",
        edits={"perceptron-model": [("epochs=25", "epochs=5")]},
        fails=("test-perceptron-history", "test-perceptron-fit"),
        description="5 epochs instead of 25: the slope and the loss are still far off",
    ),
    Mutant(
        name="hard-coded-weights",
        edits={
            "perceptron-weights": [
                ("slope = float(kernel[0, 0])", "slope = 5.0"),
                ("intercept = float(bias[0])", "intercept = 30.0"),
            ]
        },
        fails=("test-perceptron-weights",),
        description="slope = 5 and intercept = 30 typed in instead of read from the model",
    ),
    Mutant(
        name="typed-in-without-training",
        replace={
            "perceptron-model": (
                "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])\n"
                "model.compile(optimizer=\"sgd\", loss=\"mse\")\n"
                "model.set_weights([np.array([[4.97]]), np.array([30.01])])\n"
                "history = keras.callbacks.History()\n"
                "history.history = {\"loss\": [1.0018] * 25}\n"
                "history.params = {\"verbose\": 0, \"epochs\": 25, \"steps\": 32}"
            ),
        },
        fails=("test-perceptron-history", "test-perceptron-fit"),
        description="weights set by hand and a History of 25 made-up losses: fit() never ran",
    ),
    Mutant(
        name="extra-activation-layer",
        edits={"perceptron-model": [("keras.layers.Dense(1),", "keras.layers.Dense(1),\n    keras.layers.Activation(\"relu\"),")]},
        fails=("test-perceptron-architecture",),
        description="Dense(1) followed by Activation(\"relu\"): not the linear perceptron (y > 0, so it still fits)",
    ),
    Mutant(
        name="other-optimizer",
        edits={"perceptron-model": [('optimizer="sgd"', 'optimizer="adam"')]},
        fails=("test-perceptron-compile", "test-perceptron-fit"),
        description="Adam instead of the SGD the task fixes (at its default rate it does not reach the line in 25 epochs)",
    ),
    Mutant(
        name="two-units",
        edits={"perceptron-model": [("keras.layers.Dense(1)", "keras.layers.Dense(2)")]},
        fails=("test-perceptron-architecture", "test-perceptron-history", "test-perceptron-fit"),
        description="Dense(2): two outputs for a one-column target, so fit() raises and there is no history",
    ),
)

STYLES = (
    Style(
        name="loss-list-two-fits",
        cells={
            "perceptron-model": (
                "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(units=1)])\n"
                "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss=[\"mse\"])\n"
                "model.fit(x, y, epochs=20, verbose=0)\n"
                "history = model.fit(x, y, epochs=5, verbose=0)"
            ),
        },
        description="loss=[\"mse\"] (a one-item list) and 25 epochs as two fit calls (20 + 5)",
    ),
    Style(
        name="input-shape-tf-keras-add",
        cells={
            "perceptron-model": (
                "import tensorflow as tf\n"
                "\n"
                "model = tf.keras.Sequential()\n"
                "model.add(tf.keras.layers.Dense(units=1, input_shape=(x.shape[1],)))\n"
                "model.compile(optimizer=\"SGD\", loss=\"mean_squared_error\")\n"
                "history = model.fit(x, y, batch_size=32, epochs=25, verbose=1, shuffle=True)"
            ),
            "perceptron-weights": (
                "weights = model.layers[0].get_weights()\n"
                "slope = weights[0][0]  # a 1-element numpy array\n"
                "intercept = weights[1]"
            ),
        },
        description="input_shape= on Dense, tf.keras, model.add, optimizer/loss as other strings, "
        "extra fit args, weights as 1-element arrays",
    ),
    Style(
        name="functional-objects-numpy-scalars",
        cells={
            "perceptron-model": (
                "inputs = keras.Input(shape=(1,))\n"
                "outputs = keras.layers.Dense(1, activation=None)(inputs)\n"
                "model = keras.Model(inputs, outputs)\n"
                "model.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.MeanSquaredError())\n"
                "history = model.fit(x=x, y=y, epochs=25, verbose=0)"
            ),
            "perceptron-weights": (
                "slope = model.weights[0].numpy()[0, 0]  # numpy float32 scalar\n"
                "intercept = model.weights[1].numpy()[0]"
            ),
        },
        description="functional API, optimizer and loss objects, weights as numpy scalars",
    ),
)

SPEC = AssignmentSpec(
    assignment="01-perceptron",
    notebook="perceptron",
    quantities=QUANTITIES,
    mutants=MUTANTS,
    styles=STYLES,
)
