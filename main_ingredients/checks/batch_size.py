"""Checks of assignment 04 (four classes, a validation split and the batch size): one per test cell.

Targets (stated in the notebook): ``y`` one-hot of shape (1000, 4) and ``x`` the 1,000 course
rows in a shuffled order, row ``i`` of ``y`` the class of row ``i`` of ``x``, all four classes
among the last 200 rows (the ones ``validation_split=0.2`` holds out); a Dense(16, ReLU) hidden
layer on the 3 features and a Dense(4, softmax) output, SGD with learning rate 0.01 and momentum
0.9, the categorical cross-entropy and the accuracy metric, 20 epochs at batch size 32 with a 20%
validation split (25 steps per epoch); on the held-out rows a validation accuracy of at least
:data:`MIN_VAL_ACCURACY` and a validation loss of at most :data:`MAX_VAL_LOSS`; one fresh model
per batch size in Task 3, ``batch_results`` read from those runs and ``best_batch_size`` its
smallest entry; ``probs`` and ``pred_classes`` from the trained model.

``x`` and ``y`` are the student's own variables (Task 1 shuffles them), so every check that uses
them first verifies them against the course data (:func:`rows`). Thresholds: docs/calibration.md.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from main_ingredients.checks import (
    RETRAIN_SEEDS, CheckFailed, close_to, dense_stack, describe, history_of, input_features, loss_name, model_of,
    optimizer_settings, passed, predict, require, require_epochs, require_trained, retrain, single_number,
    training_steps,
)

__all__ = ["EPOCHS", "BATCH_SIZE", "VALIDATION_SPLIT", "N_ROWS", "N_TRAIN", "N_VALIDATION", "HIDDEN_UNITS",
           "LEARNING_RATE", "MOMENTUM", "BATCH_SIZES", "MIN_VAL_ACCURACY", "MAX_VAL_LOSS", "HISTORY_TOLERANCE",
           "data", "rows", "held_out", "validation_scores", "prep", "model", "accuracy", "accuracy_sealed",
           "compare", "compare_sealed", "predictions"]

#: Epochs the task fixes (Task 2 and every run of Task 3).
EPOCHS = 20
#: Batch size of the Task 2 run.
BATCH_SIZE = 32
#: Share of the rows ``fit`` holds out (the last ones).
VALIDATION_SPLIT = 0.2
#: Rows of the course data.
N_ROWS = 1000
#: Training rows left by the 20% validation split.
N_TRAIN = 800
#: Held-out (validation) rows: the last 200 rows of ``x`` and ``y``.
N_VALIDATION = N_ROWS - N_TRAIN
#: Units of the hidden layer.
HIDDEN_UNITS = 16
#: SGD settings the task fixes.
LEARNING_RATE = 0.01
MOMENTUM = 0.9
#: The batch sizes Task 3 chooses from (at least three of them).
BATCH_SIZES = (16, 32, 64, 128)
#: Smallest validation accuracy of the Task 2 model on the held-out rows.
MIN_VAL_ACCURACY = 0.75
#: Largest validation loss (categorical cross-entropy) of the Task 2 model on the held-out rows.
MAX_VAL_LOSS = 0.55
#: Largest gap between a score recomputed from the model and the one ``history`` recorded.
HISTORY_TOLERANCE = 1e-3

#: Names Keras gives the accuracy metric in ``history`` (``"accuracy"``, ``"acc"``, a CategoricalAccuracy).
_ACCURACY_KEYS = ("accuracy", "acc", "categorical_accuracy")


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray]:
    """The course data in its original (sorted) order: ``x`` (1000, 3) float64 and 0-based classes (1000,).

    Notes
    -----
    ``datasets.multiclass(n=2000, d=3, sd=0.3, seed=123)``, as in the notebook's data cell.
    """
    from main_ingredients import datasets

    simplex = datasets.multiclass(n=2000, d=3, sd=0.3, seed=123)
    return (simplex[["x1", "x2", "x3"]].to_numpy(dtype="float64"),
            simplex["class"].to_numpy().astype("int64") - 1)


def _array(value: Any, name: str, what: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        array = None
    require(array is not None and array.ndim > 0,
            f"`{name}` should be {what}, but it is {describe(value)}.")
    return array


def rows(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Verify the student's ``x`` and ``y`` against the course data and return them as float64 arrays.

    ``x`` must hold the 1,000 original rows, each exactly once, in any order, and ``y`` the one-hot
    class of each of them (row ``i`` of ``y`` describes row ``i`` of ``x``).

    Parameters
    ----------
    x, y : array-like
        The notebook's ``x`` (shape (1000, 3)) and ``y`` (shape (1000, 4)).

    Returns
    -------
    (ndarray, ndarray)

    Raises
    ------
    CheckFailed
        When a shape is wrong, a row is changed, missing or repeated, or a label does not match.
    """
    x_array = _array(x, "x", "a NumPy array of shape (1000, 3) (reorder it with x[order])")
    y_array = _array(y, "y", "a NumPy array of shape (1000, 4) (use keras.utils.to_categorical)")
    require(x_array.shape == (N_ROWS, 3), f"`x` should still have shape ({N_ROWS}, 3); it has shape {x_array.shape}.")
    require(y_array.shape == (N_ROWS, 4),
            f"`y` should have shape ({N_ROWS}, 4), one column per class; it has shape {y_array.shape}.")
    require(np.all((y_array == 0) | (y_array == 1)) and np.all(y_array.sum(axis=1) == 1),
            "Every row of `y` should hold a single 1 and three 0s: one-hot encode with keras.utils.to_categorical.")
    original_x, original_label = data()
    distances = ((x_array[:, None, :] - original_x[None, :, :]) ** 2).sum(axis=2)
    nearest = distances.argmin(axis=1)
    require(np.allclose(x_array, original_x[nearest], atol=1e-5),
            "The rows of `x` should be the original rows, only in another order: shuffle the rows, do not "
            "change them (and run the cells from the top: Kernel > Restart Kernel and Run All Cells\u2026).")
    require(len(np.unique(nearest)) == N_ROWS,
            "Every original row should appear exactly once in `x`: shuffle without repeating rows.")
    require(np.array_equal(y_array.argmax(axis=1), original_label[nearest]),
            "Row i of `y` no longer holds the class of row i of `x`: shuffle x and the labels with the same order.")
    return x_array, y_array


