"""main_ingredients.rrandom reproduces R 4.2.2's random streams bit for bit.

The reference values in tests/fixtures/r-reference/ were written by R itself
(make_reference.R there) with write.csv, i.e. with 15 significant digits: the
Python values must print identically at 15 digits and agree to 1e-12.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from main_ingredients.rrandom import RRandom, check_random_state, qnorm

REF = Path(__file__).parent / "fixtures" / "r-reference"


def read_ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


def as_r_prints(values: np.ndarray) -> np.ndarray:
    """What write.csv writes: 15 significant digits, read back as doubles."""
    return np.array([float(f"{v:.15g}") for v in values], dtype=np.float64)


# --------------------------------------------------------------- raw streams
def test_runif_stream_equals_r():
    expected = read_ref("stream_runif_seed123.csv")["runif"].to_numpy()
    got = RRandom(123).runif(20)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(as_r_prints(got), expected)


def test_rnorm_stream_equals_r():
    expected = read_ref("stream_rnorm_seed123.csv")["rnorm"].to_numpy()
    got = RRandom(123).rnorm(20)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(as_r_prints(got), expected)


def test_sample10_stream_equals_r():
    expected = read_ref("stream_sample10_seed123.csv")["sample"].to_numpy()
    got = RRandom(123).sample(10)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.int64


@pytest.mark.parametrize(
    ("fixture", "n", "replace"),
    [
        ("multiclass_shuffle.csv", 1000, False),
        ("iris_shuffle_without_replacement.csv", 150, False),
        ("iris_shuffle_with_replacement.csv", 150, True),
    ],
)
def test_sample_seq_len_equals_r(fixture, n, replace):
    expected = read_ref(fixture)["index"].to_numpy()
    np.testing.assert_array_equal(RRandom(123).sample(n, size=n, replace=replace), expected)
    # sample(seq_len(n), ...) gives the same as sample(n, ...)
    np.testing.assert_array_equal(RRandom(123).sample(list(range(1, n + 1)), size=n, replace=replace), expected)


def test_known_first_values():
    # set.seed(123); runif(1) and rnorm(1) as R prints them with digits = 15
    assert f"{RRandom(123).runif(1)[0]:.15g}" == "0.287577520124614"
    assert f"{RRandom(123).rnorm(1)[0]:.15g}" == "-0.560475646552213"


def test_state_is_r_random_seed_layout():
    state = RRandom(123).state
    assert state.shape == (626,)
    assert state.dtype == np.int32
    assert state[0] == 10403  # Mersenne-Twister, Inversion, Rejection
    assert state[1] == 624  # mti: the first draw twists


# ------------------------------------------------------ continuing streams
def test_two_runif_calls_continue_one_stream():
    rng = RRandom(123)
    both = np.concatenate([rng.runif(10), rng.runif(10)])
    np.testing.assert_array_equal(both, RRandom(123).runif(20))


def test_rnorm_calls_continue_one_stream():
    rng = RRandom(42)
    both = np.concatenate([rng.rnorm(7), rng.rnorm(13)])
    np.testing.assert_array_equal(both, RRandom(42).rnorm(20))


def test_rnorm_uses_two_uniforms_per_draw():
    a, b = RRandom(7), RRandom(7)
    a.rnorm(5)
    b.runif(10)
    np.testing.assert_array_equal(a.runif(3), b.runif(3))


def test_streams_cross_the_624_word_boundary():
    rng = RRandom(2020)
    pieces = [rng.runif(k) for k in (623, 1, 1, 700)]
    np.testing.assert_array_equal(np.concatenate(pieces), RRandom(2020).runif(1325))


def test_sd_zero_and_min_equals_max_draw_nothing():
    # R's rnorm(n, mu, 0) and runif(n, a, a) return without touching the stream
    rng = RRandom(1)
    np.testing.assert_array_equal(rng.rnorm(3, mean=2.5, sd=0), [2.5, 2.5, 2.5])
    np.testing.assert_array_equal(rng.runif(2, 4.0, 4.0), [4.0, 4.0])
    np.testing.assert_array_equal(rng.runif(5), RRandom(1).runif(5))


def test_mean_sd_min_max_are_affine():
    u = RRandom(5).runif(50)
    np.testing.assert_array_equal(RRandom(5).runif(50, -1, 1), -1.0 + 2.0 * u)
    z = RRandom(5).rnorm(50)
    np.testing.assert_array_equal(RRandom(5).rnorm(50, 3.0, 0.3), 3.0 + 0.3 * z)


# -------------------------------------------------- other seeds: consistency
@pytest.mark.parametrize("seed", [0, 1, -1, 42, 2147483647, -2147483647])
def test_other_seeds_are_sane(seed):
    u = RRandom(seed).runif(1000)
    assert u.dtype == np.float64 and u.shape == (1000,)
    assert np.all((u > 0) & (u < 1))
    assert 0.4 < u.mean() < 0.6
    z = RRandom(seed).rnorm(2000)
    assert np.all(np.isfinite(z))
    assert abs(z.mean()) < 0.1 and 0.9 < z.std() < 1.1
    np.testing.assert_array_equal(RRandom(seed).runif(5), RRandom(seed).runif(5))


@pytest.mark.parametrize("seed", [1, 99, 31337])
@pytest.mark.parametrize("n", [1, 2, 3, 10, 150, 1000])
def test_sample_without_replacement_is_a_permutation(seed, n):
    s = RRandom(seed).sample(n)
    np.testing.assert_array_equal(np.sort(s), np.arange(1, n + 1))


@pytest.mark.parametrize("seed", [1, 99])
def test_sample_with_replacement_in_range(seed):
    s = RRandom(seed).sample(7, size=500, replace=True)
    assert s.shape == (500,) and s.dtype == np.int64
    assert s.min() >= 1 and s.max() <= 7
    assert set(s.tolist()) == set(range(1, 8))


def test_sample_partial_and_from_sequence():
    full = RRandom(3).sample(20)
    part = RRandom(3).sample(20, size=5)
    np.testing.assert_array_equal(part, full[:5])  # do_sample draws in order
    letters = list("abcdefghij")
    got = RRandom(123).sample(letters)
    expected = np.array(letters)[RRandom(123).sample(10) - 1]
    np.testing.assert_array_equal(got, expected)
    assert RRandom(3).sample([5.5]).tolist() == [5.5]
    assert RRandom(3).sample(np.arange(4), size=0).shape == (0,)


def test_seeds_differ():
    assert not np.array_equal(RRandom(1).runif(5), RRandom(2).runif(5))
    # numpy integer seeds are accepted and equal to the Python int
    np.testing.assert_array_equal(RRandom(np.int64(123)).runif(3), RRandom(123).runif(3))


# -------------------------------------------------------------- qnorm
def test_qnorm_known_values():
    assert qnorm(0.5) == 0.0
    assert qnorm(0.0) == -math.inf and qnorm(1.0) == math.inf
    assert math.isnan(qnorm(1.5))
    assert abs(qnorm(0.975) - 1.959963984540054) < 1e-15
    assert abs(qnorm(0.025) + 1.959963984540054) < 1e-15
    assert abs(qnorm(1e-12) + 7.034483825301131) < 1e-12  # the r > 5 branch
    assert qnorm(0.3, mu=1.0, sigma=0.0) == 1.0


# ------------------------------------------------------- check_random_state
def test_check_random_state():
    rng = RRandom(1)
    assert check_random_state(rng) is rng
    fresh = check_random_state(123)
    assert isinstance(fresh, RRandom)
    np.testing.assert_array_equal(fresh.runif(3), RRandom(123).runif(3))
    assert isinstance(check_random_state(None), RRandom)


@pytest.mark.parametrize(
    "seed", [1.5, 123.0, "123", True, [1], np.random.default_rng(0)], ids=lambda s: type(s).__name__
)
def test_check_random_state_rejects(seed):
    with pytest.raises(ValueError, match="seed must be an int"):
        check_random_state(seed)


# ---------------------------------------------------------- bad arguments
BAD_CALLS = [
    (lambda: RRandom(1.5), "seed must be an integer"),
    (lambda: RRandom("1"), "seed must be an integer"),
    (lambda: RRandom(True), "seed must be an integer"),
    (lambda: RRandom(None), "seed must be an integer"),
    (lambda: RRandom(2**31), r"seed must be in \[-2147483647, 2147483647\]"),
    (lambda: RRandom(-(2**31)), r"seed must be in"),
    (lambda: RRandom(1).runif(-1), "n must be a non-negative integer, got -1"),
    (lambda: RRandom(1).runif(2.0), "n must be a non-negative integer"),
    (lambda: RRandom(1).runif(3, 1.0, 0.0), r"min must be <= max, got min=1.0 > max=0.0"),
    (lambda: RRandom(1).runif(3, float("nan"), 1.0), "min must be finite"),
    (lambda: RRandom(1).runif(3, 0.0, math.inf), "max must be finite"),
    (lambda: RRandom(1).runif(3, "0", 1.0), "min must be a real number"),
    (lambda: RRandom(1).rnorm(-5), "n must be a non-negative integer, got -5"),
    (lambda: RRandom(1).rnorm(3, sd=-1.0), r"sd must be >= 0, got -1.0"),
    (lambda: RRandom(1).rnorm(3, mean=math.inf), "mean must be finite"),
    (lambda: RRandom(1).rnorm(3, sd=None), "sd must be a real number"),
    (lambda: RRandom(1).sample(10, size=11), "cannot take a sample larger than the population"),
    (lambda: RRandom(1).sample([1, 2], size=3), "cannot take a sample larger than the population"),
    (lambda: RRandom(1).sample(0), r"x must be >= 1 when it is an int"),
    (lambda: RRandom(1).sample(-3), r"x must be >= 1 when it is an int"),
    (lambda: RRandom(1).sample(5, size=-1), "size must be a non-negative integer"),
    (lambda: RRandom(1).sample(5, size=2.0), "size must be a non-negative integer"),
    (lambda: RRandom(1).sample(5, replace="yes"), "replace must be a bool"),
    (lambda: RRandom(1).sample("abc"), "x must be an int .* or a sequence"),
    (lambda: RRandom(1).sample(3.0), "x must be an int .* or a sequence"),
    (lambda: RRandom(1).sample(np.zeros((2, 2))), "x must be one-dimensional"),
    (lambda: RRandom(1).sample([], size=1, replace=True), "empty population"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS, ids=[m for _, m in BAD_CALLS])
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_return_types():
    rng = RRandom(1)
    assert rng.runif(0).shape == (0,) and rng.runif(0).dtype == np.float64
    assert rng.rnorm(0).shape == (0,) and rng.rnorm(4).dtype == np.float64
    assert rng.sample(4).dtype == np.int64
