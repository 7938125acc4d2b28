"""Classical baselines the module compares its neural networks with.

* :func:`ols`: ordinary least squares of ``y`` on one predictor, R's ``lm(y ~ x)``.
* :func:`logistic_regression`: unpenalised logistic regression of a 0/1 ``y`` on one
  predictor, R's ``glm(y ~ x, family = binomial(link = "logit"))``, with the log-loss
  of its fitted probabilities (``MLmetrics::LogLoss``).

Both reproduce the values R printed for the module's data
(``tests/test_baselines.py``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["LogisticFit", "OLSFit", "logistic_regression", "ols"]


class OLSFit(NamedTuple):
    """Result of :func:`ols`."""

    #: Estimated intercept (R's ``coef(fit)[1]``).
    intercept: float
    #: Estimated slope (R's ``coef(fit)[2]``).
    slope: float
    #: Mean of the squared residuals, ``RSS / n`` (what a Keras ``"mse"`` loss reports).
    mse: float
    #: Residual standard error, ``sqrt(RSS / (n - 2))`` (R's ``summary(fit)$sigma``).
    sigma: float


class LogisticFit(NamedTuple):
    """Result of :func:`logistic_regression`."""

    #: Estimated intercept on the logit scale.
    intercept: float
    #: Estimated slope on the logit scale.
    slope: float
    #: Mean binary cross-entropy of the fitted probabilities (``MLmetrics::LogLoss``).
    log_loss: float
    #: Fitted probabilities ``P(y = 1 | x)``, float64, shape ``(n,)`` (``glm``'s ``fitted.values``).
    probabilities: np.ndarray


def _as_vector(name: str, value: object) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (or a single column), got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def _xy(x: object, y: object, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    xv = _as_vector("x", x)
    yv = _as_vector("y", y)
    if xv.shape != yv.shape:
        raise ValueError(f"x and y must have the same length, got {xv.shape[0]} and {yv.shape[0]}")
    if xv.shape[0] < minimum:
        raise ValueError(f"need at least {minimum} observations, got {xv.shape[0]}")
    if np.all(xv == xv[0]):
        raise ValueError("x is constant: the slope is not identifiable")
    return xv, yv


def ols(x: object, y: object) -> OLSFit:
    """Least-squares line ``y ~ intercept + slope * x`` (R's ``lm(y ~ x)``).

    Parameters
    ----------
    x, y : array-like
        Numeric, finite, one-dimensional (or a single column), same length ``n >= 3``.

    Returns
    -------
    OLSFit
        ``intercept``, ``slope``, ``mse`` (``RSS / n``) and ``sigma``
        (``sqrt(RSS / (n - 2))``), all Python floats.

    Raises
    ------
    ValueError
        Mismatched lengths, fewer than 3 points, a constant ``x``, non-numeric or
        non-finite values.

    Notes
    -----
    Solved with :func:`numpy.linalg.lstsq` on the design matrix ``[1, x]``; R's
    ``lm`` uses a QR decomposition: both agree to about 1e-13 on the module's data.
    """
    xv, yv = _xy(x, y, minimum=3)
    design = np.column_stack([np.ones_like(xv), xv])
    coef, *_ = np.linalg.lstsq(design, yv, rcond=None)
    residuals = yv - design @ coef
    rss = float(np.sum(residuals**2))
    n = xv.shape[0]
    return OLSFit(
        intercept=float(coef[0]),
        slope=float(coef[1]),
        mse=rss / n,
        sigma=math.sqrt(rss / (n - 2)),
    )


def logistic_regression(x: object, y: object) -> LogisticFit:
    """Unpenalised logistic regression ``logit P(y = 1) = intercept + slope * x``.

    Parameters
    ----------
    x : array-like
        Numeric, finite, one-dimensional (or a single column), length ``n >= 2``.
    y : array-like
        The 0/1 labels, same length; both classes must occur.

    Returns
    -------
    LogisticFit
        ``intercept``, ``slope``, ``log_loss`` (floats) and ``probabilities``
        (float64, shape ``(n,)``).

    Raises
    ------
    ValueError
        Labels other than 0/1, a single class, mismatched lengths, a constant ``x``,
        non-numeric or non-finite values.

    Notes
    -----
    Fitted with scikit-learn's :class:`~sklearn.linear_model.LogisticRegression`
    (``C=inf``, i.e. no penalty, exact Newton steps with ``solver="newton-cholesky"``,
    ``tol=1e-12``), which gives the maximum-likelihood estimate R's ``glm`` finds by
    IRLS; the log-loss is :func:`sklearn.metrics.log_loss`, the same formula as
    ``MLmetrics::LogLoss``.  If the classes are perfectly separable the estimate
    does not exist (R's ``glm`` warns "fitted probabilities numerically 0 or 1").
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    xv, yv = _xy(x, y, minimum=2)
    if not np.all((yv == 0) | (yv == 1)):
        raise ValueError("y must contain only the labels 0 and 1")
    if np.all(yv == yv[0]):
        raise ValueError("y must contain both classes 0 and 1")
    model = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    model.fit(xv.reshape(-1, 1), yv.astype(np.int64))
    proba = model.predict_proba(xv.reshape(-1, 1))[:, 1].astype(np.float64)
    return LogisticFit(
        intercept=float(model.intercept_[0]),
        slope=float(model.coef_[0, 0]),
        log_loss=float(log_loss(yv.astype(np.int64), proba, labels=[0, 1])),
        probabilities=proba,
    )
