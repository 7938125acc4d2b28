"""The data sets of the "Main Ingredients" module, equal to the ones R produced.

Every generator draws from :class:`main_ingredients.rrandom.RRandom`, a bit-exact
port of R's default random streams, in the same order as the original R code, so
``linear_regression()`` returns the very numbers ``set.seed(123)`` followed by the
module's R code gave (checked against R 4.2.2 and mlbench 2.1-3 in
``tests/test_datasets.py``).

=============================  ====================================================
function                       R code of the module
=============================  ====================================================
:func:`linear_regression`      ``x <- runif(n, -1, 1); y <- b + a*x + rnorm(n)``
:func:`binary_classification`  ``mlbench.simplex(n = 1000, d = 1, sd = .3)``
:func:`sine`                   ``x <- seq(-1, 2*pi, length = n); y <- sin(x) + e``
:func:`multiclass`             ``mlbench.simplex(n = 2000, d = 3, sd = 0.3)``
:func:`shuffle_index`          ``sample(seq_len(n), size = n, replace = ...)``
:func:`iris`, :func:`iris_xy`  ``iris`` and its shuffled one-hot version
=============================  ====================================================

``seed`` arguments accept an int (as R's ``set.seed``), an
:class:`~main_ingredients.rrandom.RRandom` whose stream is continued, or ``None``
(a fresh nondeterministic seed).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from main_ingredients.rrandom import RRandom, _is_int, _is_real, check_random_state

__all__ = [
    "IRIS_FEATURES",
    "IRIS_SPECIES",
    "binary_classification",
    "iris",
    "iris_xy",
    "linear_regression",
    "mlbench_simplex",
    "multiclass",
    "r_seq",
    "shuffle_index",
    "simplex",
    "sine",
]

#: Column names of :func:`iris` features (R's ``Sepal.Length`` etc. in snake case).
IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
#: The species, in R's factor-level order (the one-hot column order of :func:`iris_xy`).
IRIS_SPECIES = ("setosa", "versicolor", "virginica")

# R's iris (Fisher 1936) at the two rows where the UCI copy of the data has errors
# (0-based row index -> sepal length, sepal width, petal length, petal width).
_R_IRIS_ROWS = {
    34: (4.9, 3.1, 1.5, 0.2),
    37: (4.9, 3.6, 1.4, 0.1),
}


# ----------------------------------------------------------------- validation
def _positive_int(name: str, value: object, minimum: int = 1) -> int:
    if not _is_int(value):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def _real(name: str, value: object, *, positive: bool = False, nonnegative: bool = False) -> float:
    if not _is_real(value):
        raise ValueError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r} ({type(value).__name__})")
    return bool(value)


# ------------------------------------------------------------------- helpers
def r_seq(start: float, stop: float, length: int) -> np.ndarray:
    """R's ``seq(from = start, to = stop, length.out = length)`` for doubles.

    Parameters
    ----------
    start, stop : float
        Finite end points.
    length : int
        Number of points (>= 0).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(length,)``.

    Raises
    ------
    ValueError
        Non-finite end points or a negative/non-integer ``length``.

    Notes
    -----
    Port of ``seq.default`` (R 4.2.2, the ``missing(by)`` branch):
    ``c(from, from + seq_len(length.out - 2) * by, to)`` with
    ``by <- (to - from) / (length.out - 1)``; the last element is ``to`` itself,
    not ``from + (n - 1) * by``.
    """
    start = _real("start", start)
    stop = _real("stop", stop)
    length = _positive_int("length", length, minimum=0)
    if length == 0:
        return np.empty(0, dtype=np.float64)
    if length <= 2:
        return np.array([start, stop][:length], dtype=np.float64)
    if start == stop:
        return np.full(length, start, dtype=np.float64)
    n1 = length - 1
    by = (stop - start) / n1
    out = np.empty(length, dtype=np.float64)
    out[0] = start
    for i in range(1, n1):
        out[i] = start + i * by
    out[n1] = stop
    return out


def simplex(d: int, sides: float = 1.0, center: bool = True) -> np.ndarray:
    """Vertices of a regular ``d``-simplex with edge length ``sides``.

    Parameters
    ----------
    d : int
        Dimension (>= 1).
    sides : float
        Edge length (> 0).
    center : bool
        Shift the vertices so that their centroid is the origin.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(d + 1, d)``: one vertex per row.

    Raises
    ------
    ValueError
        For a bad ``d``, ``sides`` or ``center``.

    Notes
    -----
    Port of the helper ``simplex()`` of mlbench 2.1-3 (``R/mlbench-class.R``), with
    the same floating-point operations in the same order.
    """
    d = _positive_int("d", d)
    sides = _real("sides", sides, positive=True)
    center = _bool("center", center)
    m = np.zeros((d + 1, d), dtype=np.float64)
    cent = np.zeros(d, dtype=np.float64)
    m[1, 0] = sides
    cent[0] = sides / 2
    b = sides / 2
    for i in range(2, d + 1):  # R's i in 2:d; row i+1 and column i are 1-based
        m[i, :] = cent
        m[i, i - 1] = math.sqrt(sides * sides - b * b)
        cent[i - 1] = 1 / (i + 1) * m[i, i - 1]
        b = (1 - 1 / (i + 1)) * m[i, i - 1]
    if center:
        m = m - cent
    return m


# -------------------------------------------------------------------- data sets
def mlbench_simplex(
    n: int = 800,
    d: int = 3,
    sides: float = 1.0,
    sd: float = 0.1,
    center: bool = True,
    seed: int | RRandom | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clouds around the corners of a simplex: ``mlbench::mlbench.simplex``.

    Parameters
    ----------
    n : int
        The ``n`` of R's function (>= 1).  As in R, each of the ``d + 1`` classes gets
        ``round(n / 2**d)`` points, so the result has ``(d + 1) * round(n / 2**d)``
        rows, which is ``n`` only for ``d = 1`` (``n = 2000, d = 3`` gives 1000 rows).
    d : int
        Dimension of the simplex and of ``x`` (>= 1).
    sides : float
        Edge length of the simplex (> 0).
    sd : float
        Standard deviation of the Gaussian noise (>= 0).
    center : bool
        Centre the simplex at the origin.
    seed : int, RRandom or None
        ``set.seed`` value, a stream to continue, or ``None`` for a fresh seed.

    Returns
    -------
    x : numpy.ndarray
        float64, shape ``(m, d)`` with ``m = (d + 1) * round(n / 2**d)``.
    classes : numpy.ndarray
        int64, shape ``(m,)``, values ``1..d+1``, sorted (class ``k`` fills rows
        ``(k-1)*m/(d+1)`` to ``k*m/(d+1) - 1``).

    Raises
    ------
    ValueError
        ``n < 1``, ``d < 1``, ``sides <= 0``, ``sd < 0``, wrong types, or an ``n`` so
        small that ``round(n / 2**d)`` is 0 (R would return an empty data set).

    Notes
    -----
    Port of ``mlbench.simplex`` (mlbench 2.1-3)::

        m <- simplex(d = d, sides = sides, center = center)
        n1 <- round(n/2^d)
        for (k in 1:nrow(m)) {
            z1 <- matrix(rnorm(d * n1, sd = sd), ncol = d)   # column-major fill
            z1 <- sweep(z1, 2, m[k, ], "+")
            z <- rbind(z, z1)
        }

    ``round`` is R's round-half-to-even, like Python's ``round`` (``n / 2**d`` is
    exact in binary, so the halves are genuine).
    """
    n = _positive_int("n", n)
    d = _positive_int("d", d)
    sides = _real("sides", sides, positive=True)
    sd = _real("sd", sd, nonnegative=True)
    center = _bool("center", center)
    rng = check_random_state(seed)
    n1 = round(n / 2**d)
    if n1 < 1:
        raise ValueError(
            f"n={n} is too small for d={d}: each class gets round(n / 2**d) = 0 points; "
            f"use n >= {2 ** (d - 1) + 1}"
        )
    m = simplex(d, sides, center)
    blocks = []
    for k in range(d + 1):
        z1 = rng.rnorm(d * n1, sd=sd).reshape((n1, d), order="F")
        blocks.append(z1 + m[k])
    x = np.vstack(blocks)
    classes = np.repeat(np.arange(1, d + 2, dtype=np.int64), n1)
    return x, classes


