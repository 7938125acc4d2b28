"""Calibration spec of assignment 03-model-capacity (Your Turn 3: width versus depth).

Test cells (10 points, 2 each): ``test-capacity-wide-architecture``, ``test-capacity-deep-architecture``,
``test-capacity-compile``, ``test-capacity-wide-fit``, ``test-capacity-deep-fit``.
"""

from __future__ import annotations

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style


def _errors(model: str, which: int) -> str:
    """MSE against y (0) or against sin(x) (1) of the model on the course data, by the check library."""
    return f"checks.capacity.fit_errors({model})[{which}]"


QUANTITIES = (
    Quantity(
        name="wide_mse",
        expr=_errors("model_wide", 0),
        constant="capacity.MAX_WIDE_MSE",
        direction="max",
        check="test-capacity-wide-fit",
        description="model_wide: MSE of the trained model against y on the 1,000 observations (noise level 0.04)",
    ),
    Quantity(
        name="wide_sine_mse",
        expr=_errors("model_wide", 1),
        constant="capacity.MAX_WIDE_SINE_MSE",
        direction="max",
        check="test-capacity-wide-fit",
        description="model_wide: MSE of the predictions against the noise-free sin(x)",
    ),
    Quantity(
        name="deep_mse",
        expr=_errors("model_deep", 0),
        constant="capacity.MAX_DEEP_MSE",
        direction="max",
        check="test-capacity-deep-fit",
        description="model_deep: MSE of the trained model against y on the 1,000 observations (noise level 0.04)",
    ),
    Quantity(
        name="deep_sine_mse",
        expr=_errors("model_deep", 1),
        constant="capacity.MAX_DEEP_SINE_MSE",
        direction="max",
        check="test-capacity-deep-fit",
        description="model_deep: MSE of the predictions against the noise-free sin(x)",
    ),
)

_DEEP_HIDDEN = 'keras.layers.Dense(64, activation="relu"),\n    keras.layers.Dense(64, activation="relu"),'

MUTANTS = (
    Mutant(
        name="linear-hidden-layer",
        edits={"capacity-wide": [('activation="relu"', 'activation="linear"')]},
        fails=("test-capacity-wide-architecture", "test-capacity-wide-fit"),
        description="model_wide's hidden layer linear: the network can only draw a straight line",
    ),
    Mutant(
        name="too-few-epochs",
        edits={"capacity-wide": [("epochs=50", "epochs=5")]},
        fails=("test-capacity-wide-fit",),
        description="model_wide trained for 5 epochs instead of 50 (its MSE, 0.17-0.19, would pass 0.28: "
        "the optimizer's step count catches it)",
    ),
    Mutant(
        name="expanding-deep",
        edits={
            "capacity-deep": [
                (_DEEP_HIDDEN, 'keras.layers.Dense(32, activation="relu"),\n    keras.layers.Dense(64, activation="relu"),')
            ]
        },
        fails=("test-capacity-deep-architecture",),
        description="model_deep widens (32 then 64 units): neither a tunnel nor a funnel (it still fits well)",
    ),
    Mutant(
        name="linear-deep-layers",
        edits={"capacity-deep": [('activation="relu"', 'activation="linear"')]},
        fails=("test-capacity-deep-architecture", "test-capacity-deep-fit"),
        description="both hidden layers of model_deep linear: a straight line again",
    ),
    Mutant(
        name="narrow-wide-layer",
        edits={"capacity-wide": [("keras.layers.Dense(64,", "keras.layers.Dense(16,")]},
        fails=("test-capacity-wide-architecture",),
        description="model_wide's hidden layer has 16 units, outside 32-256 (it still fits)",
    ),
    Mutant(
        name="typed-in-without-training",
        replace={
            "capacity-wide": (
                "teacher = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(64, activation=\"relu\"),\n"
                "                           keras.layers.Dense(1)])\n"
                "teacher.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss=\"mse\")\n"
                "teacher.fit(x, y, epochs=50, verbose=0)\n"
                "\n"
                "model_wide = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(64, activation=\"relu\"),\n"
                "                              keras.layers.Dense(1)])\n"
                "model_wide.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss=\"mse\")\n"
                "model_wide.set_weights(teacher.get_weights())\n"
                "history_wide = keras.callbacks.History()\n"
                "history_wide.history = {\"loss\": [0.05] * 50}\n"
                "history_wide.params = {\"verbose\": 0, \"epochs\": 50, \"steps\": 32}"
            ),
        },
        fails=("test-capacity-wide-fit",),
        description="model_wide never trained: weights copied in from a model trained elsewhere and a History "
        "of 50 made-up losses",
    ),
    Mutant(
        name="extra-activation-output",
        edits={"capacity-wide": [("keras.layers.Dense(1),",
                                  "keras.layers.Dense(1),\n    keras.layers.Activation(\"relu\"),")]},
        fails=("test-capacity-wide-architecture", "test-capacity-wide-fit"),
        description="Activation(\"relu\") after model_wide's linear output: it cannot go below 0, so its MSE "
        "against sin(x) is at least 0.253",
    ),
    Mutant(
        name="other-learning-rate",
        edits={"capacity-wide": [("learning_rate=0.01", "learning_rate=0.02")]},
        fails=("test-capacity-compile",),
        description="model_wide compiled with SGD(learning_rate=0.02, momentum=0.9) instead of 0.01",
    ),
    Mutant(
        name="deep-reuses-wide",
        replace={"capacity-deep": "model_deep = model_wide\nhistory_deep = model_deep.fit(x, y, epochs=50, verbose=0)"},
        fails=("test-capacity-deep-architecture", "test-capacity-wide-fit", "test-capacity-deep-fit"),
        description="model_deep is model_wide trained 50 epochs more: not a fresh deep model, and both "
        "have 100 epochs of optimizer steps",
    ),
)

