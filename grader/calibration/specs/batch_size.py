"""Calibration spec of assignment 04, the multi-class and batch-size exercise.

The reference (``source/04-batch-size/batch_size.ipynb``) shuffles the sorted simplex
data, trains Dense(16, relu) -> Dense(4, softmax) with SGD(0.01, momentum 0.9) for 20
epochs at batch size 32 with a 20% validation split, compares batch sizes 32, 64 and
128 (keeping every run's History in ``batch_runs``), and predicts. The checks are in
``main_ingredients/checks/batch_size.py``; the thresholds are its constants. Test cells (2 points each): ``test-batch-prep``,
``test-batch-model``, ``test-batch-accuracy``, ``test-batch-compare``,
``test-batch-predict``.
"""

from __future__ import annotations

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style

#: Validation accuracy and loss of `model` on the held-out rows (the last 200 of the student's x, y),
#: recomputed from the model by the check library.
_SCORES = "checks.batch_size.validation_scores(model, x, y)"

QUANTITIES = (
    Quantity(
        name="val_accuracy",
        expr=f"{_SCORES}[0]",
        constant="batch_size.MIN_VAL_ACCURACY",
        direction="min",
        check="test-batch-accuracy",
        description="validation accuracy of `model` on the 200 held-out rows (batch size 32, 20 epochs)",
    ),
    Quantity(
        name="val_loss",
        expr=f"{_SCORES}[1]",
        constant="batch_size.MAX_VAL_LOSS",
        direction="max",
        check="test-batch-accuracy",
        description="validation loss (categorical cross-entropy) of `model` on the 200 held-out rows",
    ),
)

MUTANTS = (
    Mutant(
        name="unshuffled",
        edits={"batch-prep": [("np.random.permutation(len(x))", "np.arange(len(x))")]},
        fails=("test-batch-prep", "test-batch-accuracy"),
        description="rows left sorted by class: the validation rows are all class 4",
    ),
    Mutant(
        name="sigmoid-output",
        edits={"batch-model": [('keras.layers.Dense(4, activation="softmax")', 'keras.layers.Dense(4, activation="sigmoid")')]},
        fails=("test-batch-model", "test-batch-predict"),
        description="sigmoid instead of softmax output: probabilities do not sum to 1 (Keras 3 trains it like "
        "softmax, so only the structure and the predictions show it)",
    ),
    Mutant(
        name="mse-loss",
        edits={"batch-model": [('loss="categorical_crossentropy"', 'loss="mse"')]},
        fails=("test-batch-model",),
        description="mean squared error instead of categorical cross-entropy",
    ),
    Mutant(
        name="best-is-argmax",
        edits={"batch-compare": [("min(batch_results, key=batch_results.get)", "max(batch_results, key=batch_results.get)")]},
        fails=("test-batch-compare",),
        description="best_batch_size picks the highest validation loss",
    ),
    Mutant(
        name="one-based-classes",
        edits={"batch-predict": [("np.argmax(probs, axis=-1)", "np.argmax(probs, axis=-1) + 1")]},
        fails=("test-batch-predict",),
        description="pred_classes numbered 1..4 instead of 0..3",
    ),
    Mutant(
        name="argmax-wrong-axis",
        edits={"batch-predict": [("np.argmax(probs, axis=-1)", "np.argmax(probs, axis=0)")]},
        fails=("test-batch-predict",),
        description="argmax over the rows (axis 0) instead of the classes",
    ),
    Mutant(
        name="typed-in-batch-results",
        replace={
            "batch-compare": (
                "batch_results = {32: 0.35, 64: 0.42, 128: 0.55}\n"
                "batch_runs = {}\n"
                "for batch_size, loss in batch_results.items():\n"
                "    run = keras.callbacks.History()\n"
                "    run.set_model(build_model())\n"
                "    run.history = {\"loss\": [loss] * 20, \"val_loss\": [loss] * 20}\n"
                "    run.params = {\"verbose\": 0, \"epochs\": 20, \"steps\": -(-800 // batch_size)}\n"
                "    batch_runs[batch_size] = run\n"
                "best_batch_size = min(batch_results, key=batch_results.get)"
            ),
        },
        fails=("test-batch-compare",),
        description="batch_results typed in and Histories made by hand around untrained models: no run was trained",
    ),
    Mutant(
        name="one-model-for-all-sizes",
        edits={"batch-compare": [("for batch_size in [32, 64, 128]:\n    candidate = build_model()\n",
                                  "candidate = build_model()\nfor batch_size in [32, 64, 128]:\n")]},
        fails=("test-batch-compare",),
        description="one model trained on for every batch size instead of a fresh model per batch size",
    ),
    Mutant(
        name="eight-hidden-units",
        edits={"batch-model": [('keras.layers.Dense(16, activation="relu")', 'keras.layers.Dense(8, activation="relu")')]},
        fails=("test-batch-model",),
        description="8 hidden units instead of the 16 the task states (it still learns the clouds)",
    ),
    Mutant(
        name="learning-rate-0.1",
        edits={"batch-model": [("SGD(learning_rate=0.01, momentum=0.9)", "SGD(learning_rate=0.1, momentum=0.9)")]},
        fails=("test-batch-model",),
        description="learning rate 0.1 instead of 0.01 (it still learns the clouds)",
    ),
    Mutant(
        name="no-momentum",
        edits={"batch-model": [("SGD(learning_rate=0.01, momentum=0.9)", "SGD(learning_rate=0.01)")]},
        fails=("test-batch-model", "test-batch-accuracy"),
        description="plain SGD without the momentum 0.9 the task states: too slow to reach the targets in 20 epochs",
    ),
    Mutant(
        name="extra-softmax-layer",
        edits={"batch-model": [('keras.layers.Dense(4, activation="softmax"),',
                                'keras.layers.Dense(4, activation="softmax"),\n        keras.layers.Softmax(),')]},
        fails=("test-batch-model", "test-batch-accuracy"),
        description="a Softmax layer after the softmax output: the probabilities are squashed towards 1/4",
    ),
)

