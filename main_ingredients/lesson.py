"""Helpers of the lesson notebook ``00-main-ingredients``: the regression summary table and
the self-checks of its ungraded exercises.

The self-checks never raise on a wrong or missing answer (the lesson is not graded and must
run top to bottom with the exercises left blank); they print one line per point, marked
``[right]``, ``[not yet]`` or ``[to do]``, and return whether everything was right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "check_capacity_exercise",
    "check_optimizer_exercise",
    "check_perceptron_exercise",
    "format_ols_summary",
    "is_blank",
    "ols_summary",
]

RIGHT, WRONG, TODO = "[right]  ", "[not yet]", "[to do]  "


def is_blank(*values: Any) -> bool:
    """Whether any of `values` is still the exercise's placeholder ``...`` or ``None``.

    Parameters
    ----------
    *values : object
        The student's settings.

    Returns
    -------
    bool
        ``True`` when at least one value is ``...`` (Ellipsis) or ``None``.
    """
    return any(v is Ellipsis or v is None for v in values)


def ols_summary(x: Any, y: Any) -> tuple[pd.DataFrame, dict[str, float]]:
    """The coefficient table and fit statistics of ``lm(y ~ x)``, as R's ``summary()`` prints.

    Parameters
    ----------
    x, y : array-like
        One predictor and the response, same length (at least 3).

    Returns
    -------
    table : pandas.DataFrame
        Rows ``(Intercept)`` and ``x``; columns ``Estimate``, ``Std. Error``, ``t value``,
        ``Pr(>|t|)`` (two-sided, Student's t with ``n - 2`` degrees of freedom).
    stats : dict of str to float
        ``residual standard error``, ``degrees of freedom``, ``R-squared``,
        ``adjusted R-squared``, ``F-statistic``, ``F p-value``, ``MSE`` (``RSS / n``) and the
        quartiles of the residuals (``min``, ``1Q``, ``median``, ``3Q``, ``max``).

    Raises
    ------
    ValueError
        If the inputs have different lengths, fewer than 3 rows, or `x` is constant.
    """
    from scipy import stats as st  # scipy comes with scikit-learn, a dependency of the course

    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or x.size < 3:
        raise ValueError(f"x and y need the same length, at least 3; got {x.size} and {y.size}")
    if np.ptp(x) == 0:
        raise ValueError("x is constant: the slope is not identifiable")
    n = x.size
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = n - 2
    rss = float(resid @ resid)
    sigma2 = rss / dof
    se = np.sqrt(np.diag(np.linalg.inv(design.T @ design)) * sigma2)
    t = coef / se
    p = 2 * st.t.sf(np.abs(t), dof)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - rss / tss
    f = (tss - rss) / sigma2
    table = pd.DataFrame({"Estimate": coef, "Std. Error": se, "t value": t, "Pr(>|t|)": p},
                         index=["(Intercept)", "x"])
    q = np.quantile(resid, [0, 0.25, 0.5, 0.75, 1])
    summary = {
        "residual standard error": math.sqrt(sigma2),
        "degrees of freedom": float(dof),
        "R-squared": r2,
        "adjusted R-squared": 1 - (1 - r2) * (n - 1) / dof,
        "F-statistic": f,
        "F p-value": float(st.f.sf(f, 1, dof)),
        "MSE": rss / n,
        "min": q[0], "1Q": q[1], "median": q[2], "3Q": q[3], "max": q[4],
    }
    return table, summary


def _p_value(p: float) -> str:
    """R's way of printing a p-value: ``< 2e-16`` below the double precision's reach."""
    return "< 2e-16" if p < 2.2e-16 else f"{p:.3g}"


def format_ols_summary(table: pd.DataFrame, stats: dict[str, float]) -> str:
    """Lay out :func:`ols_summary`'s results as R's ``summary(lm(y ~ x))`` prints them.

    Parameters
    ----------
    table : pandas.DataFrame
        The coefficient table.
    stats : dict of str to float
        The fit statistics.

    Returns
    -------
    str
        The residual quartiles, the coefficients, the residual standard error, R-squared
        and the F-statistic, one block per line group.
    """
    quart = "  ".join(f"{name} {stats[name]:.4f}" for name in ("min", "1Q", "median", "3Q", "max"))
    rows = [f"{'':12}{'Estimate':>10}{'Std. Error':>12}{'t value':>10}{'Pr(>|t|)':>10}"]
    for name, row in table.iterrows():
        rows.append(f"{name:12}{row['Estimate']:10.4f}{row['Std. Error']:12.4f}{row['t value']:10.2f}"
                    f"{_p_value(row['Pr(>|t|)']):>10}")
    dof = int(stats["degrees of freedom"])
    return "\n".join([
        "Residuals:", "  " + quart, "", "Coefficients:", *rows, "",
        f"Residual standard error: {stats['residual standard error']:.4f} on {dof} degrees of freedom",
        f"Multiple R-squared: {stats['R-squared']:.4f},  Adjusted R-squared: {stats['adjusted R-squared']:.4f}",
        f"F-statistic: {stats['F-statistic']:.1f} on 1 and {dof} DF,  p-value: {_p_value(stats['F p-value'])}",
    ])


def _line(ok: bool | None, text: str) -> bool:
    print(f"{TODO if ok is None else RIGHT if ok else WRONG} {text}")
    return bool(ok)


def check_perceptron_exercise(units: Any, loss: Any, epochs: Any, model: Any,
                              closer_than_10_epochs: Any, distance_10_epochs: float) -> bool:
    """Self-check of exercise 1: the perceptron trained for 25 epochs.

    Parameters
    ----------
    units, loss, epochs : object
        The student's blanks (``...`` while not filled in).
    model : keras.Model or None
        The model the student trained (``None`` if not trained yet).
    closer_than_10_epochs : bool or Ellipsis
        The student's answer: are the weights after 25 epochs closer to the truth
        (slope 5, intercept 30) than those of the 10-epoch model?
    distance_10_epochs : float
        Distance ``|slope - 5| + |intercept - 30|`` of the 10-epoch model.

    Returns
    -------
    bool
        Whether every point is right.
    """
    ok = [
        _line(None if is_blank(units) else units == 1,
              "units: one perceptron is one unit" if units == 1 or is_blank(units)
              else f"units = {units!r}: a single perceptron has exactly one unit"),
        _line(None if is_blank(loss) else str(loss).lower() in {"mse", "mean_squared_error"},
              "loss: the mean squared error, as OLS" if is_blank(loss) or str(loss).lower() in
              {"mse", "mean_squared_error"} else f"loss = {loss!r}: use the MSE, as OLS does"),
        _line(None if is_blank(epochs) else epochs == 25,
              "epochs: the exercise asks for 25" if is_blank(epochs) or epochs == 25
              else f"epochs = {epochs!r}: the exercise asks for 25"),
    ]
    if model is None or is_blank(units, loss, epochs):
        print("Fill in the blanks and run the exercise cell, then this cell again.")
        return False
    kernel, bias = model.get_weights()[:2]
    slope, intercept = float(np.ravel(kernel)[0]), float(np.ravel(bias)[0])
    distance = abs(slope - 5) + abs(intercept - 30)
    print(f"          your weights: slope {slope:.3f}, intercept {intercept:.3f} "
          f"(truth 5 and 30; distance {distance:.3f}, the 10-epoch model's {distance_10_epochs:.3f})")
    fact = distance < distance_10_epochs
    if is_blank(closer_than_10_epochs):
        ok.append(_line(None, "closer_than_10_epochs: answer True or False"))
    else:
        ok.append(_line(bool(closer_than_10_epochs) == fact,
                        f"closer_than_10_epochs = {closer_than_10_epochs!r}: the weights are "
                        f"{'closer' if fact else 'not closer'} to the truth after {epochs} epochs"))
    return all(ok)


def check_optimizer_exercise(history: Any, floor: float, tolerance: float = 0.02) -> bool:
    """Self-check of exercise 2: a learning rate and momentum that reach logistic regression.

    Parameters
    ----------
    history : keras.callbacks.History, dict or None
        What ``fit`` returned (``None`` while the exercise is not done).
    floor : float
        The log loss of logistic regression: the lowest a sigmoid perceptron can reach on
        its training data.
    tolerance : float, default 0.02
        Relative gap to `floor` counted as reaching it.

    Returns
    -------
    bool
        Whether the final loss is within `tolerance` of `floor`.
    """
    if history is None:
        return _line(None, "choose learning_rate and momentum, run the exercise cell, then this one")
    losses = np.asarray(getattr(history, "history", history)["loss"], dtype=float)
    final = float(losses[-1])
    if not np.isfinite(final):
        return _line(False, "the loss is not a number any more: the learning rate is far too large")
    gap = final / floor - 1
    print(f"          final log loss {final:.4f}, logistic regression {floor:.4f} (gap {gap:+.1%})")
    if gap <= tolerance:
        return _line(True, f"within {tolerance:.0%} of logistic regression in {losses.size} epochs")
    if losses.max() > losses[0] * 1.05 or np.any(np.diff(losses[-5:]) > 0):
        return _line(False, "the loss went up along the way: try a smaller learning rate or momentum")
    return _line(False, "the loss is still falling: try a larger learning rate or more momentum")


def check_capacity_exercise(hidden_units: Any, model: Any, mse: float | None, noise_variance: float,
                            tolerance: float = 0.20) -> bool:
    """Self-check of exercise 3: a network that fits the sine wave down to the noise.

    Parameters
    ----------
    hidden_units : sequence of int or Ellipsis
        The student's hidden-layer widths.
    model : keras.Model or None
        The trained model (``None`` while the exercise is not done).
    mse : float or None
        Its MSE on the data.
    noise_variance : float
        Variance of the noise alone: the MSE of the true curve, which no model can beat on
        average.
    tolerance : float, default 0.20
        Relative gap to `noise_variance` counted as reaching it.

    Returns
    -------
    bool
        Whether the MSE is within `tolerance` of the noise variance.
    """
    if is_blank(hidden_units) or model is None or mse is None:
        return _line(None, "set hidden_units (e.g. [64]), run the exercise cell, then this one")
    widths: Sequence[int] = list(hidden_units)
    gap = mse / noise_variance - 1
    print(f"          hidden layers {widths}: {model.count_params()} weights, MSE {mse:.4f}, "
          f"noise variance {noise_variance:.4f} (gap {gap:+.1%})")
    if gap <= tolerance:
        return _line(True, f"within {tolerance:.0%} of the noise: the network has captured the sine")
    return _line(False, "still clearly above the noise: add width or a layer, or train longer")
