"""Per-visit variates of randomness contract v2: a distribution's value for (stream, patient, visit).

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

Phi^-1 (``ndtri``) is Acklam's rational approximation (relative error < 1.2e-9) refined by
one Halley step on ``math.erfc``: it agrees with scipy.special.ndtri to 1e-12 relative (1e-14
absolute near p = 1/2) over (1e-300, 1 - 1e-16) (tests/test_variates.py). Phi is ``0.5 erfc(-x / sqrt 2)``, accurate in relative terms in the
lower tail.
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

_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
_P_LOW = 0.02425
_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


@njit(refcount=False)
def ndtr(x):
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / _SQRT2)


@njit(refcount=False)
def _acklam(p):
    if p < _P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        return ((((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5])
                / ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0))
    if p > 1.0 - _P_LOW:
        q = math.sqrt(-2.0 * math.log1p(-p))
        return -((((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5])
                 / ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0))
    q = p - 0.5
    r = q * q
    return ((((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0))


@njit(refcount=False)
def ndtri(p):
    """Inverse of the standard normal CDF (see the module docstring); -inf at 0, inf at 1."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    x = _acklam(p)
    # one Halley step; in the upper half on the mirrored lower tail, where erfc keeps its digits
    if x > 0.0:
        e = 0.5 * math.erfc(x / _SQRT2) - (1.0 - p)
        u = -e * _SQRT2PI * math.exp(0.5 * x * x)
    else:
        e = 0.5 * math.erfc(-x / _SQRT2) - p
        u = e * _SQRT2PI * math.exp(0.5 * x * x)
    return x - u / (1.0 + 0.5 * x * u)


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