STYLES = (
    Style(
        name="functional-tf-keras-objects",
        description="sklearn shuffle, tf.keras functional API, loss/metric/optimizer objects, numpy int keys",
        cells={
            "batch-prep": (
                "from sklearn.utils import shuffle\n"
                "y = keras.utils.to_categorical(classes - 1)\n"
                "x, y = shuffle(x, y, random_state=42)\n"
            ),
            "batch-model": (
                "import tensorflow as tf\n"
                "\n"
                "def build_model():\n"
                "    inputs = tf.keras.Input(shape=(x.shape[1],))\n"
                "    hidden = tf.keras.layers.Dense(16, activation=tf.keras.activations.relu)(inputs)\n"
                "    outputs = tf.keras.layers.Dense(4, activation=tf.keras.activations.softmax)(hidden)\n"
                "    net = tf.keras.Model(inputs, outputs)\n"
                "    net.compile(\n"
                "        optimizer=tf.keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),\n"
                "        loss=tf.keras.losses.CategoricalCrossentropy(),\n"
                "        metrics=[tf.keras.metrics.CategoricalAccuracy()],\n"
                "    )\n"
                "    return net\n"
                "\n"
                "model = build_model()\n"
                "history = model.fit(x, y, batch_size=32, epochs=20, validation_split=0.2, shuffle=True, verbose=2)\n"
            ),
            "batch-compare": (
                "sizes = np.array([32, 64, 128])\n"
                "batch_results = {}\n"
                "batch_runs = {}\n"
                "for size in sizes:\n"
                "    h = build_model().fit(x, y, batch_size=int(size), epochs=20, validation_split=0.2, verbose=0)\n"
                "    batch_runs[size] = h\n"
                "    batch_results[size] = np.float32(h.history['val_loss'][-1])\n"
                "keys = list(batch_results)\n"
                "best_batch_size = keys[int(np.argmin([batch_results[k] for k in keys]))]\n"
            ),
            "batch-predict": (
                "probs = model.predict(x, batch_size=256, verbose=0)\n"
                "pred_classes = probs.argmax(axis=1)\n"
            ),
        },
    ),
    Style(
        name="add-input-shape-activation-layer",
        description="datasets.shuffle_index, model.add with input_shape=, separate Softmax activation layer, "
        "loss function object, metrics=['acc'], positional SGD arguments, batch size 16 included",
        cells={
            "batch-prep": (
                "y = keras.utils.to_categorical(classes - 1, 4)\n"
                "idx = datasets.shuffle_index(len(x), seed=2020)\n"
                "x = x[idx]\n"
                "y = y[idx]\n"
            ),
            "batch-model": (
                "from keras import layers\n"
                "\n"
                "def build_model():\n"
                "    m = keras.models.Sequential()\n"
                "    m.add(layers.Dense(16, input_shape=(3,)))\n"
                "    m.add(layers.Activation('relu'))\n"
                "    m.add(layers.Dense(4))\n"
                "    m.add(layers.Activation('softmax'))\n"
                "    m.compile(keras.optimizers.SGD(0.01, 0.9), keras.losses.categorical_crossentropy, metrics=['acc'])\n"
                "    return m\n"
                "\n"
                "model = build_model()\n"
                "history = model.fit(x=x, y=y, epochs=20, batch_size=32, validation_split=0.2, verbose=0)\n"
            ),
            "batch-compare": (
                "batch_runs = {b: build_model().fit(x, y, batch_size=b, epochs=20, validation_split=0.2, verbose=0)\n"
                "              for b in (16, 64, 128)}\n"
                "batch_results = {b: run.history['val_loss'][-1] for b, run in batch_runs.items()}\n"
                "best_batch_size = sorted(batch_results.items(), key=lambda kv: kv[1])[0][0]\n"
            ),
            "batch-predict": (
                "probs = model.predict(x, verbose=0)\n"
                "pred_classes = np.argmax(probs, -1)\n"
            ),
        },
    ),
)

STYLES += (
    Style(
        name="two-fit-calls",
        description="the Task 2 model trained with two fit calls (12 + 8 epochs): `history` holds only the last "
        "8 epochs, the optimizer's 500 steps count all 20",
        cells={
            "batch-model": (
                "def build_model():\n"
                "    net = keras.Sequential([\n"
                "        keras.Input(shape=(3,)),\n"
                "        keras.layers.Dense(16, activation=\"relu\"),\n"
                "        keras.layers.Dense(4, activation=\"softmax\"),\n"
                "    ])\n"
                "    net.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),\n"
                "                loss=[\"categorical_crossentropy\"], metrics=[\"accuracy\"])\n"
                "    return net\n"
                "\n"
                "model = build_model()\n"
                "model.fit(x, y, batch_size=32, epochs=12, validation_split=0.2, verbose=0)\n"
                "history = model.fit(x, y, batch_size=32, epochs=8, validation_split=0.2, verbose=0)\n"
            ),
        },
    ),
)

SPEC = AssignmentSpec(
    assignment="04-batch-size",
    notebook="batch_size",
    quantities=QUANTITIES,
    mutants=MUTANTS,
    styles=STYLES,
)
