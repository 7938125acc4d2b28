"""Checks of assignment 03 (model capacity, width versus depth): one per test cell.

Targets (stated in the notebook): ``model_wide`` has 1 input feature, one hidden ReLU layer of
:data:`MIN_WIDE_UNITS` to :data:`MAX_WIDE_UNITS` units and a linear ``Dense(1)`` output;
``model_deep`` has 1 input feature, two hidden ReLU layers, the second no wider than the first,
and a linear ``Dense(1)`` output; both are compiled with ``SGD(learning_rate=0.01,
momentum=0.9)`` and the mean squared error; each is trained for 50 epochs (a fresh model each)
and, on the course data, its MSE against ``y`` is at most :data:`MAX_WIDE_MSE` /
:data:`MAX_DEEP_MSE` and the MSE of its predictions against the noise-free ``sin(x)`` at most
:data:`MAX_WIDE_SINE_MSE` / :data:`MAX_DEEP_SINE_MSE`. Both MSEs are recomputed here from the
model's predictions on the course data. Thresholds: docs/calibration.md.
"""

from __future__ import annotations

import functools

import numpy as np

from main_ingredients.checks import (
    RETRAIN_SEEDS, close_to, dense_stack, fit_batch_size, history_of, input_features, loss_name, model_of,
    optimizer_settings, passed, predict, require, require_epochs, retrain,
)

__all__ = ["EPOCHS", "LEARNING_RATE", "MOMENTUM", "MIN_WIDE_UNITS", "MAX_WIDE_UNITS", "MAX_WIDE_MSE",
           "MAX_DEEP_MSE", "MAX_WIDE_SINE_MSE", "MAX_DEEP_SINE_MSE", "data", "fit_errors", "wide_architecture",
           "deep_architecture", "compile_settings", "wide_fit", "deep_fit", "fit_sealed"]

#: Epochs the task fixes (for each model).
EPOCHS = 50
#: SGD settings the task fixes (for both models).
LEARNING_RATE = 0.01
MOMENTUM = 0.9
#: Width range of model_wide's hidden layer.
MIN_WIDE_UNITS = 32
MAX_WIDE_UNITS = 256
#: Largest MSE of the trained model against y on the course data (noise level: 0.04).
MAX_WIDE_MSE = 0.28
MAX_DEEP_MSE = 0.28
#: Largest MSE of the trained model's predictions against the noise-free sin(x).
MAX_WIDE_SINE_MSE = 0.22
MAX_DEEP_SINE_MSE = 0.22

_LIMITS = {"model_wide": (MAX_WIDE_MSE, MAX_WIDE_SINE_MSE), "model_deep": (MAX_DEEP_MSE, MAX_DEEP_SINE_MSE)}
_TASKS = {"model_wide": "Task 1", "model_deep": "Task 2"}


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray]:
    """The course data: ``x`` of shape (1000, 1) and the noisy ``y`` of shape (1000,), float64.

    Notes
    -----
    ``datasets.sine()``, the port of the module's noisy sine wave on [-1, 2 pi].
    """
    from main_ingredients import datasets

    df = datasets.sine()
    return df[["x"]].to_numpy(dtype="float64"), df["y"].to_numpy(dtype="float64")


def fit_errors(model, name: str = "model") -> tuple[float, float]:
    """``(MSE against y, MSE against sin(x))`` of the model's predictions on the course data.

    Raises
    ------
    CheckFailed
        If the model cannot predict the course data or predicts NaN/infinite values.
    """
    x, y = data()
    pred = predict(model, x, name)[:, 0]
    return float(np.mean((pred - y) ** 2)), float(np.mean((pred - np.sin(x[:, 0])) ** 2))


def _hidden_and_output(model, name: str) -> tuple[list[tuple[int, str]], tuple[int, str]]:
    model_of(model, name)
    stack = dense_stack(model)
    require(stack, f"`{name}` has no Dense layer: add them with keras.layers.Dense(...).")
    require(input_features(model) == 1, f"`{name}` should take 1 input feature; it takes {input_features(model)}.")
    output = stack[-1]
    require("+" not in output[1],
            f"The output layer of `{name}` is followed by an activation: it applies "
            f"{' and then '.join(output[1].split('+'))}. A regression output is linear: remove the activation "
            "layer after the Dense(1) output.")
    require(output == (1, "linear"),
            f"The output layer of `{name}` should be Dense(1) with no activation (and no activation layer after "
            f"it): a regression output is linear. Yours has {output[0]} unit(s) and activation {output[1]!r}.")
    return stack[:-1], output


def wide_architecture(model_wide) -> None:
    """``model_wide``: 1 input, one hidden ReLU layer of 32 to 256 units, a linear Dense(1) output.

    Raises
    ------
    CheckFailed
    """
    hidden, _ = _hidden_and_output(model_wide, "model_wide")
    require(len(hidden) == 1, f"`model_wide` should have exactly one hidden Dense layer; it has {len(hidden)}.")
    units, activation = hidden[0]
    require(MIN_WIDE_UNITS <= units <= MAX_WIDE_UNITS,
            f"The hidden layer of `model_wide` should have {MIN_WIDE_UNITS} to {MAX_WIDE_UNITS} units; it has {units}.")
    require(activation == "relu",
            f"The hidden layer of `model_wide` should use the ReLU activation; it uses {activation!r}.")
    passed(f"model_wide architecture: 1 input, one hidden ReLU layer of {units} units, a linear Dense(1) output "
           f"({model_wide.count_params():,} parameters)")


