"""Calibration spec of assignment 04, the multi-class and batch-size exercise.

The reference (``source/04-batch-size/batch_size.ipynb``) shuffles the sorted simplex
data, trains Dense(16, relu) -> Dense(4, softmax) with SGD(0.01, momentum 0.9) for 20
epochs at batch size 32 with a 20% validation split, compares batch sizes 32, 64 and
128, and predicts. Test cells (2 points each): ``test-batch-prep``,
``test-batch-model``, ``test-batch-accuracy``, ``test-batch-compare``,
``test-batch-predict``.
"""

from __future__ import annotations

from grader.calibration.spec import AssignmentSpec, Mutant, Quantity, Style

_VAL_ACCURACY = (
    "float(next((v[-1] for k, v in history.history.items() if k.startswith('val_') and 'acc' in k), float('nan')))"
)

QUANTITIES = (
    Quantity(
        name="val_accuracy",
        expr=_VAL_ACCURACY,
        constant="MIN_VAL_ACCURACY",
        direction="min",
        check="test-batch-accuracy",
        description="final validation accuracy of `model` (batch size 32, 20 epochs)",
    ),
    Quantity(
        name="val_loss",
        expr="float(history.history['val_loss'][-1])",
        constant="MAX_VAL_LOSS",
        direction="max",
        check="test-batch-accuracy",
        description="final validation loss of `model` (categorical cross-entropy)",
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
        description="sigmoid instead of softmax output: probabilities do not sum to 1",
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
                "for size in sizes:\n"
                "    h = build_model().fit(x, y, batch_size=int(size), epochs=20, validation_split=0.2, verbose=0)\n"
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
                "batch_results = {b: build_model().fit(x, y, batch_size=b, epochs=20, validation_split=0.2,\n"
                "                                      verbose=0).history['val_loss'][-1]\n"
                "                 for b in (16, 64, 128)}\n"
                "best_batch_size = sorted(batch_results.items(), key=lambda kv: kv[1])[0][0]\n"
            ),
            "batch-predict": (
                "probs = model.predict(x, verbose=0)\n"
                "pred_classes = np.argmax(probs, -1)\n"
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
