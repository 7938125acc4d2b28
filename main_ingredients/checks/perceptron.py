"""Checks of assignment 01 (a single perceptron): one per test cell.

Targets (stated in the notebook): one Dense layer, 1 unit, 1 input, linear activation,
2 parameters; SGD and the mean squared error; 25 epochs of ``fit``; on the course data the
trained model's MSE at most :data:`MAX_MSE` and its line within :data:`MAX_SLOPE_ERROR` of the
true slope 5 and :data:`MAX_INTERCEPT_ERROR` of the true intercept 30; ``slope`` and
``intercept`` read from the trained model. Thresholds: docs/calibration.md.
"""

from __future__ import annotations

import functools

import numpy as np

from main_ingredients.checks import (
    RETRAIN_SEEDS, dense_stack, describe, fit_batch_size, input_features, model_of, passed, predict, require,
    require_trained, retrain, sgd_and_loss, single_number, trained_for,
)

__all__ = ["EPOCHS", "MAX_MSE", "MAX_SLOPE_ERROR", "MAX_INTERCEPT_ERROR", "data", "architecture",
           "compile_settings", "history", "fit", "fit_sealed", "weights", "line"]

#: Epochs the task fixes.
EPOCHS = 25
#: Largest MSE of the trained model on the course data (OLS: 1.0018).
MAX_MSE = 1.05
#: Largest distance of the learned slope from 5.
MAX_SLOPE_ERROR = 0.25
#: Largest distance of the learned intercept from 30.
MAX_INTERCEPT_ERROR = 0.25


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray]:
    """The course data: ``x`` of shape (1000, 1) and ``y`` of shape (1000,), float64.

    Notes
    -----
    ``datasets.linear_regression()``, the port of the module's simulated line.
    """
    from main_ingredients import datasets

    df = datasets.linear_regression()
    return df[["x"]].to_numpy(dtype="float64"), df["y"].to_numpy(dtype="float64")


def architecture(model) -> None:
    """One Dense layer with 1 unit and a linear activation, 1 input feature, 2 parameters.

    Raises
    ------
    CheckFailed
    """
    model_of(model, "model")
    stack = dense_stack(model)
    require(stack, "Your model has no Dense layer: add one with keras.layers.Dense(...).")
    require(len(stack) == 1, f"A single perceptron has exactly one Dense layer; your model has {len(stack)}.")
    require(stack[0][0] == 1, f"The Dense layer should have 1 unit; yours has {stack[0][0]}.")
    require(input_features(model) == 1, f"The model should take 1 input feature; it takes {input_features(model)}.")
    require(stack[0][1] == "linear",
            f"Leave the activation linear for regression (no activation function, no Activation layer); "
            f"yours is {stack[0][1]!r}.")
    require(model.count_params() == 2,
            f"The perceptron should have 2 parameters (a weight and a bias); yours has {model.count_params()}.")
    passed("architecture: one Dense layer, 1 unit, 1 input feature, linear activation, 2 parameters")


def compile_settings(model) -> None:
    """Compiled with SGD and the mean squared error.

    Raises
    ------
    CheckFailed
    """
    sgd_and_loss(model, "mean_squared_error", "mse", "the mean squared error loss")
    passed("compile settings: the SGD optimizer and the mean squared error loss")


def history(model, history) -> None:
    """``history`` comes from ``fit`` and the model was trained for 25 epochs.

    Raises
    ------
    CheckFailed
    """
    trained_for(model, history, EPOCHS)
    passed(f"training: `history` comes from fit() and the model was trained for {EPOCHS} epochs")


def line(model) -> tuple[float, float]:
    """``(intercept, slope)`` of the trained model, read from its predictions at x = 0 and x = 1."""
    points = predict(model, np.array([[0.0], [1.0]]))[:, 0]
    return float(points[0]), float(points[1] - points[0])


def fit(model) -> None:
    """On the course data: MSE at most 1.05, slope within 0.25 of 5, intercept within 0.25 of 30.

    Raises
    ------
    CheckFailed
    """
    model_of(model, "model")
    require_trained(model, "model")
    x, y = data()
    mse = float(np.mean((predict(model, x)[:, 0] - y) ** 2))
    require(mse <= MAX_MSE, f"Your trained model's MSE on the data is {mse:.4f}; it should be at most {MAX_MSE} "
            "(OLS reaches 1.0018): check the loss and the number of epochs.")
    intercept, slope = line(model)
    require(abs(slope - 5.0) <= MAX_SLOPE_ERROR,
            f"The trained model's slope {slope:.3f} is more than {MAX_SLOPE_ERROR} away from the true slope 5.")
    require(abs(intercept - 30.0) <= MAX_INTERCEPT_ERROR,
            f"The trained model's intercept {intercept:.3f} is more than {MAX_INTERCEPT_ERROR} away from the "
            "true intercept 30.")
    passed(f"fit: MSE {mse:.4f} (at most {MAX_MSE}), slope {slope:.3f} (5 \u00b1 {MAX_SLOPE_ERROR}), "
           f"intercept {intercept:.3f} (30 \u00b1 {MAX_INTERCEPT_ERROR})")


def fit_sealed(model, history) -> None:
    """Hidden: the student's recipe, re-trained from scratch under the fixed seeds, reaches the targets.

    Raises
    ------
    CheckFailed
    """
    x, y = data()
    batch_size = fit_batch_size(history, len(x))
    for seed in RETRAIN_SEEDS:
        clone = retrain(model, x, y, seed=seed, epochs=EPOCHS, batch_size=batch_size)
        mse = float(np.mean((predict(clone, x)[:, 0] - y) ** 2))
        intercept, slope = line(clone)
        require(mse <= MAX_MSE and abs(slope - 5.0) <= MAX_SLOPE_ERROR and abs(intercept - 30.0) <= MAX_INTERCEPT_ERROR,
                f"Your recipe does not reliably reach the targets: re-trained from scratch (seed {seed}) it ends "
                f"with MSE {mse:.4f}, slope {slope:.3f}, intercept {intercept:.3f}. Check the architecture, "
                "the compile settings and the epochs.")


def weights(model, slope, intercept) -> None:
    """``slope`` and ``intercept`` are single numbers equal to the trained Dense layer's kernel and bias.

    Raises
    ------
    CheckFailed
    """
    slope_value, intercept_value = single_number(slope), single_number(intercept)
    require(slope_value is not None,
            f"`slope` should be a single number, but it is {describe(slope)}: model.get_weights() returns "
            "[kernel, bias]; pick the one number out of the kernel, e.g. float(kernel[0, 0]).")
    require(intercept_value is not None,
            f"`intercept` should be a single number, but it is {describe(intercept)}: "
            "pick the one number out of the bias, e.g. float(bias[0]).")
    model_of(model, "model")
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    require(dense and len(dense[0].get_weights()) == 2, "Your model has no trained Dense layer to read weights from.")
    kernel, bias = (np.asarray(w, dtype="float64") for w in dense[0].get_weights())
    require(np.isclose(slope_value, kernel.ravel()[0], rtol=1e-6, atol=1e-6),
            f"`slope` ({slope_value:.4f}) is not the kernel weight of your trained model "
            f"({kernel.ravel()[0]:.4f}): read it from the model.")
    require(np.isclose(intercept_value, bias.ravel()[0], rtol=1e-6, atol=1e-6),
            f"`intercept` ({intercept_value:.4f}) is not the bias of your trained model "
            f"({bias.ravel()[0]:.4f}): read it from the model.")
    passed(f"weights: slope = {slope_value:.4f} and intercept = {intercept_value:.4f} are the trained model's "
           "kernel and bias")