def deep_architecture(model_deep) -> None:
    """``model_deep``: 1 input, two hidden ReLU layers (second no wider than first), a linear Dense(1) output.

    Raises
    ------
    CheckFailed
    """
    hidden, _ = _hidden_and_output(model_deep, "model_deep")
    require(len(hidden) == 2, f"`model_deep` should have exactly two hidden Dense layers; it has {len(hidden)}.")
    activations = [activation for _, activation in hidden]
    require(all(a == "relu" for a in activations),
            f"Both hidden layers of `model_deep` should use the ReLU activation; they use {activations}.")
    require(hidden[1][0] <= hidden[0][0],
            f"Give `model_deep` a tunnel or funnel shape: its second hidden layer ({hidden[1][0]} units) should not "
            f"be wider than the first ({hidden[0][0]}).")
    passed(f"model_deep architecture: 1 input, hidden ReLU layers of {hidden[0][0]} and {hidden[1][0]} units, a "
           f"linear Dense(1) output ({model_deep.count_params():,} parameters)")


def compile_settings(model_wide, model_deep) -> None:
    """Both models compiled with ``SGD(learning_rate=0.01, momentum=0.9)`` and the mean squared error.

    Raises
    ------
    CheckFailed
    """
    for name, model in (("model_wide", model_wide), ("model_deep", model_deep)):
        model_of(model, name)
        require(getattr(model, "optimizer", None) is not None,
                f"Compile `{name}` with {name}.compile(optimizer=..., loss=...).")
        optimizer, rate, momentum = optimizer_settings(model)
        require(optimizer == "SGD", f"`{name}` should use the SGD optimizer; it uses {optimizer}.")
        require(close_to(rate, LEARNING_RATE),
                f"`{name}` should use SGD(learning_rate={LEARNING_RATE}, momentum={MOMENTUM}); "
                f"its learning rate is {rate:g}.")
        require(close_to(momentum, MOMENTUM),
                f"`{name}` should use SGD(learning_rate={LEARNING_RATE}, momentum={MOMENTUM}); "
                f"its momentum is {momentum:g}.")
        loss = loss_name(model)
        require(loss is not None, f"Give {name}.compile(...) a loss: loss=\"mse\".")
        require(loss == "mean_squared_error",
                f"`{name}` should use the mean squared error loss (\"mse\"); it uses {loss!r}.")
        passed(f"{name} compile settings: SGD(learning_rate={LEARNING_RATE}, momentum={MOMENTUM}) and the mean "
               "squared error")


def _fit(model, history, name: str, history_name: str) -> None:
    model_of(model, name)
    history_of(history, history_name, f"{name}.fit(...)")
    require_epochs(model, history, EPOCHS, name, history_name)
    max_mse, max_sine = _LIMITS[name]
    mse, sine_mse = fit_errors(model, name)
    require(mse <= max_mse,
            f"The MSE of the trained `{name}` on the data is {mse:.4f}; it should be at most {max_mse} (the noise "
            "alone gives 0.04): check the hidden activation and the compile settings.")
    require(sine_mse <= max_sine,
            f"The predictions of `{name}` stray from sin(x): their MSE against sin(x) is {sine_mse:.4f}, it should be "
            f"at most {max_sine}. The model misses the curve's shape.")
    passed(f"{name} fit: {EPOCHS} epochs; MSE {mse:.4f} against y (at most {max_mse}), {sine_mse:.4f} against "
           f"sin(x) (at most {max_sine})")


def wide_fit(model_wide, history_wide) -> None:
    """``model_wide`` trained for 50 epochs; on the course data MSE <= 0.28 and MSE against sin(x) <= 0.22.

    Raises
    ------
    CheckFailed
        If the epochs (counted by optimizer steps) are not 50, the model was never trained, or a
        target is missed.
    """
    _fit(model_wide, history_wide, "model_wide", "history_wide")


def deep_fit(model_deep, history_deep) -> None:
    """``model_deep`` trained for 50 epochs; on the course data MSE <= 0.28 and MSE against sin(x) <= 0.22.

    Raises
    ------
    CheckFailed
        If the epochs (counted by optimizer steps) are not 50 (e.g. ``model_wide`` trained again
        instead of a fresh model), the model was never trained, or a target is missed.
    """
    _fit(model_deep, history_deep, "model_deep", "history_deep")


def fit_sealed(model, history, name: str) -> None:
    """Hidden: the recipe of ``name``, re-trained once from scratch under the first fixed seed, reaches the targets.

    One seed only (``RETRAIN_SEEDS[0]``): re-training two models for 50 epochs is the costly part
    of grading this assignment.

    Raises
    ------
    CheckFailed
    """
    x, y = data()
    batch_size = fit_batch_size(history, len(x))
    seed = RETRAIN_SEEDS[0]
    clone = retrain(model, x, y, seed=seed, epochs=EPOCHS, batch_size=batch_size)
    max_mse, max_sine = _LIMITS[name]
    mse, sine_mse = fit_errors(clone, name)
    require(mse <= max_mse and sine_mse <= max_sine,
            f"The recipe of `{name}` does not reliably reach the targets: re-trained from scratch (seed {seed}) for "
            f"{EPOCHS} epochs it ends with an MSE of {mse:.4f} (target at most {max_mse}) and an MSE against sin(x) "
            f"of {sine_mse:.4f} (target at most {max_sine}). Check the architecture and the compile settings.")
