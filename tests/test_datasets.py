"""main_ingredients.datasets gives the module's data sets exactly as R produced them.

Reference CSVs: tests/fixtures/r-reference/ (R 4.2.2, mlbench 2.1-3, make_reference.R
there).  write.csv keeps 15 significant digits, so floats are compared at 1e-12
absolute and must print identically with 15 significant digits.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from main_ingredients import datasets
from main_ingredients.rrandom import RRandom

REF = Path(__file__).parent / "fixtures" / "r-reference"


def read_ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


def assert_equal_to_r(got, expected) -> None:
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    printed = np.array([float(f"{v:.15g}") for v in got.ravel()]).reshape(got.shape)
    np.testing.assert_array_equal(printed, expected)


# ------------------------------------------------------------ equal to R
def test_linear_regression_equals_r():
    df = datasets.linear_regression()
    ref = read_ref("linear_regression.csv")
    assert list(df.columns) == ["x", "y"]
    assert df.shape == (1000, 2)
    assert df.dtypes.tolist() == [np.float64, np.float64]
    assert_equal_to_r(df["x"], ref["x"])
    assert_equal_to_r(df["y"], ref["y"])


def test_binary_classification_equals_r():
    df = datasets.binary_classification()
    ref = read_ref("binary_classification.csv")
    assert list(df.columns) == ["x", "y"]
    assert df.shape == (1000, 2)
    assert df["x"].dtype == np.float64 and df["y"].dtype == np.int64
    assert_equal_to_r(df["x"], ref["x"])
    np.testing.assert_array_equal(df["y"].to_numpy(), ref["y"].to_numpy())
    assert df["y"].tolist() == [0] * 500 + [1] * 500


def test_sine_equals_r():
    df = datasets.sine()
    ref = read_ref("sine.csv")
    assert list(df.columns) == ["x", "e", "y"]
    assert df.shape == (1000, 3)
    for col in ("x", "e", "y"):
        assert df[col].dtype == np.float64
        assert_equal_to_r(df[col], ref[col])
    assert df["x"].iloc[0] == -1.0 and df["x"].iloc[-1] == 2 * math.pi  # seq's last element is `to`


def test_multiclass_equals_r():
    df = datasets.multiclass()
    ref = read_ref("multiclass.csv")
    assert list(df.columns) == ["x1", "x2", "x3", "class"]
    assert df.shape == (1000, 4)  # mlbench.simplex(n = 2000, d = 3): 4 * round(2000 / 8) rows
    for col in ("x1", "x2", "x3"):
        assert df[col].dtype == np.float64
        assert_equal_to_r(df[col], ref[col])
    assert df["class"].dtype == np.int64
    np.testing.assert_array_equal(df["class"].to_numpy(), ref["class"].to_numpy())
    assert df["class"].value_counts().sort_index().tolist() == [250, 250, 250, 250]
    assert df["class"].is_monotonic_increasing


def test_mlbench_simplex_equals_r():
    x, classes = datasets.mlbench_simplex(n=2000, d=3, sd=0.3, seed=123)
    ref = read_ref("multiclass.csv")
    assert x.shape == (1000, 3) and x.dtype == np.float64
    assert classes.shape == (1000,) and classes.dtype == np.int64
    assert_equal_to_r(x, ref[["x1", "x2", "x3"]].to_numpy())
    x1, c1 = datasets.mlbench_simplex(n=1000, d=1, sd=0.3, seed=123)
    assert x1.shape == (1000, 1) and c1.shape == (1000,)
    assert_equal_to_r(x1[:, 0], read_ref("binary_classification.csv")["x"])


@pytest.mark.parametrize(
    ("fixture", "n", "replace"),
    [
        ("multiclass_shuffle.csv", 1000, False),
        ("iris_shuffle_without_replacement.csv", 150, False),
        ("iris_shuffle_with_replacement.csv", 150, True),
    ],
)
def test_shuffles_equal_r(fixture, n, replace):
    idx = datasets.shuffle_index(n, seed=123, replace=replace)
    assert idx.dtype == np.int64 and idx.shape == (n,)
    np.testing.assert_array_equal(idx, read_ref(fixture)["index"].to_numpy() - 1)


def test_iris_equals_r():
    df = datasets.iris()
    ref = read_ref("iris.csv")
    assert list(df.columns) == ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    assert df.shape == (150, 5)
    for ours, theirs in zip(datasets.IRIS_FEATURES, ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]):
        assert df[ours].dtype == np.float64
        np.testing.assert_array_equal(df[ours].to_numpy(), ref[theirs].to_numpy())
    assert df["species"].tolist() == ref["Species"].tolist()
    assert isinstance(df["species"].iloc[0], str)
    # the two rows where the UCI copy of the data differs from Fisher's paper and R
    assert df.iloc[34, :4].tolist() == [4.9, 3.1, 1.5, 0.2]
    assert df.iloc[37, :4].tolist() == [4.9, 3.6, 1.4, 0.1]


def test_iris_xy_shuffled_with_the_r_permutation():
    x, y = datasets.iris_xy()
    assert x.shape == (150, 4) and x.dtype == np.float64
    assert y.shape == (150, 3) and y.dtype == np.float32
    ref = read_ref("iris.csv")
    order = read_ref("iris_shuffle_without_replacement.csv")["index"].to_numpy() - 1
    np.testing.assert_array_equal(x, ref.iloc[order, :4].to_numpy())
    species = ref["Species"].to_numpy()[order]
    np.testing.assert_array_equal(np.array(datasets.IRIS_SPECIES)[y.argmax(axis=1)], species)
    np.testing.assert_array_equal(y.sum(axis=1), np.ones(150))


def test_iris_xy_unshuffled():
    x, y = datasets.iris_xy(shuffle=False)
    np.testing.assert_array_equal(x, datasets.iris()[list(datasets.IRIS_FEATURES)].to_numpy())
    np.testing.assert_array_equal(y.argmax(axis=1), np.repeat([0, 1, 2], 50))
    assert datasets.IRIS_SPECIES == ("setosa", "versicolor", "virginica")


# ------------------------------------------------------------- R quirks
@pytest.mark.parametrize(
    ("n", "d", "rows", "per_class"),
    [(2000, 3, 1000, 250), (1000, 1, 1000, 500), (800, 3, 400, 100), (800, 2, 600, 200), (1001, 1, 1000, 500)],
)
def test_mlbench_simplex_row_counts(n, d, rows, per_class):
    x, classes = datasets.mlbench_simplex(n=n, d=d, seed=1)
    assert x.shape == (rows, d)
    assert np.bincount(classes).tolist() == [0] + [per_class] * (d + 1)
    assert np.all(np.diff(classes) >= 0)


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_simplex_is_regular_and_centred(d):
    m = datasets.simplex(d, sides=2.0)
    assert m.shape == (d + 1, d)
    np.testing.assert_allclose(m.mean(axis=0), np.zeros(d), atol=1e-12)
    dists = [np.linalg.norm(m[i] - m[j]) for i in range(d + 1) for j in range(i)]
    np.testing.assert_allclose(dists, 2.0, rtol=1e-12)
    assert datasets.simplex(d, center=False)[0].tolist() == [0.0] * d


def test_simplex_d1_is_minus_half_plus_half():
    assert datasets.simplex(1).tolist() == [[-0.5], [0.5]]


def test_r_seq():
    np.testing.assert_array_equal(datasets.r_seq(0.0, 1.0, 5), [0.0, 0.25, 0.5, 0.75, 1.0])
    assert datasets.r_seq(0.0, 1.0, 1).tolist() == [0.0]
    assert datasets.r_seq(0.0, 1.0, 2).tolist() == [0.0, 1.0]
    assert datasets.r_seq(3.0, 3.0, 4).tolist() == [3.0] * 4
    assert datasets.r_seq(0.0, 1.0, 0).shape == (0,)


# ------------------------------------------------------- seeds and streams
def test_seed_rrandom_continues_the_stream():
    rng = RRandom(123)
    a = datasets.linear_regression(n=10, seed=rng)
    b = datasets.linear_regression(n=10, seed=rng)
    assert not np.array_equal(a["x"], b["x"])
    fresh = RRandom(123)
    np.testing.assert_array_equal(a["x"], fresh.runif(10, -1, 1))


def test_seed_int_is_set_seed():
    pd.testing.assert_frame_equal(datasets.sine(seed=7), datasets.sine(seed=RRandom(7)))
    assert not datasets.sine(seed=7).equals(datasets.sine(seed=8))


def test_mlbench_simplex_seed_none_is_random_but_valid():
    x, classes = datasets.mlbench_simplex(n=80, d=2)
    assert x.shape == (60, 2) and classes.tolist() == [1] * 20 + [2] * 20 + [3] * 20


@pytest.mark.parametrize("seed", [1, 2, 99])
def test_other_seeds_consistent(seed):
    df = datasets.linear_regression(seed=seed)
    assert df["x"].between(-1, 1).all()
    resid = df["y"] - (30 + 5 * df["x"])
    assert abs(resid.mean()) < 0.15 and 0.9 < resid.std() < 1.1
    idx = datasets.shuffle_index(150, seed=seed)
    np.testing.assert_array_equal(np.sort(idx), np.arange(150))
    boot = datasets.shuffle_index(150, seed=seed, replace=True)
    assert boot.min() >= 0 and boot.max() <= 149 and len(set(boot.tolist())) < 150
    x, y = datasets.iris_xy(seed=seed)
    np.testing.assert_array_equal(np.sort(x, axis=0), np.sort(datasets.iris_xy(shuffle=False)[0], axis=0))
    assert y.sum(axis=0).tolist() == [50, 50, 50]


def test_sd_zero_gives_the_simplex_corners():
    x, classes = datasets.mlbench_simplex(n=8, d=2, sd=0.0, seed=1)
    m = datasets.simplex(2)
    np.testing.assert_array_equal(x, m[classes - 1])


def test_parameters_are_used():
    df = datasets.linear_regression(n=50, intercept=-2.0, slope=0.5, sd=0.0, seed=3)
    np.testing.assert_allclose(df["y"], -2.0 + 0.5 * df["x"], rtol=0, atol=1e-15)
    assert datasets.binary_classification(n=10).shape == (10, 2)
    assert datasets.multiclass(n=64, d=2).columns.tolist() == ["x1", "x2", "class"]
    assert datasets.sine(n=3)["x"].tolist() == [-1.0, -1.0 + (2 * math.pi + 1.0) / 2, 2 * math.pi]


# ---------------------------------------------------------- bad arguments
BAD_CALLS = [
    (lambda: datasets.mlbench_simplex(n=0, seed=1), "n must be an integer >= 1, got 0"),
    (lambda: datasets.mlbench_simplex(n=-5, seed=1), "n must be an integer >= 1, got -5"),
    (lambda: datasets.mlbench_simplex(n=100.0, seed=1), "n must be an integer >= 1"),
    (lambda: datasets.mlbench_simplex(n=3, d=3, seed=1), r"n=3 is too small for d=3"),
    (lambda: datasets.mlbench_simplex(d=0, seed=1), "d must be an integer >= 1, got 0"),
    (lambda: datasets.mlbench_simplex(d=2.5, seed=1), "d must be an integer >= 1"),
    (lambda: datasets.mlbench_simplex(sides=0, seed=1), r"sides must be > 0, got 0.0"),
    (lambda: datasets.mlbench_simplex(sides=-1.0, seed=1), r"sides must be > 0"),
    (lambda: datasets.mlbench_simplex(sd=-0.1, seed=1), r"sd must be >= 0, got -0.1"),
    (lambda: datasets.mlbench_simplex(sd=math.nan, seed=1), "sd must be finite"),
    (lambda: datasets.mlbench_simplex(sd="0.1", seed=1), "sd must be a real number"),
    (lambda: datasets.mlbench_simplex(center=1, seed=1), "center must be a bool"),
    (lambda: datasets.mlbench_simplex(seed=1.5), "seed must be an int"),
    (lambda: datasets.mlbench_simplex(seed="123"), "seed must be an int"),
    (lambda: datasets.linear_regression(n=0), "n must be an integer >= 1, got 0"),
    (lambda: datasets.linear_regression(sd=-1), r"sd must be >= 0, got -1.0"),
    (lambda: datasets.linear_regression(intercept=math.inf), "intercept must be finite"),
    (lambda: datasets.linear_regression(slope=None), "slope must be a real number"),
    (lambda: datasets.linear_regression(seed=12.0), "seed must be an int"),
    (lambda: datasets.binary_classification(n=1), "n must be an integer >= 2, got 1"),
    (lambda: datasets.binary_classification(sd=-0.3), r"sd must be >= 0"),
    (lambda: datasets.sine(n=0), "n must be an integer >= 1, got 0"),
    (lambda: datasets.sine(sd=-0.2), r"sd must be >= 0"),
    (lambda: datasets.sine(n=True), "n must be an integer >= 1"),
    (lambda: datasets.multiclass(d=0), "d must be an integer >= 1, got 0"),
    (lambda: datasets.multiclass(n=-1), "n must be an integer >= 1"),
    (lambda: datasets.multiclass(sd=-1.0), r"sd must be >= 0"),
    (lambda: datasets.shuffle_index(0), "n must be an integer >= 1, got 0"),
    (lambda: datasets.shuffle_index(10, replace=1), "replace must be a bool"),
    (lambda: datasets.shuffle_index(10, seed=[1]), "seed must be an int"),
    (lambda: datasets.iris_xy(shuffle="yes"), "shuffle must be a bool"),
    (lambda: datasets.iris_xy(seed=1.0), "seed must be an int"),
    (lambda: datasets.simplex(0), "d must be an integer >= 1"),
    (lambda: datasets.r_seq(0.0, 1.0, -1), "length must be an integer >= 0"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS, ids=[m for _, m in BAD_CALLS])
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
