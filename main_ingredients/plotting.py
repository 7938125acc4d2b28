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

__all__ = [
    "describe_curves",
    "describe_history",
    "draw_mlp",
    "draw_perceptron",
    "draw_training_loop",
    "figure_bundle",
    "fold",
    "gradient_descent_path",
    "momentum_path",
    "plot_gradient_descent",
    "plot_history",
    "plot_learning_rates",
    "plot_momentum",
    "plot_relu_folding",
    "show_figure",
    "show_history",
]


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


def describe_history(history: Any, metrics: Sequence[str] = ("loss",), title: str | None = None) -> str:
    """Alt text for the learning curves of :func:`plot_history`, written from the numbers.

    For each metric: its first and last value (training, and validation when the history
    holds ``"val_" + name``), and the epoch of the best validation value (the lowest loss,
    the highest of any other metric).

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict.
    metrics : sequence of str, default ``("loss",)``
        The metrics plotted.
    title : str, optional
        The figure's title, repeated first.

    Returns
    -------
    str
        E.g. ``"Learning curves (Shuffled data) over 20 epochs. loss: training 1.262 to 0.331,
        validation 1.101 to 0.313 (best at epoch 20)."``

    Raises
    ------
    KeyError
        If a metric is not in the history.
    """
    hist = _history_dict(history)
    epochs = len(hist[metrics[0]]) if metrics else 0
    parts = [f"Learning curves{f' ({title})' if title else ''} over {epochs} epoch{'s' * (epochs != 1)}."]
    for name in metrics:
        values = [float(v) for v in hist[name]]
        text = f"{name}: training {values[0]:.3f} to {values[-1]:.3f}"
        if "val_" + name in hist:
            val = [float(v) for v in hist["val_" + name]]
            best = int(np.argmin(val) if "loss" in name else np.argmax(val)) + 1
            text += f", validation {val[0]:.3f} to {val[-1]:.3f} (best at epoch {best})"
        parts.append(text + ".")
    return " ".join(parts)


def describe_curves(curves: Mapping[str, Sequence[float]], quantity: str, title: str | None = None,
                    reference: tuple[str, float] | None = None) -> str:
    """Alt text for several curves of one quantity over epochs (e.g. one per optimizer or batch size).

    Parameters
    ----------
    curves : mapping of str to sequence of float
        Label -> the values per epoch (e.g. ``history.history["val_loss"]``).
    quantity : str
        What the curves show, e.g. ``"validation loss"``.
    title : str, optional
        The figure's title, repeated first.
    reference : (str, float), optional
        A horizontal reference line: its label and value.

    Returns
    -------
    str
        E.g. ``"Learning curves per batch size: validation loss over 10 epochs. batch size 32:
        1.101 to 0.365; batch size 128: 1.320 to 0.877."``

    Raises
    ------
    ValueError
        If ``curves`` is empty.
    """
    if not curves:
        raise ValueError("describe_curves needs at least one curve")
    epochs = max(len(values) for values in curves.values())
    text = f"{title + ': ' if title else ''}{quantity} over {epochs} epoch{'s' * (epochs != 1)}. "
    text += "; ".join(f"{label}: {float(values[0]):.3f} to {float(values[-1]):.3f}" for label, values in curves.items())
    if reference is not None:
        text += f"; {reference[0]} (horizontal line): {float(reference[1]):.3f}"
    return text + "."


def show_history(history: Any, metrics: Sequence[str] = ("loss",), title: str | None = None) -> None:
    """Plot learning curves (:func:`plot_history`) and show them with alt text from the numbers.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict.
    metrics : sequence of str, default ``("loss",)``
        Metric names to plot, e.g. ``("loss", "accuracy")``.
    title : str, optional
        Figure title.

    Returns
    -------
    None

    Raises
    ------
    KeyError
        If a metric is not in the history.
    """
    fig = plot_history(history, metrics=metrics, title=title)
    show_figure(fig, alt=describe_history(history, metrics=metrics, title=title))