def linear_regression(
    n: int = 1000,
    intercept: float = 30.0,
    slope: float = 5.0,
    sd: float = 1.0,
    seed: int | RRandom | None = 123,
) -> pd.DataFrame:
    """Simple linear regression data: ``y = intercept + slope * x + noise``.

    Parameters
    ----------
    n : int
        Number of rows (>= 1).
    intercept, slope : float
        True coefficients (R's ``b`` and ``a``).
    sd : float
        Standard deviation of the Gaussian noise (>= 0).
    seed : int, RRandom or None
        ``set.seed`` value (default 123, the module's), a stream to continue, or ``None``.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows; columns ``x`` (float64, uniform on [-1, 1]) and ``y`` (float64).

    Raises
    ------
    ValueError
        ``n < 1``, ``sd < 0``, non-finite or non-numeric arguments, a bad ``seed``.

    Notes
    -----
    Port of the module's R code::

        set.seed(123)
        df <- data.frame(x = runif(n, min = -1, max = 1))
        df$y <- b + a*df$x + rnorm(n)
    """
    n = _positive_int("n", n)
    intercept = _real("intercept", intercept)
    slope = _real("slope", slope)
    sd = _real("sd", sd, nonnegative=True)
    rng = check_random_state(seed)
    x = rng.runif(n, -1.0, 1.0)
    e = rng.rnorm(n, sd=sd)
    y = (intercept + slope * x) + e
    return pd.DataFrame({"x": x, "y": y})


