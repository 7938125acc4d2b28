"""Small matplotlib helpers for the lesson notebook ``00-main-ingredients``.

The lesson draws its own figures (the R module used images and ggplot2). The
helpers here keep the notebook's code cells about Keras rather than about
plotting: learning curves from a Keras ``History`` and the gradient-descent
sketch of the learning-rate section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["gradient_descent_path", "plot_history", "plot_learning_rates"]


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    """Return the ``{metric: values per epoch}`` mapping of a Keras ``History`` or a dict."""
    return history.history if hasattr(history, "history") else history


def plot_history(history: Any, metrics: Sequence[str] = ("loss",), title: str | None = None, axes=None):
    """Plot learning curves: one panel per metric, training and validation.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict.
    metrics : sequence of str, default ``("loss",)``
        Metric names to plot, e.g. ``("loss", "accuracy")``. The validation curve
        (``"val_" + name``) is drawn when the history holds it.
    title : str, optional
        Figure title.
    axes : sequence of matplotlib Axes, optional
        Axes to draw on (one per metric); new ones are created when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the panels.
    """
    hist = _history_dict(history)
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
        axes = axes[0]
    else:
        fig = axes[0].figure
    for ax, name in zip(axes, metrics):
        values = hist[name]
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker="o", markersize=3, label="training")
        if "val_" + name in hist:
            ax.plot(epochs, hist["val_" + name], marker="o", markersize=3, label="validation")
            ax.legend()
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def gradient_descent_path(learning_rate: float, start: float = -4.0, steps: int = 8) -> np.ndarray:
    """Weights visited by plain gradient descent on the loss ``w**2``.

    Parameters
    ----------
    learning_rate : float
        Step size; the update is ``w <- w - learning_rate * 2 * w``.
    start : float, default -4.0
        Initial weight.
    steps : int, default 8
        Number of updates.

    Returns
    -------
    numpy.ndarray
        ``steps + 1`` weights, the start included.
    """
    path = [float(start)]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * 2.0 * path[-1])
    return np.asarray(path)


def plot_learning_rates(learning_rates: Mapping[str, float], start: float = -4.0, steps: int = 8):
    """Draw gradient-descent steps on a parabola, one panel per learning rate.

    Parameters
    ----------
    learning_rates : mapping of str to float
        Panel title -> learning rate, e.g. ``{"too small": 0.05, "too large": 1.05}``.
    start : float, default -4.0
        Initial weight of every path.
    steps : int, default 8
        Number of updates drawn.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the panels.
    """
    fig, axes = plt.subplots(1, len(learning_rates), figsize=(4.2 * len(learning_rates), 3.4), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (label, lr) in zip(axes, learning_rates.items()):
        path = gradient_descent_path(lr, start=start, steps=steps)
        reach = max(abs(start) * 1.15, np.abs(path).max() * 1.05)
        w = np.linspace(-reach, reach, 200)
        ax.plot(w, w**2, color="0.6")
        ax.plot(path, path**2, marker="o", color="tab:red", markersize=4, linewidth=1)
        ax.annotate("start", (path[0], path[0] ** 2), textcoords="offset points", xytext=(8, -4))
        ax.set_title(f"{label} (learning rate {lr:g})")
        ax.set_xlabel("weight")
    axes[0].set_ylabel("loss")
    fig.tight_layout()
    return fig
