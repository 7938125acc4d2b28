"""Checks of assignment 02 (learning rate and momentum): one per test cell.

Targets (stated in the notebook): one Dense layer, 1 unit, 1 input, a sigmoid output; the
binary cross-entropy loss; SGD with a momentum above 0; 50 epochs of ``fit``; on the course
data the trained model's log-loss within :data:`MAX_LOSS_GAP` of the logistic regression's
(about 0.1242). The log-loss is recomputed here from the model's predictions on the course
data, and the logistic regression is fitted here too: neither is read from the notebook.
Thresholds: docs/calibration.md.
"""

from __future__ import annotations

import functools

import numpy as np

from main_ingredients.checks import (
    RETRAIN_SEEDS, dense_stack, fit_batch_size, input_features, loss_name, model_of, optimizer_settings,
    passed, predict, require, require_trained, retrain, trained_for,
)

__all__ = ["EPOCHS", "MAX_LOSS_GAP", "PROBABILITY_CLIP", "data", "logreg_loss", "log_loss", "architecture",
           "loss", "optimizer", "history", "convergence", "convergence_sealed"]

#: Epochs the task fixes.
EPOCHS = 50
#: Largest distance of the trained model's log-loss on the course data from the logistic regression's.
MAX_LOSS_GAP = 0.015
#: Predicted probabilities are clipped to [PROBABILITY_CLIP, 1 - PROBABILITY_CLIP], as Keras does.
PROBABILITY_CLIP = 1e-7


@functools.lru_cache(maxsize=1)
def data() -> tuple[np.ndarray, np.ndarray]:
    """The course data: ``x`` of shape (1000, 1) and ``y`` (classes 0/1) of shape (1000,), float64.

    Notes
    -----
    ``datasets.binary_classification()``, the port of the module's two overlapping classes.
    """
    from main_ingredients import datasets

    df = datasets.binary_classification()
    return df[["x"]].to_numpy(dtype="float64"), df["y"].to_numpy(dtype="float64")


@functools.lru_cache(maxsize=1)
def logreg_loss() -> float:
    """Log-loss of the logistic regression fitted to the course data (about 0.1242): the target."""
    from main_ingredients import baselines

    x, y = data()
    return float(baselines.logistic_regression(x, y).log_loss)


def log_loss(model, name: str = "model") -> float:
    """Binary cross-entropy of the model's predicted probabilities on the course data.

    Raises
    ------
    CheckFailed
        If the model cannot predict the course data or predicts NaN/infinite values.
    """
    x, y = data()
    p = np.clip(predict(model, x, name)[:, 0], PROBABILITY_CLIP, 1.0 - PROBABILITY_CLIP)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def architecture(model) -> None:
    """One Dense layer with 1 unit and a sigmoid output, 1 input feature.

    A ``Dense(1)`` followed by an ``Activation("sigmoid")`` layer is the same model and passes;
    an extra activation layer after a sigmoid output does not.

    Raises
    ------
    CheckFailed
    """
    model_of(model, "model")
    stack = dense_stack(model)
    require(stack, "Your model has no Dense layer: add one with keras.layers.Dense(...).")
    require(len(stack) == 1, f"Use a single Dense layer (a sigmoid perceptron); your model has {len(stack)}.")
    require(stack[0][0] == 1,
            f"The Dense layer should have 1 unit (the probability of class 1); yours has {stack[0][0]}.")
    require(input_features(model) == 1, f"The model should take 1 input feature; it takes {input_features(model)}.")
    activation = stack[0][1]
    require("+" not in activation,
            f"Your model applies {' and then '.join(activation.split('+'))} to the Dense output: remove the extra "
            "activation layer, the output is the sigmoid alone.")
    require(activation == "sigmoid",
            f"The output should use the sigmoid activation (activation=\"sigmoid\"); yours is {activation!r}.")
    passed("architecture: one Dense layer, 1 unit, 1 input feature, sigmoid output")


def loss(model) -> None:
    """Compiled with the binary cross-entropy loss.

    Raises
    ------
    CheckFailed
    """
    model_of(model, "model")
    optimizer_settings(model)  # compiled at all
    name = loss_name(model)
    require(name is not None, "Give model.compile(...) a loss: loss=\"binary_crossentropy\".")
    require(name == "binary_crossentropy",
            f"Use the binary cross-entropy loss (\"binary_crossentropy\"); your model uses {name!r}.")
    passed("loss: the binary cross-entropy")


def optimizer(model) -> None:
    """Compiled with SGD and a momentum above 0.

    Raises
    ------
    CheckFailed
    """
    model_of(model, "model")
    name, rate, momentum = optimizer_settings(model)
    require(name == "SGD", f"Use the SGD optimizer, keras.optimizers.SGD(learning_rate=..., momentum=...); "
            f"your model uses {name}.")
    require(momentum > 0.0,
            "Give SGD a momentum above 0: keras.optimizers.SGD(learning_rate=..., momentum=...); "
            f"yours is {momentum:g}.")
    passed(f"optimizer: SGD with momentum {momentum:g} (learning rate {rate:g})")


def history(model, history) -> None:
    """``history`` comes from ``fit`` and the model was trained for 50 epochs.

    Raises
    ------
    CheckFailed
    """
    trained_for(model, history, EPOCHS)
    passed(f"training: `history` comes from fit() and the model was trained for {EPOCHS} epochs")


def _gap_message(value: float, target: float) -> str:
    return (f"The log-loss of your trained model on the data is {value:.4f}; it should be within {MAX_LOSS_GAP} of "
            f"the logistic regression's {target:.4f} (at most {target + MAX_LOSS_GAP:.4f})")


def convergence(model) -> None:
    """On the course data, the trained model's log-loss is within 0.015 of the logistic regression's.

    Raises
    ------
    CheckFailed
        If the model was not trained, cannot predict the data, or its log-loss is too far off.
    """
    model_of(model, "model")
    require_trained(model, "model")
    value, target = log_loss(model), logreg_loss()
    require(abs(value - target) <= MAX_LOSS_GAP,
            _gap_message(value, target) + ": try a larger learning rate or more momentum.")
    passed(f"convergence: log-loss {value:.4f} on the data, within {MAX_LOSS_GAP} of the logistic regression's "
           f"{target:.4f}")


def convergence_sealed(model, history) -> None:
    """Hidden: the student's recipe, re-trained from scratch under the fixed seeds, converges too.

    Raises
    ------
    CheckFailed
    """
    x, y = data()
    batch_size = fit_batch_size(history, len(x))
    target = logreg_loss()
    for seed in RETRAIN_SEEDS:
        clone = retrain(model, x, y, seed=seed, epochs=EPOCHS, batch_size=batch_size)
        value = log_loss(clone)
        require(abs(value - target) <= MAX_LOSS_GAP,
                f"Your recipe does not reliably converge: re-trained from scratch (seed {seed}) for {EPOCHS} epochs, "
                f"it ends with a log-loss of {value:.4f}, more than {MAX_LOSS_GAP} away from the logistic "
                f"regression's {target:.4f}. Pick a learning rate and momentum that get there from any start.")