def binary_classification(n: int = 1000, sd: float = 0.3, seed: int | RRandom | None = 123) -> pd.DataFrame:
    """Two overlapping 1-d Gaussian classes, at -0.5 and 0.5.

    Parameters
    ----------
    n : int
        Number of rows (>= 2); as in R, ``2 * round(n / 2)`` rows come back.
    sd : float
        Standard deviation of each class (>= 0).
    seed : int, RRandom or None
        ``set.seed`` value (default 123), a stream to continue, or ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns ``x`` (float64) and ``y`` (int64, 0 for mlbench class 1 around -0.5,
        1 for class 2 around 0.5); the 0s come first.

    Raises
    ------
    ValueError
        ``n < 2`` (``n = 1`` would give no rows), ``sd < 0``, wrong types, a bad ``seed``.

    Notes
    -----
    Port of::

        set.seed(123)
        generated <- mlbench.simplex(n = 1000, d = 1, sd = .3)
        df <- data.frame(x = as.vector(generated$x),
                         y = ifelse(generated$classes == 1, 0, 1))
    """
    n = _positive_int("n", n, minimum=2)
    sd = _real("sd", sd, nonnegative=True)
    x, classes = mlbench_simplex(n=n, d=1, sd=sd, seed=seed)
    y = np.where(classes == 1, 0, 1).astype(np.int64)
    return pd.DataFrame({"x": x[:, 0], "y": y})


def sine(n: int = 1000, sd: float = 0.2, seed: int | RRandom | None = 123) -> pd.DataFrame:
    """Noisy sine wave on ``[-1, 2*pi]``: a non-linear regression problem.

    Parameters
    ----------
    n : int
        Number of rows (>= 1).
    sd : float
        Standard deviation of the Gaussian noise (>= 0).
    seed : int, RRandom or None
        ``set.seed`` value (default 123), a stream to continue, or ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns ``x`` (float64, evenly spaced from -1 to ``2*pi`` as R's ``seq``),
        ``e`` (float64, the noise) and ``y = sin(x) + e`` (float64).

    Raises
    ------
    ValueError
        ``n < 1``, ``sd < 0``, wrong types, a bad ``seed``.

    Notes
    -----
    Port of::

        set.seed(123)
        df <- data.frame(x = seq(from = -1, to = 2 * pi, length = n))
        df$e <- rnorm(n, sd = 0.2)
        df$y <- sin(df$x) + df$e

    ``sin`` is evaluated with :func:`math.sin` (the C library's, as R does).
    """
    n = _positive_int("n", n)
    sd = _real("sd", sd, nonnegative=True)
    rng = check_random_state(seed)
    x = r_seq(-1.0, 2 * math.pi, n)
    e = rng.rnorm(n, sd=sd)
    y = np.array([math.sin(v) for v in x], dtype=np.float64) + e
    return pd.DataFrame({"x": x, "e": e, "y": y})


def multiclass(n: int = 2000, d: int = 3, sd: float = 0.3, seed: int | RRandom | None = 123) -> pd.DataFrame:
    """Multi-predictor, multi-class data: Gaussian clouds at the corners of a simplex.

    Parameters
    ----------
    n : int
        The ``n`` of ``mlbench.simplex`` (>= 1); the result has
        ``(d + 1) * round(n / 2**d)`` rows (1000 for the defaults).
    d : int
        Number of predictors (>= 1); there are ``d + 1`` classes.
    sd : float
        Standard deviation of each cloud (>= 0).
    seed : int, RRandom or None
        ``set.seed`` value (default 123), a stream to continue, or ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns ``x1`` .. ``x{d}`` (float64) and ``class`` (int64, ``1..d+1``, sorted).

    Raises
    ------
    ValueError
        As :func:`mlbench_simplex`.

    Notes
    -----
    Port of::

        set.seed(123)
        generated <- mlbench.simplex(n = n*2, d = 3, sd = 0.3)
        df <- data.frame(generated$x, class = as.numeric(generated$classes))

    The module then shuffles the rows with ``sample(seq_len(1000))`` after another
    ``set.seed(123)``: :func:`shuffle_index` ``(len(df))``.
    """
    x, classes = mlbench_simplex(n=n, d=d, sd=sd, seed=seed)
    data = {f"x{j + 1}": x[:, j] for j in range(x.shape[1])}
    data["class"] = classes
    return pd.DataFrame(data)