# ----------------------------------------------------------------------------------------
# Figures of the lesson that replace the original module's images. Each function draws one
# figure and returns it; :func:`show_figure` displays it with its alt text.
# ----------------------------------------------------------------------------------------
def figure_bundle(fig, alt: str, caption: str | None = None, path=None, dpi: int = 100) -> dict:
    """Render a figure as a display bundle whose image carries alt text, and close it.

    JupyterLab's image renderer sets no ``alt`` attribute on a plain PNG output, so the
    bundle's ``text/html`` part is ``<figure><img src="data:image/png;base64,..."
    alt="ALT"><figcaption>``; JupyterLab renders that (trusted or not: its sanitizer keeps
    ``img`` tags, their ``alt`` and ``data:`` sources), and a screen reader reads the alt
    text. The bundle also carries the PNG itself (``image/png``) and the alt text as
    ``text/plain``, which is what text-only front ends and ``nbconvert --to markdown``
    show.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed afterwards so that ``%matplotlib inline`` does not
        display it a second time.
    alt : str
        Alternative text: what the figure shows, for a reader who cannot see it.
    caption : str, optional
        A visible caption under the figure.
    path : str or pathlib.Path, optional
        Also save the PNG there (folders are created).
    dpi : int, default 100
        Resolution of the PNG.

    Returns
    -------
    dict
        MIME type -> data: ``text/html``, ``image/png`` (base64) and ``text/plain``.
    """
    import base64
    import html
    import io
    from pathlib import Path

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    png = buffer.getvalue()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(png)
    plt.close(fig)
    encoded = base64.b64encode(png).decode("ascii")
    figcaption = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return {
        "text/html": (
            f'<figure style="margin: 0"><img src="data:image/png;base64,{encoded}" '
            f'alt="{html.escape(alt, quote=True)}" style="max-width: 100%">{figcaption}</figure>'
        ),
        "image/png": encoded,
        "text/plain": f"[figure] {alt}",
    }


def show_figure(fig, alt: str, caption: str | None = None, path=None, dpi: int = 100) -> None:
    """Display a figure in the notebook with alt text (see :func:`figure_bundle`), and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to show.
    alt : str
        Alternative text: what the figure shows, for a reader who cannot see it.
    caption : str, optional
        A visible caption under the figure.
    path : str or pathlib.Path, optional
        Also save the PNG there.
    dpi : int, default 100
        Resolution of the PNG.

    Returns
    -------
    None
        Nothing, so that a cell ending with this call shows no ``Out[]`` value.
    """
    from IPython.display import display

    display(figure_bundle(fig, alt, caption=caption, path=path, dpi=dpi), raw=True)


def _box(ax, xy, text, width=1.6, height=0.7, color="#dbe9f6", fontsize=10):
    """Draw a rounded box centred at ``xy`` with ``text`` inside; return its centre."""
    from matplotlib.patches import FancyBboxPatch

    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor="0.3"))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
    return xy


