"""Checks of assignment 05 (the iris mini-project): one per test cell.

Targets (stated in the notebook): 4 input features, at least one hidden Dense layer and a Dense
output layer of 3 units with the softmax activation (nothing after it); SGD and the categorical
cross-entropy; ``history`` is what ``model.fit(x, y, ..., validation_split=0.2)`` returns, on
``x`` and ``y`` as prepared (same rows, same order), so that ``fit`` trains on the first
:data:`TRAIN_ROWS` rows and validates on the last :data:`VALIDATION_ROWS`; the validation
accuracy after the last epoch at least :data:`MIN_VAL_ACCURACY` (27 of the 30 held-out flowers).

Hidden re-checks: the student's recipe (architecture, compile settings, batch size, epochs),
re-trained from scratch on the prepared rows under :data:`~main_ingredients.checks.RETRAIN_SEEDS`
with ``validation_split=0.2``, must reach the accuracy target under every seed.
Thresholds: docs/calibration.md.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from main_ingredients.checks import (
    RETRAIN_SEEDS, batch_size_from_steps, CheckFailed, dense_stack, describe, history_of, input_features,
    model_of, passed, predict, require, require_trained, retrain, sgd_and_loss, single_number, training_steps,
)

__all__ = ["ROWS", "TRAIN_ROWS", "VALIDATION_ROWS", "VALIDATION_SPLIT", "MIN_VAL_ACCURACY", "TOLERANCE",
           "data", "validation_rows", "architecture", "compile_settings", "validation", "accuracy",
           "accuracy_sealed", "held_out_metrics", "recipe"]

#: Flowers in the data set.
ROWS = 150
#: The validation split the task fixes.
VALIDATION_SPLIT = 0.2
#: Rows ``fit`` trains on with ``validation_split=0.2`` (the first 120 of the prepared rows).
TRAIN_ROWS = 120
#: Rows it holds out (the last 30): each one is 1/30 = 0.033 of accuracy.
VALIDATION_ROWS = ROWS - TRAIN_ROWS
#: Smallest validation accuracy after the last epoch: 27 of 30 flowers (0.9, 0.89999998 in float32).
MIN_VAL_ACCURACY = 0.89
#: Largest difference between the history's last validation loss/accuracy and the same metric
#: recomputed from the model on the held-out rows (measured: 0 to 1e-7 with a float32 model).
TOLERANCE = 1e-3


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray]:
    """The prepared rows: ``x`` (150, 4) float64 and ``y`` (150, 3) one-hot float32.

    Notes
    -----
    ``datasets.iris_xy(shuffle=True, seed=123)``, exactly what the notebook's data cell prepares.
    """
    from main_ingredients import datasets

    return datasets.iris_xy(shuffle=True, seed=123)


def validation_rows() -> tuple[np.ndarray, np.ndarray]:
    """The 30 rows ``validation_split=0.2`` holds out: the last 30 prepared rows."""
    x, y = data()
    return x[TRAIN_ROWS:], y[TRAIN_ROWS:]


def _prepared(x, y) -> None:
    """Require the student's ``x`` and ``y`` to be the prepared arrays, rows in the prepared order.

    Raises
    ------
    CheckFailed
    """
    px, py = data()
    for name, value, prepared in (("x", x, px), ("y", y, py)):
        try:
            array = np.asarray(value, dtype="float64")
        except (TypeError, ValueError):
            array = None
        require(array is not None and array.shape == prepared.shape,
                f"`{name}` should be the prepared array of shape {prepared.shape} from the data cell, but it is "
                f"{describe(value)}{'' if array is None else f' with shape {array.shape}'}: run the data cell "
                f"again and use `{name}` as prepared.")
        if np.allclose(array, prepared, rtol=0.0, atol=1e-6):
            continue
        same_rows = np.allclose(_sorted_rows(array), _sorted_rows(prepared), rtol=0.0, atol=1e-6)
        require(not same_rows,
                f"`{name}` holds the prepared rows in another order. Keep the prepared order: "
                f"validation_split takes the last {VALIDATION_ROWS} rows as the validation flowers, so "
                "reordering the rows changes which flowers are held out (and your result with it). "
                "Run the data cell again and do not shuffle `x` and `y`.")
        require(False,
                f"`{name}` is not the array the data cell prepared (its values were changed, e.g. rescaled). "
                "Use `x` and `y` exactly as prepared: run the data cell again.")


def _sorted_rows(array: np.ndarray) -> np.ndarray:
    """The rows of a 2-D array in lexicographic order (to tell reordered rows from changed values)."""
    array = np.asarray(array, dtype="float64")
    return array[np.lexsort(array.T[::-1])]


def _val_accuracy_key(history) -> str | None:
    keys = [key for key in history.history if key.startswith("val_") and "acc" in key]
    return "val_accuracy" if "val_accuracy" in keys else (keys[0] if keys else None)


def _last(history, key: str) -> float:
    values = history.history.get(key) or []
    value = single_number(values[-1]) if len(values) else None
    return float("nan") if value is None else value


def held_out_metrics(model) -> tuple[float, float]:
    """``(accuracy, loss)`` of the model on the 30 held-out rows (the loss is the model's compiled loss).

    Raises
    ------
    CheckFailed
        If the model cannot predict or evaluate the rows.
    """
    xv, yv = validation_rows()
    accuracy = float(np.mean(predict(model, xv).argmax(axis=1) == yv.argmax(axis=1)))
    try:
        loss = single_number(model.evaluate(xv, yv, verbose=0, return_dict=True).get("loss"))
    except Exception as error:  # noqa: BLE001
        raise CheckFailed(f"model.evaluate fails on the validation flowers: {type(error).__name__}: "
                          f"{str(error)[:200]}") from None
    return accuracy, float("nan") if loss is None else loss


def architecture(model) -> None:
    """4 input features, at least one hidden Dense layer, a Dense(3) softmax output with nothing after it.

    Raises
    ------
    CheckFailed
    """
    model_of(model, "model")
    stack = dense_stack(model)
    require(stack, "Your model has no Dense layer: add them with keras.layers.Dense(...).")
    features = input_features(model)
    require(features == 4,
            f"The model should take the 4 measurements (keras.Input(shape=(4,))); it takes {features}.")
    require(len(stack) >= 2,
            "Add at least one hidden Dense layer before the output layer (e.g. Dense(32, activation=\"relu\")).")
    units, activation = stack[-1]
    require(units == 3, f"The output Dense layer should have 3 units, one per species; it has {units}.")
    require(activation != "linear", "The output layer should use the softmax activation; yours has none (linear).")
    require(activation == "softmax",
            "The output layer should end with the softmax activation and nothing after it; yours is "
            f"{activation!r}" + (" (an extra activation after the softmax: remove it)." if "+" in activation else "."))
    hidden = ", ".join(f"{n} {a}" for n, a in stack[:-1])
    passed(f"architecture: 4 input features, hidden Dense layer(s) of {hidden} units, a Dense(3) softmax output")


def compile_settings(model) -> None:
    """Compiled with SGD and the categorical cross-entropy.

    Raises
    ------
    CheckFailed
    """
    sgd_and_loss(model, "categorical_crossentropy", "categorical_crossentropy",
                 "the categorical cross-entropy loss for one-hot labels")
    passed("compile settings: the SGD optimizer and the categorical cross-entropy")


def recipe(model, history) -> tuple[int, int, int]:
    """``(steps per epoch, batch size, epochs)`` of the student's training run.

    The steps per epoch come from ``history.params``; the batch size is the smallest one giving
    that many steps over the 120 training rows; the epochs are the model's optimizer steps over
    the steps per epoch (several ``fit`` calls with the same batch size add up).

    Raises
    ------
    CheckFailed
        When the model was not trained, or its optimizer steps are not a whole number of epochs.
    """
    require_trained(model, "model")
    steps = single_number((getattr(history, "params", None) or {}).get("steps"))
    require(steps is not None and steps >= 1 and float(steps).is_integer(),
            "`history` should be what model.fit(...) returns: its params record no steps per epoch.")
    steps = int(steps)
    done = training_steps(model)
    require(done % steps == 0,
            f"`model` took {done} optimizer steps, not a whole number of epochs of {steps} steps: train it "
            "with the same batch size in every fit call (or once, in a single fit call).")
    return steps, batch_size_from_steps(TRAIN_ROWS, steps), done // steps


def validation(model, history, x, y) -> None:
    """``history`` comes from ``fit`` on the prepared ``x, y`` with ``validation_split=0.2``.

    Checks that ``x`` and ``y`` are the prepared arrays in the prepared order; that ``history``
    has a validation loss and accuracy; that its steps per epoch fit the 120 training rows; that
    the model was trained by ``fit`` for a whole number of epochs (at least those in ``history``);
    and that the history's last validation accuracy and loss are those of ``model`` on the last
    30 prepared rows (within :data:`TOLERANCE`), which shows that those were the held-out rows.

    Raises
    ------
    CheckFailed
    """
    history_of(history, "history", "model.fit(x, y, ..., validation_split=0.2)")
    model_of(model, "model")
    _prepared(x, y)
    require("val_loss" in history.history,
            "`history` has no validation loss: train with model.fit(x, y, ..., validation_split=0.2).")
    key = _val_accuracy_key(history)
    require(key is not None, "`history` has no validation accuracy: compile with metrics=[\"accuracy\"].")
    steps, batch_size, epochs = recipe(model, history)
    require(math.ceil(TRAIN_ROWS / batch_size) == steps,
            f"`history` records {steps} steps per epoch, which no batch size gives over the {TRAIN_ROWS} "
            f"training rows of validation_split={VALIDATION_SPLIT} (fit trained on another number of rows): "
            "train with model.fit(x, y, ..., validation_split=0.2) and no validation_data.")
    require(epochs >= len(history.history["loss"]),
            f"`history` lists {len(history.history['loss'])} epochs but `model` was trained for only {epochs}: "
            "`history` should be what the last model.fit(...) of `model` returned.")
    accuracy, loss = held_out_metrics(model)
    hist_accuracy, hist_loss = _last(history, key), _last(history, "val_loss")
    require(abs(hist_accuracy - accuracy) <= TOLERANCE and abs(hist_loss - loss) <= TOLERANCE * max(1.0, abs(loss)),
            f"The last validation values in `history` (accuracy {hist_accuracy:.4f}, loss {hist_loss:.4f}) are not "
            f"those of `model` on the last {VALIDATION_ROWS} rows of x, y (accuracy {accuracy:.4f}, loss "
            f"{loss:.4f}), which validation_split={VALIDATION_SPLIT} holds out: validate with "
            "validation_split=0.2 on x, y as prepared (not validation_data=...), and keep the `history` of the "
            "last fit call of `model`.")
    passed(f"validation: fit() on the prepared x, y with validation_split={VALIDATION_SPLIT}: trained on the first "
           f"{TRAIN_ROWS} rows (batch size {batch_size}, {epochs} epochs), validated on the last {VALIDATION_ROWS}")


def accuracy(model, history, x, y) -> None:
    """The validation accuracy after the last epoch is at least 0.89 (27 of the 30 held-out flowers).

    Reads the last validation accuracy of ``history`` and re-computes it from ``model`` on the
    last 30 prepared rows; both must reach :data:`MIN_VAL_ACCURACY`. ``x`` and ``y`` must be the
    prepared arrays in the prepared order (otherwise other flowers were held out).

    Raises
    ------
    CheckFailed
    """
    history_of(history, "history", "model.fit(x, y, ..., validation_split=0.2)")
    model_of(model, "model")
    _prepared(x, y)
    key = _val_accuracy_key(history)
    require(key is not None,
            "`history` has no validation accuracy: use validation_split=0.2 and metrics=[\"accuracy\"].")
    require_trained(model, "model")
    final = _last(history, key)
    require(final >= MIN_VAL_ACCURACY,
            f"The validation accuracy after the last epoch is {final:.3f}; it should be at least 0.9 (27 of the "
            f"{VALIDATION_ROWS} validation flowers): adjust the learning rate, momentum, capacity, batch size or "
            "number of epochs.")
    held_out, _ = held_out_metrics(model)
    require(held_out >= MIN_VAL_ACCURACY,
            f"Your trained model classifies {round(held_out * VALIDATION_ROWS)} of the {VALIDATION_ROWS} validation "
            f"flowers (the last {VALIDATION_ROWS} rows of x, y) correctly, accuracy {held_out:.3f}; it should be "
            "at least 0.9 (27 of 30).")
    passed(f"accuracy: {round(held_out * VALIDATION_ROWS)} of the {VALIDATION_ROWS} validation flowers right after "
           f"the last epoch ({held_out:.3f}, at least 0.9)")


def accuracy_sealed(model, history) -> None:
    """Hidden: the student's recipe, re-trained from scratch under the fixed seeds, reaches 0.89.

    The recipe is the model's architecture and compile settings, the batch size read from the
    steps per epoch and the epochs read from the optimizer's steps (see :func:`recipe`); it is
    re-trained on the prepared rows with ``validation_split=0.2`` under each of
    :data:`~main_ingredients.checks.RETRAIN_SEEDS`.

    Raises
    ------
    CheckFailed
    """
    steps, batch_size, epochs = recipe(model, history)
    x, y = data()
    for seed in RETRAIN_SEEDS:
        clone = retrain(model, x, y, seed=seed, epochs=epochs, batch_size=batch_size,
                           validation_split=VALIDATION_SPLIT)
        xv, yv = validation_rows()
        held_out = float(np.mean(predict(clone, xv).argmax(axis=1) == yv.argmax(axis=1)))
        require(held_out >= MIN_VAL_ACCURACY,
                f"Your recipe does not reliably reach the target: re-trained from scratch (seed {seed}; your "
                f"{steps} steps per epoch, i.e. batches of {batch_size} rows, {epochs} epochs, "
                "validation_split=0.2) it classifies only "
                f"{round(held_out * VALIDATION_ROWS)} of the {VALIDATION_ROWS} validation flowers correctly "
                f"(accuracy {held_out:.3f}, below 0.9). Choose settings that reach 0.9 under any seed: e.g. more "
                "epochs, some momentum, a learning rate that does not make the loss jump.")
