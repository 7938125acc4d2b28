"""Bit-exact ports of R's default random number streams.

R's defaults (``RNGkind()`` of R >= 3.6.0) are ``"Mersenne-Twister"`` for uniforms,
``"Inversion"`` for normals and ``"Rejection"`` for ``sample()``.  :class:`RRandom`
reproduces the state ``set.seed(seed)`` leaves behind and the numbers R's
``runif``, ``rnorm`` and ``sample`` then draw from it, so that the course's data
sets are identical to the ones the original R module produced.

Example
-------
In R::

    set.seed(123); runif(3); rnorm(2); sample(10)

In Python (the same numbers)::

    rng = RRandom(123)
    rng.runif(3)    # array([0.28757752, 0.78830514, 0.40897692])
    rng.rnorm(2)    # continues the same stream, as R does
    rng.sample(10)  # 1-based, as in R

Notes
-----
Ported from R 4.2.2:

* ``src/main/RNG.c``: ``RNG_Init`` (initial scrambling ``seed = 69069 * seed + 1``
  fifty times, then 625 seed words), ``FixupSeeds``, ``MT_genrand`` (Matsumoto and
  Nishimura's MT19937 with R's ``dummy[0] = mti`` layout), ``fixup`` (keeps the
  values strictly inside (0, 1)), ``rbits`` and ``R_unif_index`` (rejection
  sampling, 16 bits at a time).
* ``src/nmath/snorm.c``: ``norm_rand`` with ``INVERSION`` (two uniforms per normal,
  ``BIG = 134217728``).
* ``src/nmath/qnorm.c``: ``qnorm5`` (Wichura's algorithm AS 241), the R <= 4.2
  version (R 4.3.0 changed only the far tails, ``r > 27``, i.e. ``p < exp(-729)``,
  which ``norm_rand`` never reaches: its ``u / BIG`` is always above ``8e-19``).
* ``src/nmath/runif.c``, ``src/nmath/rnorm.c``: ``min + (max - min) * u`` and
  ``mean + sd * norm_rand()``; ``min == max`` and ``sd == 0`` return without
  drawing, exactly as R does.
* ``src/main/random.c``: ``do_sample`` (swap-with-last without replacement,
  ``R_unif_index(n) + 1`` with replacement or when ``size < 2``) and ``do_sample2``
  (the hash-based sampler ``sample.int`` uses when ``n > 1e7`` and
  ``size <= n / 2``).
* ``src/library/base/R/sample.R``: ``sample()``'s dispatch between ``1:x`` and
  ``x[...]``.

Scalar maths (``math.log``, ``math.sqrt``) is done per element, in the same order
of operations as the C code, so that the results are equal to R's to the last bit.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["RRandom", "check_random_state", "qnorm"]

_N = 624
_M = 397
_MATRIX_A = 0x9908B0DF
_UPPER_MASK = 0x80000000
_LOWER_MASK = 0x7FFFFFFF
_TEMPERING_MASK_B = 0x9D2C5680
_TEMPERING_MASK_C = 0xEFC60000
_MASK32 = 0xFFFFFFFF
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's i2_32m1
_BIG = 134217728  # 2^27, snorm.c
_INT_MAX = 2147483647


def _is_int(value: Any) -> bool:
    """True for Python/numpy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    """True for Python/numpy real numbers (ints included), False for bools."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_count(name: str, value: Any) -> int:
    if not _is_int(value):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return value


def _check_finite(name: str, value: Any) -> float:
    if not _is_real(value):
        raise ValueError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def qnorm(p: float, mu: float = 0.0, sigma: float = 1.0) -> float:
    """R 4.2.2's ``qnorm5(p, mu, sigma, lower_tail=TRUE, log_p=FALSE)`` for one ``p``.

    Wichura's algorithm AS 241, with the operations in the same order as R's C code
    so that the result is bit-identical.

    Parameters
    ----------
    p : float
        Lower-tail probability in [0, 1].
    mu, sigma : float
        Mean and standard deviation (``sigma >= 0``).

    Returns
    -------
    float
        The quantile; ``-inf``/``inf`` for ``p`` = 0/1, ``nan`` for ``p`` outside [0, 1] or
        ``sigma < 0`` (R warns and returns ``NaN`` in both cases).
    """
    if math.isnan(p) or math.isnan(mu) or math.isnan(sigma):
        return p + mu + sigma
    # R_Q_P01_boundaries(p, ML_NEGINF, ML_POSINF)
    if p < 0 or p > 1:
        return math.nan
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    if sigma < 0:
        return math.nan
    if sigma == 0:
        return mu

    p_ = p  # R_DT_qIv(p)
    q = p_ - 0.5
    if math.fabs(q) <= 0.425:  # 0.075 <= p <= 0.925
        r = 0.180625 - q * q
        val = (
            q
            * (
                (
                    (
                        (
                            (
                                ((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853)
                                * r
                                + 45921.953931549871457
                            )
                            * r
                            + 13731.693765509461125
                        )
                        * r
                        + 1971.5909503065514427
                    )
                    * r
                    + 133.14166789178437745
                )
                * r
                + 3.387132872796366608
            )
            / (
                (
                    (
                        (
                            (
                                ((r * 5226.495278852854561 + 28729.085735721942674) * r + 39307.89580009271061) * r
                                + 21213.794301586595867
                            )
                            * r
                            + 5394.1960214247511077
                        )
                        * r
                        + 687.1870074920579083
                    )
                    * r
                    + 42.313330701600911252
                )
                * r
                + 1.0
            )
        )
    else:  # closer than 0.075 from {0, 1}
        if q > 0:
            r = 0.5 - p + 0.5  # R_DT_CIv(p): 1 - p
        else:
            r = p_
        r = math.sqrt(-math.log(r))
        if r <= 5.0:  # min(p, 1-p) >= exp(-25)
            r += -1.6
            val = (
                (
                    (
                        (
                            (
                                (
                                    (r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r
                                    + 0.24178072517745061177
                                )
                                * r
                                + 1.27045825245236838258
                            )
                            * r
                            + 3.64784832476320460504
                        )
                        * r
                        + 5.7694972214606914055
                    )
                    * r
                    + 4.6303378461565452959
                )
                * r
                + 1.42343711074968357734
            ) / (
                (
                    (
                        (
                            (
                                (
                                    (r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
                                    + 0.0151986665636164571966
                                )
                                * r
                                + 0.14810397642748007459
                            )
                            * r
                            + 0.68976733498510000455
                        )
                        * r
                        + 1.6763848301838038494
                    )
                    * r
                    + 2.05319162663775882187
                )
                * r
                + 1.0
            )
        else:  # very close to 0 or 1
            r += -5.0
            val = (
                (
                    (
                        (
                            (
                                (
                                    (r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
                                    + 0.0012426609473880784386
                                )
                                * r
                                + 0.026532189526576123093
                            )
                            * r
                            + 0.29656057182850489123
                        )
                        * r
                        + 1.7848265399172913358
                    )
                    * r
                    + 5.4637849111641143699
                )
                * r
                + 6.6579046435011037772
            ) / (
                (
                    (
                        (
                            (
                                (
                                    (r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
                                    + 1.8463183175100546818e-5
                                )
                                * r
                                + 7.868691311456132591e-4
                            )
                            * r
                            + 0.0148753612908506148525
                        )
                        * r
                        + 0.13692988092273580531
                    )
                    * r
                    + 0.59983220655588793769
                )
                * r
                + 1.0
            )
        if q < 0.0:
            val = -val
    return mu + sigma * val


class RRandom:
    """R's random number generator in the state ``set.seed(seed)`` leaves it.

    Parameters
    ----------
    seed : int
        The argument of R's ``set.seed``: an integer in
        [-2147483647, 2147483647] (R's non-NA integer range).  Python and numpy
        integers are accepted; bools, floats and strings are not.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer or is outside R's integer range.

    Notes
    -----
    Successive calls continue one stream, as successive calls in an R session do:
    ``RRandom(1).runif(10)`` twice gives the same 20 numbers as one
    ``RRandom(1).runif(20)``.  Only R's default kinds are implemented
    (Mersenne-Twister, Inversion, Rejection).
    """

    def __init__(self, seed: int) -> None:
        if not _is_int(seed):
            raise ValueError(
                f"seed must be an integer (as in R's set.seed), got {seed!r} ({type(seed).__name__})"
            )
        seed = int(seed)
        if not -_INT_MAX <= seed <= _INT_MAX:
            raise ValueError(f"seed must be in [-{_INT_MAX}, {_INT_MAX}] (R's integer range), got {seed}")
        self.seed = seed
        s = seed & _MASK32  # R's Int32 is an unsigned int
        for _ in range(50):  # initial scrambling
            s = (69069 * s + 1) & _MASK32
        words = []
        for _ in range(_N + 1):
            s = (69069 * s + 1) & _MASK32
            words.append(s)
        # FixupSeeds(MERSENNE_TWISTER, initial=1): dummy[0] = mti = 624
        self._mt = words[1:]
        self._mti = _N

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> np.ndarray:
        """R's ``.Random.seed`` for this state (626 int32: kind code 10403, mti, mt[624])."""
        words = [10403, self._mti, *self._mt]
        return np.array(words, dtype=np.uint32).view(np.int32).copy()

    def __repr__(self) -> str:
        return f"RRandom(seed={self.seed}, position={self._mti})"

    # -------------------------------------------------------------- uniforms
    def _twist(self) -> None:
        mt = self._mt
        kk = 0
        while kk < _N - _M:
            y = (mt[kk] & _UPPER_MASK) | (mt[kk + 1] & _LOWER_MASK)
            mt[kk] = mt[kk + _M] ^ (y >> 1) ^ (_MATRIX_A if y & 1 else 0)
            kk += 1
        while kk < _N - 1:
            y = (mt[kk] & _UPPER_MASK) | (mt[kk + 1] & _LOWER_MASK)
            mt[kk] = mt[kk + (_M - _N)] ^ (y >> 1) ^ (_MATRIX_A if y & 1 else 0)
            kk += 1
        y = (mt[_N - 1] & _UPPER_MASK) | (mt[0] & _LOWER_MASK)
        mt[_N - 1] = mt[_M - 1] ^ (y >> 1) ^ (_MATRIX_A if y & 1 else 0)
        self._mti = 0

    def unif_rand(self) -> float:
        """One draw of R's ``unif_rand()``: ``fixup(MT_genrand())``, in (0, 1)."""
        if self._mti >= _N:
            self._twist()
        y = self._mt[self._mti]
        self._mti += 1
        y ^= y >> 11
        y ^= (y << 7) & _TEMPERING_MASK_B
        y ^= (y << 15) & _TEMPERING_MASK_C
        y ^= y >> 18
        x = y * 2.3283064365386963e-10  # reals: [0,1)-interval
        # fixup: ensure 0 and 1 are never returned
        if x <= 0.0:
            return 0.5 * _I2_32M1
        if (1.0 - x) <= 0.0:
            return 1.0 - 0.5 * _I2_32M1
        return x

    def norm_rand(self) -> float:
        """One draw of R's ``norm_rand()`` with ``normal.kind = "Inversion"``."""
        u = self.unif_rand()
        u = int(_BIG * u) + self.unif_rand()
        return qnorm(u / _BIG, 0.0, 1.0)

    def _unif_index(self, dn: float) -> int:
        """R's ``R_unif_index(dn)`` (sample.kind = "Rejection"): uniform in 0..dn-1."""
        if dn <= 0:
            return 0
        bits = int(math.ceil(math.log2(dn)))
        mask = (1 << bits) - 1
        while True:
            v = 0
            n = 0
            while n <= bits:  # rbits(bits): 16 bits per unif_rand()
                v1 = int(math.floor(self.unif_rand() * 65536))
                v = 65536 * v + v1
                n += 16
            dv = v & mask
            if dn > dv:
                return dv

    # ------------------------------------------------------------ R's API
    def runif(self, n: int, min: float = 0.0, max: float = 1.0) -> np.ndarray:  # noqa: A002
        """R's ``runif(n, min, max)``.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        min, max : float
            Finite bounds with ``min <= max``.  ``min == max`` returns ``min`` without
            drawing (as R does).

        Returns
        -------
        numpy.ndarray
            float64, shape ``(n,)``.

        Raises
        ------
        ValueError
            ``n`` not a non-negative integer, non-finite bounds, or ``min > max``.
        """
        n = _check_count("n", n)
        a = _check_finite("min", min)
        b = _check_finite("max", max)
        if a > b:
            raise ValueError(f"min must be <= max, got min={a} > max={b}")
        out = np.empty(n, dtype=np.float64)
        if a == b:
            out.fill(a)
            return out
        for i in range(n):
            u = self.unif_rand()
            out[i] = a + (b - a) * u
        return out

    def rnorm(self, n: int, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
        """R's ``rnorm(n, mean, sd)`` (``normal.kind = "Inversion"``).

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        mean : float
            Finite mean.
        sd : float
            Finite standard deviation >= 0.  ``sd == 0`` returns ``mean`` without
            drawing (as R does).

        Returns
        -------
        numpy.ndarray
            float64, shape ``(n,)``.

        Raises
        ------
        ValueError
            ``n`` not a non-negative integer, non-finite ``mean``/``sd``, or ``sd < 0``.
        """
        n = _check_count("n", n)
        mu = _check_finite("mean", mean)
        sigma = _check_finite("sd", sd)
        if sigma < 0:
            raise ValueError(f"sd must be >= 0, got {sigma}")
        out = np.empty(n, dtype=np.float64)
        if sigma == 0:
            out.fill(mu)
            return out
        for i in range(n):
            out[i] = mu + sigma * self.norm_rand()
        return out

    def sample_int(self, n: int, size: int | None = None, replace: bool = False) -> np.ndarray:
        """R's ``sample.int(n, size, replace)``: 1-based int64 indices.

        Parameters
        ----------
        n : int
            Population size (>= 0).
        size : int, optional
            Number of items (default ``n``).
        replace : bool
            Sample with replacement.

        Returns
        -------
        numpy.ndarray
            int64, shape ``(size,)``, values in ``1..n``.

        Raises
        ------
        ValueError
            Bad types, ``size > n`` without replacement, or ``size > 0`` from an empty
            population.
        """
        n = _check_count("n", n)
        size = n if size is None else _check_count("size", size)
        if not isinstance(replace, (bool, np.bool_)):
            raise ValueError(f"replace must be a bool, got {replace!r} ({type(replace).__name__})")
        if n > _INT_MAX:
            raise ValueError(f"n must be <= {_INT_MAX}, got {n}")
        if not replace and size > n:
            raise ValueError(
                f"cannot take a sample larger than the population when replace=False (size={size} > n={n})"
            )
        if size > 0 and n == 0:
            raise ValueError("cannot take a sample of size > 0 from an empty population")
        out = np.empty(size, dtype=np.int64)
        dn = float(n)
        if not replace and n > 1e7 and size <= n / 2:
            # sample.int's default useHash = TRUE: do_sample2 (rejection of duplicates)
            seen: set[int] = set()
            i = 0
            while i < size:
                v = self._unif_index(dn)
                if v in seen:
                    continue
                seen.add(v)
                out[i] = v + 1
                i += 1
            return out
        if replace or size < 2:
            for i in range(size):
                out[i] = self._unif_index(dn) + 1
            return out
        pool = list(range(n))
        last = n
        for i in range(size):
            j = self._unif_index(float(last))
            out[i] = pool[j] + 1
            last -= 1
            pool[j] = pool[last]
        return out

    def sample(self, x: int | Sequence[Any] | np.ndarray, size: int | None = None, replace: bool = False) -> np.ndarray:
        """R's ``sample(x, size, replace)``.

        Parameters
        ----------
        x : int or sequence
            An int ``x >= 1`` means the population ``1..x`` (R's ``sample(10)``), and the
            values come back 1-based as in R.  A sequence (list, tuple, range, 1-d array)
            returns its elements, ``x[sample.int(len(x), size, replace)]``.
        size : int, optional
            Number of items; default ``x`` (int) or ``len(x)`` (sequence).
        replace : bool
            Sample with replacement.

        Returns
        -------
        numpy.ndarray
            int64 for an int ``x``; otherwise ``numpy.asarray(x)[idx]`` (dtype of ``x``).

        Raises
        ------
        ValueError
            An int ``x < 1``, a non-sequence, a multi-dimensional array, or the errors of
            :meth:`sample_int`.

        Notes
        -----
        R's ``sample(x)`` also treats a single number ``x >= 1`` as ``1:x``; an ``x`` of
        length one that should be sampled as a vector must therefore be passed as a
        sequence, e.g. ``[5]``.  Unlike R, an int ``x < 1`` is an error here (R would
        sample from the vector ``c(x)``).
        """
        if _is_int(x):
            if int(x) < 1:
                raise ValueError(f"x must be >= 1 when it is an int (the population 1..x), got {int(x)}")
            return self.sample_int(int(x), size, replace)
        if isinstance(x, (str, bytes)) or not isinstance(x, (Sequence, np.ndarray)):
            raise ValueError(
                f"x must be an int (population 1..x) or a sequence, got {type(x).__name__}"
            )
        arr = np.asarray(x)
        if arr.ndim != 1:
            raise ValueError(f"x must be one-dimensional, got shape {arr.shape}")
        idx = self.sample_int(len(arr), len(arr) if size is None else size, replace)
        return arr[idx - 1]


def check_random_state(seed: int | RRandom | None) -> RRandom:
    """Turn ``seed`` into an :class:`RRandom`.

    Parameters
    ----------
    seed : int, RRandom or None
        An int starts a new stream as ``set.seed(seed)`` would; an :class:`RRandom` is
        returned as it is (its stream continues); ``None`` starts a stream from a fresh
        nondeterministic seed (from ``os.urandom``).

    Returns
    -------
    RRandom

    Raises
    ------
    ValueError
        For anything else (floats, bools, strings, numpy Generators, ...), or an int
        outside R's integer range.
    """
    if isinstance(seed, RRandom):
        return seed
    if seed is None:
        return RRandom(int.from_bytes(os.urandom(4), "little") % _INT_MAX)
    if _is_int(seed):
        return RRandom(seed)
    raise ValueError(
        f"seed must be an int (as in R's set.seed), an RRandom or None, got {seed!r} ({type(seed).__name__})"
    )
