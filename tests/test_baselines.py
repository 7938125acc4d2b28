"""main_ingredients.baselines reproduces R's lm / glm results on the module's data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from main_ingredients import baselines, datasets

REF = Path(__file__).parent / "fixtures" / "r-reference"


@pytest.fixture(scope="module")
def ols_fit():
    df = datasets.linear_regression()
    return baselines.ols(df["x"], df["y"])


@pytest.fixture(scope="module")
def glm_fit():
    df = datasets.binary_classification()
    return baselines.logistic_regression(df["x"], df["y"])


def test_ols_equals_r(ols_fit):
    ref = pd.read_csv(REF / "linear_regression_ols.csv").iloc[0]
    assert abs(ols_fit.intercept - ref["intercept"]) < 1e-10
    assert abs(ols_fit.slope - ref["slope"]) < 1e-10
    assert abs(ols_fit.mse - ref["mse"]) < 1e-10
    assert abs(ols_fit.sigma - ref["sigma"]) < 1e-10


def test_ols_printed_results(ols_fit):
    # what the module prints: coefficients, MSE and summary()'s residual standard error
    assert round(ols_fit.intercept, 2) == 30.01
    assert round(ols_fit.slope, 2) == 4.97
    assert round(ols_fit.mse, 4) == 1.0018
    assert round(ols_fit.sigma, 5) == 1.00188
    assert all(isinstance(v, float) for v in ols_fit)


def test_logistic_regression_equals_r(glm_fit):
    ref = pd.read_csv(REF / "binary_classification_glm.csv").iloc[0]
    assert abs(glm_fit.intercept - ref["intercept"]) < 1e-4
    assert abs(glm_fit.slope - ref["slope"]) < 1e-4
    assert abs(glm_fit.log_loss - ref["logloss"]) < 1e-6
    assert round(glm_fit.log_loss, 4) == 0.1242


def test_logistic_probabilities(glm_fit):
    df = datasets.binary_classification()
    p = glm_fit.probabilities
    assert p.shape == (1000,) and p.dtype == np.float64
    expected = 1 / (1 + np.exp(-(glm_fit.intercept + glm_fit.slope * df["x"].to_numpy())))
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-15)
    y = df["y"].to_numpy()
    manual = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert abs(manual - glm_fit.log_loss) < 1e-12


def test_ols_exact_line():
    x = np.linspace(-1, 1, 11)
    fit = baselines.ols(x, 2.0 - 3.0 * x)
    assert abs(fit.intercept - 2.0) < 1e-12 and abs(fit.slope + 3.0) < 1e-12
    assert fit.mse < 1e-25 and fit.sigma < 1e-12


def test_ols_known_small_case():
    # lm(y ~ x) with x = 1:4, y = c(1, 3, 2, 5): intercept 0, slope 1.1, RSS 2.7
    fit = baselines.ols([1, 2, 3, 4], [1, 3, 2, 5])
    assert abs(fit.intercept - 0.0) < 1e-12 and abs(fit.slope - 1.1) < 1e-12
    assert abs(fit.mse - 2.7 / 4) < 1e-12 and abs(fit.sigma - math.sqrt(2.7 / 2)) < 1e-12


def test_accepts_column_vectors():
    df = datasets.linear_regression(n=50, seed=1)
    a = baselines.ols(df[["x"]].to_numpy(), df["y"].to_numpy())
    b = baselines.ols(df["x"], df["y"])
    assert a == b


BAD_CALLS = [
    (lambda: baselines.ols([1, 2, 3], [1, 2]), "x and y must have the same length, got 3 and 2"),
    (lambda: baselines.ols([1, 2], [1, 2]), "need at least 3 observations, got 2"),
    (lambda: baselines.ols([1, 1, 1], [1, 2, 3]), "x is constant"),
    (lambda: baselines.ols([1, 2, np.nan], [1, 2, 3]), "x must contain only finite values"),
    (lambda: baselines.ols(np.zeros((3, 2)), [1, 2, 3]), "x must be one-dimensional"),
    (lambda: baselines.ols(["a", "b", "c"], [1, 2, 3]), "x must be numeric"),
    (lambda: baselines.logistic_regression([1, 2, 3], [0, 1, 2]), "y must contain only the labels 0 and 1"),
    (lambda: baselines.logistic_regression([1, 2, 3], [1, 1, 1]), "y must contain both classes"),
    (lambda: baselines.logistic_regression([1, 2], [0, 1, 1]), "x and y must have the same length"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS, ids=[m for _, m in BAD_CALLS])
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