def _arrow(ax, start, end, text=None, color="0.25", offset=(0.0, 0.15), **kwargs):
    """Draw an arrow from ``start`` to ``end``, optionally labelled at its middle."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, shrinkA=2, shrinkB=2, **kwargs))
    if text:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], text,
                ha="center", va="bottom", fontsize=9, color=color)


def draw_perceptron(n_inputs: int = 3, activation: str = "identity"):
    """Draw one perceptron: inputs, weights, bias, weighted sum, activation, output.

    Parameters
    ----------
    n_inputs : int, default 3
        Number of input nodes drawn (the last is labelled ``x_p``).
    activation : str, default ``"identity"``
        Name written in the activation box (``"identity"`` for regression, ``"sigmoid"``
        for a probability).

    Returns
    -------
    matplotlib.figure.Figure
        The diagram.
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    ys = np.linspace(2.6, 0.4, n_inputs)
    names = [f"$x_{i + 1}$" for i in range(n_inputs - 1)] + ["$x_p$"]
    weights = [f"$w_{i + 1}$" for i in range(n_inputs - 1)] + ["$w_p$"]
    centre = (4.0, 1.5)
    for y, name, w in zip(ys, names, weights):
        ax.add_patch(plt.Circle((0.6, y), 0.28, facecolor="#fde6c8", edgecolor="0.3"))
        ax.text(0.6, y, name, ha="center", va="center", fontsize=12)
        _arrow(ax, (0.9, y), (centre[0] - 0.5, centre[1] + (y - 1.5) * 0.25))
        ax.text(2.1, y + (1.5 - y) * 0.35 + 0.08, w, fontsize=11, color="tab:blue")
    ax.add_patch(plt.Circle((4.0, 3.0), 0.25, facecolor="0.9", edgecolor="0.3"))
    ax.text(4.0, 3.0, "1", ha="center", va="center")
    _arrow(ax, (4.0, 2.73), (4.0, 2.0))
    ax.text(4.12, 2.35, "$b$ (bias)", fontsize=11, color="tab:blue")
    ax.add_patch(plt.Circle(centre, 0.5, facecolor="#dbe9f6", edgecolor="0.3"))
    ax.text(*centre, r"$\Sigma$", ha="center", va="center", fontsize=18)
    ax.text(4.0, 0.55, r"$z = b + \sum_j w_j x_j$", ha="center", fontsize=11)
    _box(ax, (6.1, 1.5), f"activation\n({activation})", width=1.5, height=0.9)
    _arrow(ax, (4.5, 1.5), (5.3, 1.5), "z")
    ax.add_patch(plt.Circle((8.0, 1.5), 0.3, facecolor="#d9f0d3", edgecolor="0.3"))
    ax.text(8.0, 1.5, r"$\hat y$", ha="center", va="center", fontsize=12)
    _arrow(ax, (6.9, 1.5), (7.68, 1.5))
    ax.text(0.6, 3.1, "inputs", ha="center", fontsize=10)
    ax.text(8.0, 2.0, "output", ha="center", fontsize=10)
    ax.set(xlim=(0, 8.6), ylim=(0.0, 3.4), aspect="equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def plot_gradient_descent(learning_rate: float = 0.15, start: float = -3.2, steps: int = 5):
    """Draw gradient descent on a one-weight loss: the loss curve, the gradient at the
    starting weight (a tangent) and the steps towards the minimum.

    The loss is ``(w - 1)**2 + 0.5``; each step is ``w <- w - learning_rate * gradient``.

    Parameters
    ----------
    learning_rate : float, default 0.15
        Step size.
    start : float, default -3.2
        Initial weight.
    steps : int, default 5
        Number of steps drawn.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    def loss(w):
        return (w - 1.0) ** 2 + 0.5

    def grad(w):
        return 2.0 * (w - 1.0)

    path = [start]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * grad(path[-1]))
    path = np.asarray(path)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    w = np.linspace(-4, 4, 200)
    ax.plot(w, loss(w), color="0.5", label="loss as a function of the weight")
    tangent = np.linspace(start - 0.9, start + 0.9, 10)
    ax.plot(tangent, loss(start) + grad(start) * (tangent - start), color="tab:orange", linewidth=2,
            label=f"gradient at the start (slope {grad(start):.1f})")
    ax.plot(path, loss(path), marker="o", color="tab:red", label="weights after each step")
    for a, b in zip(path[:-1], path[1:]):
        ax.annotate("", xy=(b, loss(b)), xytext=(a, loss(a)),
                    arrowprops=dict(arrowstyle="-|>", color="tab:red", lw=1.2))
    ax.annotate("initial weight", (start, loss(start)), textcoords="offset points", xytext=(12, 4))
    ax.annotate("minimum loss", (1.0, 0.5), textcoords="offset points", xytext=(10, 30),
                arrowprops=dict(arrowstyle="->", color="0.3"))
    ax.set(xlabel="weight w", ylabel="loss",
           title="Gradient descent: step against the gradient, repeat")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def draw_training_loop():
    """Draw how the three steps fit together: data through the layers to predictions, the
    loss against the true targets, and the optimizer updating the weights.

    Returns
    -------
    matplotlib.figure.Figure
        The diagram.
    """
    fig, ax = plt.subplots(figsize=(8, 4.6))
    _box(ax, (1.2, 4.2), "input x", color="#fde6c8")
    _box(ax, (1.2, 3.0), "layer\n(weights)", color="#dbe9f6")
    _box(ax, (1.2, 1.8), "layer\n(weights)", color="#dbe9f6")
    _box(ax, (1.2, 0.6), r"predictions $\hat y$", color="#d9f0d3")
    _box(ax, (4.0, 0.6), "true targets y", color="#fde6c8")
    _box(ax, (2.6, -0.7), "loss function", width=1.9, color="#f6d5d5")
    _box(ax, (5.6, -0.7), "optimizer", width=1.6, color="#e5dbf0")
    for a, b in [((1.2, 3.85), (1.2, 3.35)), ((1.2, 2.65), (1.2, 2.15)), ((1.2, 1.45), (1.2, 0.95))]:
        _arrow(ax, a, b)
    _arrow(ax, (1.4, 0.25), (2.3, -0.35))
    _arrow(ax, (3.8, 0.25), (2.9, -0.35))
    _arrow(ax, (3.55, -0.7), (4.8, -0.7), "loss score", offset=(0, 0.05))
    ax.annotate("", xy=(2.0, 3.0), xytext=(5.6, -0.35),
                arrowprops=dict(arrowstyle="-|>", color="tab:purple", lw=1.4,
                                connectionstyle="angle,angleA=90,angleB=0,rad=10"))
    ax.annotate("", xy=(2.0, 1.8), xytext=(5.6, 1.8),
                arrowprops=dict(arrowstyle="-|>", color="tab:purple", lw=1.4))
    ax.text(5.7, 2.3, "weight update\n(backpropagation)", color="tab:purple", fontsize=9)
    ax.text(6.9, 4.3, "1. architecture: the layers\n2. compile: loss + optimizer\n3. fit: repeat for\n"
            "   every batch, every epoch", fontsize=9, va="top",
            bbox=dict(facecolor="white", edgecolor="0.7"))
    ax.set(xlim=(0, 9.6), ylim=(-1.3, 4.7))
    ax.axis("off")
    fig.tight_layout()
    return fig


def draw_mlp(layer_sizes: Sequence[int] = (3, 5, 5, 1),
             labels: Sequence[str] | None = None):
    """Draw a multi-layer perceptron: one column of nodes per layer, every node connected to
    every node of the next layer.

    Parameters
    ----------
    layer_sizes : sequence of int, default ``(3, 5, 5, 1)``
        Number of nodes per layer, input first, output last.
    labels : sequence of str, optional
        One caption per layer; by default "input", "hidden 1", ..., "output".

    Returns
    -------
    matplotlib.figure.Figure
        The diagram.
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs at least two positive sizes, got {layer_sizes!r}")
    if labels is None:
        labels = ["input"] + [f"hidden {i}" for i in range(1, len(sizes) - 1)] + ["output"]
    colours = ["#fde6c8"] + ["#dbe9f6"] * (len(sizes) - 2) + ["#d9f0d3"]
    top = max(sizes)
    fig, ax = plt.subplots(figsize=(1.9 * len(sizes) + 1, 0.55 * top + 1.6))
    positions = []
    for i, n in enumerate(sizes):
        ys = np.linspace(0, top - 1, n) if n > 1 else np.array([(top - 1) / 2])
        if n > 1 and n < top:
            ys = (top - 1) / 2 + (np.arange(n) - (n - 1) / 2)
        positions.append([(i * 2.0, y) for y in ys])
    for left, right in zip(positions[:-1], positions[1:]):
        for a in left:
            for b in right:
                ax.plot([a[0], b[0]], [a[1], b[1]], color="0.7", linewidth=0.7, zorder=1)
    for i, (layer, colour) in enumerate(zip(positions, colours)):
        for x, y in layer:
            ax.add_patch(plt.Circle((x, y), 0.25, facecolor=colour, edgecolor="0.3", zorder=2))
        ax.text(i * 2.0, -0.9, f"{labels[i]}\n({sizes[i]})", ha="center", va="top", fontsize=9)
    ax.set(xlim=(-0.6, 2.0 * (len(sizes) - 1) + 0.6), ylim=(-1.8, top - 0.4), aspect="equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def momentum_path(learning_rate: float, momentum: float, start=(-4.0, 1.5), steps: int = 30,
                  curvature=(0.1, 2.0)) -> np.ndarray:
    """Weights visited by gradient descent with momentum on ``(a w1**2 + b w2**2) / 2``.

    The update is Keras' SGD rule: ``v <- momentum * v - learning_rate * gradient``,
    ``w <- w + v``; ``momentum=0`` is plain gradient descent.

    Parameters
    ----------
    learning_rate : float
        Step size.
    momentum : float
        Fraction of the previous update added to the current one, in ``[0, 1)``.
    start : pair of float, default ``(-4.0, 1.5)``
        Initial weights.
    steps : int, default 30
        Number of updates.
    curvature : pair of float, default ``(0.1, 2.0)``
        ``(a, b)``: a shallow direction and a steep one (a long, narrow valley).

    Returns
    -------
    numpy.ndarray
        Shape ``(steps + 1, 2)``, the start included.
    """
    curv = np.asarray(curvature, dtype=float)
    w = np.asarray(start, dtype=float)
    v = np.zeros(2)
    path = [w.copy()]
    for _ in range(steps):
        v = momentum * v - learning_rate * curv * w
        w = w + v
        path.append(w.copy())
    return np.asarray(path)


def plot_momentum(learning_rate: float = 0.4, momentum: float = 0.8, steps: int = 30):
    """Compare gradient descent without and with momentum in a long, narrow valley.

    Parameters
    ----------
    learning_rate : float, default 0.4
        Step size of both runs.
    momentum : float, default 0.8
        Momentum of the second run.
    steps : int, default 30
        Number of updates of each run.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: the paths on the loss contours, and the loss per step.
    """
    curv = np.array([0.1, 2.0])
    plain = momentum_path(learning_rate, 0.0, steps=steps)
    heavy = momentum_path(learning_rate, momentum, steps=steps)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
    w1, w2 = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-2, 2, 200))
    ax.contour(w1, w2, (curv[0] * w1**2 + curv[1] * w2**2) / 2, levels=12, colors="0.8", linewidths=0.8)
    ax.plot(plain[:, 0], plain[:, 1], marker="o", markersize=3, color="tab:blue",
            label="no momentum")
    ax.plot(heavy[:, 0], heavy[:, 1], marker="o", markersize=3, color="tab:red",
            label=f"momentum {momentum:g}")
    ax.plot(0, 0, marker="*", markersize=12, color="black", linestyle="none", label="minimum")
    ax.set(xlabel="weight 1 (shallow direction)", ylabel="weight 2 (steep direction)",
           title=f"{steps} steps, learning rate {learning_rate:g}")
    ax.legend(fontsize=8, loc="lower right")

    def loss(p):
        return (curv[0] * p[:, 0] ** 2 + curv[1] * p[:, 1] ** 2) / 2

    ax2.semilogy(loss(plain), color="tab:blue", label="no momentum")
    ax2.semilogy(loss(heavy), color="tab:red", label=f"momentum {momentum:g}")
    ax2.set(xlabel="step", ylabel="loss (log scale)", title="Loss per step")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def fold(x: np.ndarray, layers: int) -> np.ndarray:
    """Apply ``layers`` times the ReLU "fold" ``t -> 2 * (relu(t) + relu(-t)) - 1``.

    Each application is one hidden layer of two ReLU units (weights ``+1`` and ``-1``)
    followed by a linear unit: it folds ``[-1, 1]`` in half onto itself, so ``k`` layers
    map ``2**k`` pieces of the input onto the same output range.

    Parameters
    ----------
    x : numpy.ndarray
        Inputs, normally in ``[-1, 1]``.
    layers : int
        Number of folds.

    Returns
    -------
    numpy.ndarray
        The folded values (same shape as `x`).
    """
    t = np.asarray(x, dtype=float)
    for _ in range(layers):
        t = 2.0 * (np.maximum(t, 0.0) + np.maximum(-t, 0.0)) - 1.0
    return t


def plot_relu_folding(max_layers: int = 3):
    """The "origami" view of ReLU layers: each layer folds the input line onto itself.

    Panel ``k`` plots the output of ``k`` folding layers (:func:`fold`) against the input,
    each input piece coloured by the piece of the original line it came from; the number of
    linear pieces doubles with each layer while the number of units only grows by two.

    Parameters
    ----------
    max_layers : int, default 3
        Number of layers of the last panel (one panel per depth from 1).

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    x = np.linspace(-1, 1, 2001)
    fig, axes = plt.subplots(1, max_layers, figsize=(3.6 * max_layers, 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    cmap = plt.get_cmap("viridis")
    for k, ax in enumerate(axes, start=1):
        y = fold(x, k)
        pieces = 2**k
        edges = np.linspace(-1, 1, pieces + 1)
        for i in range(pieces):
            part = (x >= edges[i]) & (x <= edges[i + 1])
            ax.plot(x[part], y[part], color=cmap(i / max(pieces - 1, 1)), linewidth=2)
        units = 2 * k
        ax.set(title=f"{k} layer{'s' if k > 1 else ''} ({units} ReLU units): {pieces} pieces",
               xlabel="input")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("output after folding")
    fig.tight_layout()
    return fig
