"""Per-visit variates of randomness contract v3: a distribution's value for (stream, patient, visit).

``variate(code, params, i, emp_values, emp_start, emp_cum, key, rank, j)`` is the draw of
distribution ``(code, params[i])`` (codes and parameters: ``flowsim.distributions``) for
counter (rank, j) of the stream ``key`` (``flowsim.counter``). It is compiled once and called
by both engines (the compiled loop inline, the SimPy engine from Python), so the two read the
same number by construction.

Every family but gamma is an inverse CDF of the single uniform u = ``uniform(key, rank, j, 0)``,
so a value increases with u: under common random numbers a patient with a long stay in one
scenario has a long stay in the other. ``fixed`` uses no uniform.

=============  =====================================================================
exponential    -mean log(1 - u)
uniform        a + (b - a) u
triangular     the two-piece inverse CDF
truncnormal    mu + sd Phi^-1(Phi(a) + u (Phi(b) - Phi(a))), computed on the side of
               the mean where the interval lies (reflected, with 1 - u, so the value
               still increases with u); an interval beyond ~37 sd, whose probability
               underflows, gives its bound nearest the mean
lognormal      exp(mu + sigma Phi^-1(u))
gamma          Marsaglia & Tsang (2000): attempt k = 1, 2, ... uses ``uniform2(key,
               rank, j, k)`` (a normal by Phi^-1 of the first, the acceptance test on
               the second); shape < 1 multiplies a gamma(shape + 1) by U^(1/shape), U =
               ``uniform(key, rank, j, BOOST)``
weibull        scale (-log(1 - u))^(1/shape)
empirical      the first value whose cumulative weight exceeds u
=============  =====================================================================

Phi^-1 (``ndtri``, since randomness contract v3) is Wichura's AS 241 (PPND16, Applied
Statistics 1988), written here from the published algorithm: one rational function of degree
7 for |p - 1/2| <= 0.425 (~85% of draws: no log, sqrt or erfc), two more in r = sqrt(-log p)
in the tails. It agrees with scipy.special.ndtri to 2e-15 relative over (1e-300, 1 - 1e-16),
and increases with p up to one rounding of the value between adjacent floats, across its
branch points too (tests/test_variates.py). v2 used Acklam's approximation with a Halley step
on ``math.erfc`` (~2x dearer per lognormal). Phi is ``0.5 erfc(-x / sqrt 2)``, accurate in
relative terms in the lower tail.
"""

from __future__ import annotations

import math

import numpy as np

from .counter import uniform, uniform2
from .distributions import (EMPIRICAL, EXPONENTIAL, FIXED, GAMMA, LOGNORMAL, TRIANGULAR, TRUNCNORMAL,
                            UNIFORM, WEIBULL)
from .kernels import njit

__all__ = ["variate", "variates", "ndtri", "ndtr", "flat_empirical", "from_uniform", "first_above", "BOOST"]

BOOST = 1 << 30  # sub-draw index of gamma's shape < 1 boost uniform (attempts use 1, 2, ...)
_MAX_ATTEMPTS = 1 << 20  # Marsaglia-Tsang accepts > 95% of attempts for any shape >= 1

# Wichura (1988), "Algorithm AS 241: the percentage points of the normal distribution",
# Applied Statistics 37(3):477-484, PPND16: three rational functions of degree 7, each
# accurate to about 1e-16 relative on its range. Centre |p - 1/2| <= 0.425 in
# r = 0.180625 - q^2; tails in r = sqrt(-log(min(p, 1 - p))), split at r = 5.
_SPLIT1, _SPLIT2, _CONST1, _CONST2 = 0.425, 5.0, 0.180625, 1.6
_CA = (3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3, 1.3731693765509461125e+4,
       4.5921953931549871457e+4, 6.7265770927008700853e+4, 3.3430575583588128105e+4, 2.5090809287301226727e+3)
_CB = (1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
       2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4, 5.2264952788528545610e+3)
_IA = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
       1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4)
_IB = (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
       1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9)
_TA = (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
       2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7)
_TB = (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
       7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15)
_SQRT2 = math.sqrt(2.0)


@njit(inline=True, refcount=False)
def _ratio(a, b, r):
    """a(r) / b(r) for two degree-7 polynomials given lowest coefficient first (Horner)."""
    num = ((((((a[7] * r + a[6]) * r + a[5]) * r + a[4]) * r + a[3]) * r + a[2]) * r + a[1]) * r + a[0]
    den = ((((((b[7] * r + b[6]) * r + b[5]) * r + b[4]) * r + b[3]) * r + b[2]) * r + b[1]) * r + b[0]
    return num / den


@njit(refcount=False)
def ndtr(x):
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / _SQRT2)