STYLES = (
    Style(
        name="input-shape-tf-keras-add",
        cells={
            "capacity-wide": (
                "import tensorflow as tf\n"
                "\n"
                "model_wide = tf.keras.Sequential()\n"
                "model_wide.add(tf.keras.layers.Dense(units=128, activation=\"relu\", input_shape=(1,)))\n"
                "model_wide.add(tf.keras.layers.Dense(units=1))\n"
                "model_wide.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),\n"
                "                   loss=\"mean_squared_error\")\n"
                "history_wide = model_wide.fit(x, y, epochs=50, batch_size=32, shuffle=True, verbose=0)"
            ),
            "capacity-deep": (
                "model_deep = tf.keras.Sequential()\n"
                "model_deep.add(tf.keras.layers.Dense(64, input_shape=(1,)))\n"
                "model_deep.add(tf.keras.layers.ReLU())\n"
                "model_deep.add(tf.keras.layers.Dense(32))\n"
                "model_deep.add(tf.keras.layers.Activation(\"relu\"))\n"
                "model_deep.add(tf.keras.layers.Dense(1, activation=\"linear\"))\n"
                "model_deep.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),\n"
                "                   loss=tf.keras.losses.MeanSquaredError())\n"
                "history_deep = model_deep.fit(x, y, epochs=50, verbose=0)"
            ),
        },
        description="input_shape=, tf.keras, model.add, separate ReLU/Activation layers, funnel 64-32, "
        "loss as another string and as an object, extra fit args",
    ),
    Style(
        name="functional-objects",
        cells={
            "capacity-wide": (
                "inputs = keras.Input(shape=(1,))\n"
                "hidden = keras.layers.Dense(256, activation=keras.activations.relu)(inputs)\n"
                "model_wide = keras.Model(inputs, keras.layers.Dense(1)(hidden))\n"
                "model_wide.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),\n"
                "                   loss=keras.losses.mean_squared_error)\n"
                "history_wide = model_wide.fit(x, y, epochs=50, verbose=0)"
            ),
            "capacity-deep": (
                "inputs = keras.Input(shape=(1,))\n"
                "h = keras.layers.Dense(32, activation=\"relu\")(inputs)\n"
                "h = keras.layers.Dense(32, activation=\"relu\")(h)\n"
                "model_deep = keras.Model(inputs=inputs, outputs=keras.layers.Dense(1)(h))\n"
                "model_deep.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss=[\"mse\"])\n"
                "model_deep.fit(x, y, epochs=30, batch_size=32, verbose=0)\n"
                "history_deep = model_deep.fit(x, y, epochs=20, batch_size=32, verbose=0)"
            ),
        },
        description="functional API, activation and loss function objects, loss as a one-item list, widths 256 "
        "and tunnel 32-32, model_deep's 50 epochs as two fit calls (30 + 20)",
    ),
)

SPEC = AssignmentSpec(
    assignment="03-model-capacity",
    notebook="model_capacity",
    quantities=QUANTITIES,
    mutants=MUTANTS,
    styles=STYLES,
)