def shuffle_index(n: int, seed: int | RRandom | None = 123, replace: bool = False) -> np.ndarray:
    """0-based row indices equal to R's ``sample(seq_len(n), size = n, replace = replace) - 1``.

    Parameters
    ----------
    n : int
        Number of rows (>= 1).
    seed : int, RRandom or None
        ``set.seed`` value (default 123), a stream to continue, or ``None``.
    replace : bool
        ``False``: a permutation of ``0..n-1``.  ``True``: a bootstrap sample (some
        rows repeated, some missing), as the original module's iris shuffle did.

    Returns
    -------
    numpy.ndarray
        int64, shape ``(n,)``, values in ``0..n-1``; use as ``df.iloc[idx]`` or
        ``x[idx]``.

    Raises
    ------
    ValueError
        ``n < 1``, a non-bool ``replace``, a bad ``seed``.

    Notes
    -----
    ``sample(seq_len(n), ...)`` with ``n >= 2`` is ``seq_len(n)[sample.int(n, ...)]``,
    i.e. R's ``do_sample`` (swap-with-last, ``sample.kind = "Rejection"``).
    """
    n = _positive_int("n", n)
    replace = _bool("replace", replace)
    rng = check_random_state(seed)
    return rng.sample_int(n, n, replace) - 1


def iris() -> pd.DataFrame:
    """Fisher's (Anderson's) iris data, as R's ``datasets::iris``.

    Returns
    -------
    pandas.DataFrame
        150 rows; columns ``sepal_length``, ``sepal_width``, ``petal_length``,
        ``petal_width`` (float64, cm) and ``species`` (str: ``setosa``,
        ``versicolor``, ``virginica``; 50 rows each, in that order).

    Notes
    -----
    Loaded offline from scikit-learn's bundled copy (:func:`sklearn.datasets.load_iris`).
    The UCI copy of the data differs from Fisher's paper (and R) in rows 35 and 38
    (1-based); scikit-learn corrected them in 0.20, and the values R has at those
    rows are enforced here in any case, so the result equals R's ``iris``
    (``tests/test_datasets.py`` compares it with ``write.csv(iris)``).
    """
    from sklearn.datasets import load_iris

    bunch = load_iris()
    data = np.array(bunch.data, dtype=np.float64, copy=True)
    for row, values in _R_IRIS_ROWS.items():
        data[row] = values
    df = pd.DataFrame(data, columns=list(IRIS_FEATURES))
    df["species"] = np.asarray(bunch.target_names)[bunch.target].astype(str)
    return df


def iris_xy(
    shuffle: bool = True, seed: int | RRandom | None = 123
) -> tuple[np.ndarray, np.ndarray]:
    """The iris features and one-hot species, ready for a Keras model.

    Parameters
    ----------
    shuffle : bool
        Shuffle the rows with :func:`shuffle_index` ``(150, seed, replace=False)``
        (a permutation: every flower once).  The original R module sampled with
        replacement (a bootstrap); use :func:`shuffle_index` with ``replace=True``
        for that.
    seed : int, RRandom or None
        Seed of the shuffle (default 123); ignored if ``shuffle`` is ``False``.

    Returns
    -------
    x : numpy.ndarray
        float64, shape ``(150, 4)``, columns as :data:`IRIS_FEATURES`.
    y : numpy.ndarray
        float32, shape ``(150, 3)``, one-hot, columns in the order of
        :data:`IRIS_SPECIES` (setosa, versicolor, virginica).

    Raises
    ------
    ValueError
        A non-bool ``shuffle`` or a bad ``seed``.
    """
    shuffle = _bool("shuffle", shuffle)
    df = iris()
    x = df[list(IRIS_FEATURES)].to_numpy(dtype=np.float64)
    codes = np.array([IRIS_SPECIES.index(s) for s in df["species"]], dtype=np.int64)
    y = np.eye(len(IRIS_SPECIES), dtype=np.float32)[codes]
    if shuffle:
        idx = shuffle_index(len(df), seed=seed, replace=False)
        x, y = x[idx], y[idx]
    return x, y