@njit(refcount=False)
def ndtri(p):
    """Inverse of the standard normal CDF, Wichura's AS 241 (module docstring); -inf at 0, inf at 1."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    q = p - 0.5
    if abs(q) <= _SPLIT1:  # PERF: ~85% of draws: one rational function, no log, sqrt or erfc
        return q * _ratio(_CA, _CB, _CONST1 - q * q)
    # 1 - p is exact for p >= 1/2 (Sterbenz), so the upper tail mirrors the lower one
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    if r <= _SPLIT2:
        x = _ratio(_IA, _IB, r - _CONST2)
    else:
        x = _ratio(_TA, _TB, r - _SPLIT2)
    return -x if q < 0.0 else x


@njit(refcount=False)
def _truncnormal(mu, sd, lo, hi, u):
    a, b = (lo - mu) / sd, (hi - mu) / sd
    sign = 1.0
    if a + b > 0.0:  # the interval lies mostly above the mean: work on its mirror image
        a, b, sign, u = -b, -a, -1.0, 1.0 - u
    pa, pb = ndtr(a), ndtr(b)
    if pb <= pa:  # the interval's probability underflows (beyond ~37 sd)
        return mu + sign * sd * b
    z = ndtri(pa + u * (pb - pa))
    z = min(max(z, a), b)
    return mu + sign * sd * z


@njit(refcount=False)
def first_above(cum, lo, hi, u):
    """The first index in ``[lo, hi)`` whose cumulative weight exceeds ``u`` (``searchsorted(...,
    side="right")``), at most ``hi - 1``: how a uniform picks an entry of cumulative weights."""
    a, b = lo, hi - 1
    while a < b:
        m = (a + b) // 2
        if cum[m] > u:
            b = m
        else:
            a = m + 1
    return a


@njit(refcount=False)
def _empirical(e, emp_values, emp_start, emp_cum, u):
    return emp_values[first_above(emp_cum, emp_start[e], emp_start[e + 1], u)]


@njit(refcount=False)
def from_uniform(code, params, i, emp_values, emp_start, emp_cum, u):
    """The inverse-CDF value of distribution ``(code, params[i])`` at ``u`` (not gamma)."""
    if code == FIXED:
        return params[i, 0]
    if code == EXPONENTIAL:
        return -params[i, 0] * math.log1p(-u)
    if code == UNIFORM:
        return params[i, 0] + (params[i, 1] - params[i, 0]) * u
    if code == TRIANGULAR:
        a, c, b = params[i, 0], params[i, 1], params[i, 2]
        if b <= a:
            return a
        if u * (b - a) < (c - a):
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1.0 - u) * (b - a) * (b - c))
    if code == TRUNCNORMAL:
        return _truncnormal(params[i, 0], params[i, 1], params[i, 2], params[i, 3], u)
    if code == LOGNORMAL:
        return math.exp(params[i, 0] + params[i, 1] * ndtri(u))
    if code == WEIBULL:
        return params[i, 1] * (-math.log1p(-u)) ** (1.0 / params[i, 0])
    if code == EMPIRICAL:
        return _empirical(int(params[i, 0]), emp_values, emp_start, emp_cum, u)
    return math.nan


@njit(refcount=False)
def _gamma(shape, scale, key, rank, j):
    a = shape if shape >= 1.0 else shape + 1.0
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    g = d
    for k in range(1, _MAX_ATTEMPTS):
        u1, u2 = uniform2(key, rank, j, k)
        x = ndtri(u1)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        if math.log(u2) < 0.5 * x * x + d - d * v + d * math.log(v):
            g = d * v
            break
    if shape < 1.0:
        g *= uniform(key, rank, j, BOOST) ** (1.0 / shape)
    return g * scale


@njit(refcount=False)
def variate(code, params, i, emp_values, emp_start, emp_cum, key, rank, j):
    """The value of distribution ``(code, params[i])`` for counter (rank, j) of stream ``key``.

    Parameters
    ----------
    code : int
        Distribution code (``flowsim.distributions``).
    params : (M, MAX_PARAMS) float64 array
        Natural parameters, one row per distribution; row ``i`` is used.
    emp_values, emp_start, emp_cum : arrays
        Empirical distributions, flat (``flat_empirical``).
    key : int
        The stream's key (``counter.stream_keys``).
    rank, j : int
        The patient's arrival number within its source, and the visit number.
    """
    if code == FIXED:
        return params[i, 0]
    if code == GAMMA:
        return _gamma(params[i, 0], params[i, 1], key, rank, j)
    return from_uniform(code, params, i, emp_values, emp_start, emp_cum, uniform(key, rank, j, 0))


@njit
def variates(code, params, i, emp_values, emp_start, emp_cum, keys, rank, j):
    """``variate`` for each patient (keys[k], rank[k]) at visit ``j``: an array (tests, inspection)."""
    out = np.empty(rank.shape[0])
    for k in range(rank.shape[0]):
        out[k] = variate(code, params, i, emp_values, emp_start, emp_cum, keys[k], rank[k], j)
    return out


def flat_empirical(emp_values: list, emp_cum: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Network's empirical distributions as flat arrays (values, start offsets, cumulative weights).

    Distribution ``e`` owns ``values[start[e]:start[e + 1]]``; with none, one unused zero.
    """
    if not emp_values:
        return np.zeros(1), np.zeros(1, dtype=np.int64), np.ones(1)
    start = np.concatenate([[0], np.cumsum([len(v) for v in emp_values])]).astype(np.int64)
    return (np.concatenate(emp_values).astype(np.float64), start,
            np.concatenate(emp_cum).astype(np.float64))