def held_out(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``validation_split=0.2`` holds out: the last 200 rows of the verified ``x`` and ``y``.

    Raises
    ------
    CheckFailed
        As :func:`rows`.
    """
    x_array, y_array = rows(x, y)
    return x_array[N_TRAIN:], y_array[N_TRAIN:]


def validation_scores(net: Any, x: Any, y: Any, name: str = "model") -> tuple[float, float]:
    """``(accuracy, loss)`` of ``net`` on the held-out rows (the last 200 of the verified ``x``, ``y``).

    The accuracy is the share of rows whose largest output is the true class; the loss is the
    model's compiled loss as Keras computes it (``model.evaluate``), which is what ``fit`` records
    as ``val_loss`` (for a softmax output and the categorical cross-entropy, the cross-entropy).

    Raises
    ------
    CheckFailed
        When ``x``/``y`` are not the course data or the model cannot predict or evaluate them.
    """
    x_val, y_val = held_out(x, y)
    probabilities = predict(net, x_val, name)
    require(probabilities.shape[1] == 4,
            f"`{name}` should output 4 numbers per row (one per class); it outputs {probabilities.shape[1]}.")
    accuracy = float(np.mean(probabilities.argmax(axis=1) == y_val.argmax(axis=1)))
    try:
        scores = net.evaluate(x_val.astype("float32"), y_val.astype("float32"), verbose=0, return_dict=True)
        loss = float(scores["loss"])
    except Exception as error:  # noqa: BLE001 - not compiled, or a loss that does not fit the labels
        raise CheckFailed(f"`{name}` cannot be evaluated on the validation rows: {type(error).__name__}: "
                          f"{str(error)[:200]}. Compile it with loss=\"categorical_crossentropy\".") from None
    return accuracy, loss


def _accuracy_key(history: Any) -> str | None:
    return next((key for key in _ACCURACY_KEYS if key in history.history), None)


# --------------------------------------------------------------------------- Task 1

def prep(x, y) -> None:
    """``y`` one-hot (1000, 4); ``x`` the original rows shuffled, labels matching; all 4 classes held out.

    Raises
    ------
    CheckFailed
    """
    rows(x, y)
    _, y_val = held_out(x, y)
    classes = np.unique(y_val.argmax(axis=1))
    require(len(classes) == 4,
            f"The last 20% of the rows ({N_VALIDATION} rows), which validation_split=0.2 holds out, contain only "
            f"class(es) {(classes + 1).tolist()}: shuffle the rows so that the validation rows hold all four classes.")
    passed(f"labels: `y` one-hot, shape ({N_ROWS}, 4)")
    passed(f"rows: `x` holds the {N_ROWS} original rows in a new order, row i of `y` the class of row i of `x`")
    passed(f"validation rows: the last {N_VALIDATION} rows hold all 4 classes")


# --------------------------------------------------------------------------- Task 2

def model(model, history) -> None:
    """Architecture, compile settings and training run of the Task 2 model.

    Dense(16, ReLU) on 3 input features, then Dense(4, softmax) (no extra activation layer);
    SGD with learning rate 0.01 and momentum 0.9, the categorical cross-entropy and the accuracy
    metric; trained for 20 epochs with 25 steps per epoch (batch size 32 on the 800 training rows
    that ``validation_split=0.2`` leaves) and validation scores in ``history``.

    Raises
    ------
    CheckFailed
    """
    net = model_of(model, "model")
    stack = dense_stack(net)
    require(len(stack) == 2,
            f"The model should have two Dense layers (a hidden layer and the output layer); yours has {len(stack)}.")
    require(input_features(net) == 3, f"The model should take the 3 features; it takes {input_features(net)}.")
    (hidden_units, hidden_activation), (output_units, output_activation) = stack
    require(hidden_units == HIDDEN_UNITS,
            f"The hidden Dense layer should have {HIDDEN_UNITS} units; yours has {hidden_units}.")
    require(hidden_activation == "relu",
            f"Use the ReLU activation in the hidden layer; yours is {hidden_activation!r}.")
    require(output_units == 4, f"The output layer should have 4 units, one per class; it has {output_units}.")
    require(output_activation == "softmax",
            f"The output layer should use the softmax activation, and nothing after it; yours is "
            f"{output_activation!r}.")
    name, rate, momentum = optimizer_settings(net)
    require(name == "SGD", f"Use the SGD optimizer; your model uses {name}.")
    require(close_to(rate, LEARNING_RATE),
            f"Use SGD with learning_rate={LEARNING_RATE}; yours is {rate:g}.")
    require(close_to(momentum, MOMENTUM), f"Use SGD with momentum={MOMENTUM}; yours is {momentum:g}.")
    loss = loss_name(net)
    require(loss == "categorical_crossentropy",
            f"Use the categorical cross-entropy loss for one-hot labels (\"categorical_crossentropy\"); your model "
            f"uses {loss!r}.")
    history_of(history, "history")
    require(_accuracy_key(history) is not None,
            f"`history` has no accuracy: compile with metrics=[\"accuracy\"]; it holds {sorted(history.history)}.")
    require("val_loss" in history.history and f"val_{_accuracy_key(history)}" in history.history,
            "`history` has no validation scores: train with validation_split=0.2.")
    steps = single_number((history.params or {}).get("steps"))
    require(steps is not None and int(steps) == math.ceil(N_TRAIN / BATCH_SIZE),
            f"Train with batch_size={BATCH_SIZE} and validation_split={VALIDATION_SPLIT}: that makes "
            f"{math.ceil(N_TRAIN / BATCH_SIZE)} steps per epoch over the {N_TRAIN} training rows; your run took "
            f"{steps if steps is None else int(steps)}.")
    require_epochs(net, history, EPOCHS)
    passed(f"architecture: Dense({HIDDEN_UNITS}, ReLU) -> Dense(4, softmax) on 3 input features")
    passed(f"compile settings: SGD(learning_rate={LEARNING_RATE}, momentum={MOMENTUM}), the categorical "
           "cross-entropy, the accuracy metric")
    passed(f"training: {EPOCHS} epochs of {math.ceil(N_TRAIN / BATCH_SIZE)} steps (batch size {BATCH_SIZE} on "
           f"{N_TRAIN} training rows), validation scores in `history`")


def accuracy(model, history, x, y) -> None:
    """On the held-out rows (the last 200 of ``x``, ``y``): accuracy at least 0.75, loss at most 0.55.

    Both are computed from ``model`` (:func:`validation_scores`).

    Raises
    ------
    CheckFailed
    """
    net = model_of(model, "model")
    history_of(history, "history")
    require("val_loss" in history.history, "`history` has no validation loss: train with validation_split=0.2.")
    require_trained(net, "model")
    val_accuracy, val_loss = validation_scores(net, x, y)
    require(math.isfinite(val_loss), "The validation loss is not a finite number: did training diverge?")
    require(val_accuracy >= MIN_VAL_ACCURACY,
            f"On the {N_VALIDATION} validation rows your model's accuracy is {val_accuracy:.3f}; it should be at "
            f"least {MIN_VAL_ACCURACY}: check that the rows were shuffled and that the model was trained as described.")
    require(val_loss <= MAX_VAL_LOSS,
            f"On the {N_VALIDATION} validation rows your model's validation loss is {val_loss:.3f}; "
            f"it should be at most {MAX_VAL_LOSS}: check that the rows were shuffled and that the model was trained "
            "as described.")
    passed(f"validation accuracy {val_accuracy:.3f} on the {N_VALIDATION} held-out rows (at least {MIN_VAL_ACCURACY})")
    passed(f"validation loss {val_loss:.3f} on the {N_VALIDATION} held-out rows (at most {MAX_VAL_LOSS})")


def _agrees_with_history(net: Any, run: Any, x: Any, y: Any, name: str, run_name: str) -> None:
    """The last val_loss (and val accuracy, if recorded) of ``run`` are those of ``net`` on the held-out rows."""
    val_accuracy, loss = validation_scores(net, x, y, name)
    recorded_loss = single_number(run.history.get("val_loss", [None])[-1])
    require(recorded_loss is not None and abs(loss - recorded_loss) <= HISTORY_TOLERANCE,
            f"The last validation loss in `{run_name}` ({recorded_loss}) is not what `{name}` scores on the last "
            f"{N_VALIDATION} rows of x and y ({loss}): the model was not trained with validation_split=0.2 on the "
            "current x and y. Run every cell from the top (Kernel > Restart Kernel and Run All Cells\u2026).")
    key = _accuracy_key(run)
    if key is not None and f"val_{key}" in run.history:
        recorded = single_number(run.history[f"val_{key}"][-1])
        require(recorded is not None and abs(val_accuracy - recorded) <= HISTORY_TOLERANCE,
                f"The last validation accuracy in `{run_name}` ({recorded}) is not what `{name}` scores on the last "
                f"{N_VALIDATION} rows of x and y ({val_accuracy:.4f}): run every cell from the top.")


def accuracy_sealed(model, history, x, y) -> None:
    """Hidden: the held-out scores agree with ``history``, and the recipe re-trained from scratch meets the targets.

    The model's validation loss and accuracy on the last 200 rows of the
    student's ``x``, ``y`` must equal the last ``val_loss``/``val_accuracy`` in ``history`` within
    :data:`HISTORY_TOLERANCE` (which proves which rows were held out); then the recipe is
    re-trained under ``RETRAIN_SEEDS[0]`` on ``x``, ``y`` (batch size 32, 20 epochs, 20% split).

    Raises
    ------
    CheckFailed
    """
    _agrees_with_history(model, history, x, y, "model", "history")
    x_array, y_array = rows(x, y)
    seed = RETRAIN_SEEDS[0]
    clone = retrain(model, x_array, y_array, seed=seed, epochs=EPOCHS, batch_size=BATCH_SIZE,
                       validation_split=VALIDATION_SPLIT)
    val_accuracy, val_loss = validation_scores(clone, x_array, y_array)
    require(val_accuracy >= MIN_VAL_ACCURACY and val_loss <= MAX_VAL_LOSS,
            f"Your recipe does not reliably reach the targets: re-trained from scratch (seed {seed}) it ends with "
            f"validation accuracy {val_accuracy:.3f} and validation loss {val_loss:.3f}. Check the architecture, "
            "the compile settings and the training run.")


# --------------------------------------------------------------------------- Task 3

def _size(value: Any) -> int | None:
    number = single_number(value)
    return int(number) if number is not None and float(number).is_integer() else None


def _runs(batch_runs: Any, batch_results: Any) -> dict[int, tuple[Any, float]]:
    """batch size -> (History, reported loss), after the checks shared by :func:`compare` and :func:`compare_sealed`."""
    require(isinstance(batch_results, dict),
            f"`batch_results` should be a dict (batch size -> final validation loss), but it is "
            f"{describe(batch_results)}.")
    require(isinstance(batch_runs, dict),
            f"`batch_runs` should be a dict (batch size -> what fit returned), but it is {describe(batch_runs)}.")
    bad = [key for key in batch_results if _size(key) is None]
    require(not bad, f"The keys of `batch_results` should be batch sizes (numbers such as 32); found {bad!r:.200}.")
    results = {_size(key): value for key, value in batch_results.items()}
    runs = {_size(key): value for key, value in batch_runs.items()}
    require(len(set(results) & set(BATCH_SIZES)) >= 3,
            f"Try at least three of the batch sizes {', '.join(map(str, BATCH_SIZES))}; `batch_results` has "
            f"{sorted(results)}.")
    require(set(runs) == set(results),
            f"`batch_runs` and `batch_results` should have the same batch sizes; they have {sorted(runs)} and "
            f"{sorted(results)}: store each run with batch_runs[batch_size] = run.")
    out = {}
    for size in sorted(results):
        run = history_of(runs[size], f"batch_runs[{size}]", "fit(...)")
        loss = single_number(results[size])
        require(loss is not None,
                f"`batch_results[{size}]` should be one number, the final validation loss of that run "
                f"(run.history[\"val_loss\"][-1]); it is {describe(results[size])}.")
        out[size] = (run, loss)
    return out


def compare(batch_runs, batch_results, best_batch_size) -> None:
    """Task 3: one fresh 20-epoch run per batch size, its final val_loss in ``batch_results``, the best one chosen.

    ``batch_runs`` and ``batch_results`` have the same batch sizes (at least three of 16, 32, 64,
    128); every run took ``ceil(800 / batch_size)`` steps per epoch with validation scores, its
    own model (``run.model``) was trained exactly 20 epochs (so each batch size had a fresh
    model); ``batch_results[b]`` is ``batch_runs[b].history["val_loss"][-1]``; ``best_batch_size``
    is the key with the smallest value.

    Raises
    ------
    CheckFailed
    """
    runs = _runs(batch_runs, batch_results)
    for size, (run, loss) in runs.items():
        name = f"batch_runs[{size}]"
        require("val_loss" in run.history,
                f"`{name}` has no validation loss: train every run with validation_split={VALIDATION_SPLIT}.")
        steps = single_number((run.params or {}).get("steps"))
        expected = math.ceil(N_TRAIN / size)
        require(steps is not None and int(steps) == expected,
                f"The run with batch size {size} should take {expected} steps per epoch (batch_size={size} on the "
                f"{N_TRAIN} training rows of validation_split={VALIDATION_SPLIT}); it took "
                f"{steps if steps is None else int(steps)}.")
        net = getattr(run, "model", None)
        require(net is not None, f"`{name}` should be what fit(...) returned; it holds no trained model.")
        model_of(net, f"{name}.model")
        require_trained(net, f"{name}.model")
        require(training_steps(net) == EPOCHS * expected,
                f"The model of the run with batch size {size} was trained for {training_steps(net) / expected:g} "
                f"epochs, not {EPOCHS}: train a fresh model (call build_model() again) for each batch size, for "
                f"{EPOCHS} epochs.")
        require_epochs(net, run, EPOCHS, f"{name}.model", name)
        recorded = single_number(run.history["val_loss"][-1])
        require(recorded is not None and np.isclose(loss, recorded, rtol=1e-5, atol=1e-7),
                f"`batch_results[{size}]` ({loss:.4f}) should be the final validation loss of that run, "
                f"batch_runs[{size}].history[\"val_loss\"][-1] ({recorded}).")
    best = _size(best_batch_size)
    require(best is not None and best in runs,
            f"`best_batch_size` should be one of the keys of `batch_results`; it is {best_batch_size!r:.200}.")
    lowest = min(runs, key=lambda size: runs[size][1])
    require(runs[best][1] == runs[lowest][1],
            f"`best_batch_size` should be the batch size with the LOWEST validation loss in `batch_results` "
            f"({lowest}); it is {best}.")
    passed(f"batch sizes {', '.join(map(str, runs))}: one fresh {EPOCHS}-epoch run each, with the right steps per "
           "epoch")
    passed("batch_results: the final validation loss of each run")
    passed(f"best_batch_size = {best}: the lowest validation loss ({runs[best][1]:.3f})")


def compare_sealed(batch_runs, batch_results, x, y) -> None:
    """Hidden: each run's final val_loss is what its own model scores on the held-out rows of ``x``, ``y``.

    Raises
    ------
    CheckFailed
    """
    for size, (run, _) in _runs(batch_runs, batch_results).items():
        _agrees_with_history(run.model, run, x, y, f"batch_runs[{size}].model", f"batch_runs[{size}]")


# --------------------------------------------------------------------------- Task 4

def predictions(model, probs, pred_classes, x, y) -> None:
    """``probs`` is ``model.predict(x)`` (rows summing to 1) and ``pred_classes`` its 0-based row-wise argmax.

    Raises
    ------
    CheckFailed
    """
    net = model_of(model, "model")
    x_array, _ = rows(x, y)
    probs_array = _array(probs, "probs", "an array of numbers (what model.predict(x) returns)")
    require(probs_array.shape == (N_ROWS, 4),
            f"`probs` should have shape ({N_ROWS}, 4), one row per observation; it has {probs_array.shape}.")
    pred_array = _array(pred_classes, "pred_classes", "an array of class numbers")
    require(pred_array.shape == (N_ROWS,),
            f"`pred_classes` should have shape ({N_ROWS},), one class per observation; it has {pred_array.shape}. "
            "Take the argmax along the class axis (axis=-1).")
    require(np.allclose(probs_array.sum(axis=1), 1.0, atol=1e-4),
            "The rows of `probs` do not add up to 1: the output layer should use the softmax activation.")
    require(np.allclose(probs_array, predict(net, x_array), atol=1e-4),
            "`probs` should be model.predict(x) for the trained `model` of Task 2 and the current `x`.")
    require(np.array_equal(pred_array, probs_array.argmax(axis=-1)),
            "`pred_classes` should be the 0-based index of the largest probability in each row of `probs` "
            "(np.argmax(probs, axis=-1)), without adding 1.")
    passed(f"probs: model.predict(x), shape ({N_ROWS}, 4), every row adding up to 1")
    passed("pred_classes: the 0-based argmax of each row of probs")
