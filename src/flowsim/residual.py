"""Residual durations: the rest of a stay, given the time already spent in it.

A patient found in a service by a census has been there ``s`` minutes. Its
total stay X is drawn from the node's duration distribution *conditioned on*
``X > s`` and the residual is ``X - s``. Every family in ``distributions`` is
sampled exactly from one uniform ``u`` in [0, 1) per patient, by inverting the
conditional survival function ``S(x) / S(s)``:

=============  ==============================================================
fixed          ``max(value - s, 0)`` (no randomness)
exponential    memoryless: ``-mean * log(1 - u)``
uniform        uniform on ``[max(a, s), b]``
triangular     inverse CDF at ``F(s) + u (1 - F(s))``
truncnormal    truncated normal on ``[max(lo, s), hi]``
lognormal      ``exp`` of a normal truncated below at ``log s``
gamma          ``scale * Q^-1(shape, (1 - u) Q(shape, s / scale))``
weibull        ``scale * ((s / scale)^k - log(1 - u))^(1/k)``
empirical      the values above ``s``, with their weights renormalised
=============  ==============================================================

When ``P(X > s) = 0`` (past the maximum of a bounded distribution) there is
nothing to condition on: the stay ends now, residual 0.
"""

from __future__ import annotations

import numpy as np

from .distributions import (EMPIRICAL, EXPONENTIAL, FIXED, GAMMA, LOGNORMAL, TRIANGULAR, TRUNCNORMAL, UNIFORM,
                            WEIBULL, _tn_sample, _tn_std_bounds)

__all__ = ["residual"]


def _triangular(p, s, u):
    a, c, b = p[:3]
    s = np.clip(s, a, b)
    fs = np.where(s < c, (s - a) ** 2 / ((b - a) * (c - a)) if c > a else 0.0,
                  1.0 - (b - s) ** 2 / ((b - a) * (b - c)) if b > c else 1.0)
    v = fs + u * (1.0 - fs)
    fc = (c - a) / (b - a)
    left = a + np.sqrt(v * (b - a) * (c - a))
    right = b - np.sqrt((1.0 - v) * (b - a) * (b - c))
    return np.clip(np.where(v < fc, left, right), a, b)


def _empirical(p, s, u, emp_values, emp_cum):
    k = int(p[0])
    values = np.asarray(emp_values[k], dtype=np.float64)
    w = np.diff(np.asarray(emp_cum[k], dtype=np.float64), prepend=0.0)
    out = np.empty(len(s))
    for i, (si, ui) in enumerate(zip(s, u)):
        above = (values > si) & (w > 0)
        if not above.any():
            out[i] = si  # past the largest value: ends now
            continue
        cum = np.cumsum(w[above]) / w[above].sum()
        cum[-1] = 1.0
        out[i] = values[above][np.searchsorted(cum, ui, side="right")]
    return out


def _tn_inverse(mu, sd, lo, hi, u):
    """The normal on [lo, hi] at quantile u, increasing in u (``_tn_sample`` reflects
    upper-tail intervals, which would make it decreasing there)."""
    if _tn_std_bounds(mu, sd, lo, hi)[2] < 0:
        u = 1.0 - u
    return float(_tn_sample(mu, sd, lo, hi, np.array([u]))[0])


def _total(code, p, s, u, emp_values, emp_cum):
    """The total stay X given X > s (s and u arrays of equal length)."""
    if code == FIXED:
        return np.full(len(s), p[0])
    if code == EXPONENTIAL:
        return s - p[0] * np.log1p(-u)
    if code == UNIFORM:
        lo = np.clip(s, p[0], p[1])
        return np.minimum(lo + (p[1] - lo) * u, p[1])
    if code == TRIANGULAR:
        return _triangular(p, s, u)
    if code == TRUNCNORMAL:
        mu, sd, lo, hi = p[:4]
        out = np.empty(len(s))
        for i, (si, ui) in enumerate(zip(s, u)):
            low = max(lo, si)
            out[i] = _tn_inverse(mu, sd, low, hi, ui) if low < hi else hi
        return out
    from scipy import special  # ~0.2 s to import: only for a warm start that needs it
    if code == LOGNORMAL:
        mu, sigma = p[:2]
        out = np.exp(mu + sigma * special.ndtri(u))  # s = 0: nothing to condition on
        for i in np.flatnonzero(s > 0):
            out[i] = np.exp(_tn_inverse(mu, sigma, np.log(s[i]), np.inf, u[i]))
        return np.maximum(out, s)
    if code == GAMMA:
        shape, scale = p[:2]
        q = special.gammaincc(shape, np.maximum(s, 0.0) / scale)
        x = scale * special.gammainccinv(shape, (1.0 - u) * q)
        return np.where(q > 0, np.maximum(x, s), s)
    if code == WEIBULL:
        k, lam = p[:2]
        return lam * ((np.maximum(s, 0.0) / lam) ** k - np.log1p(-u)) ** (1.0 / k)
    if code == EMPIRICAL:
        return _empirical(p, s, u, emp_values, emp_cum)
    raise ValueError(f"unknown distribution code {code}")


def residual(code: int, params, spent, u, emp_values=(), emp_cum=()) -> np.ndarray:
    """Residual durations ``X - s`` of stays already ``spent`` minutes long.

    Parameters
    ----------
    code, params : int, array
        The distribution (``distributions`` codes and natural parameters).
    spent : array of float
        Minutes already spent, >= 0.
    u : array of float
        One uniform in [0, 1) per stay (the census stream's draw for that patient).
    emp_values, emp_cum : sequences
        The network's empirical tables.

    Returns
    -------
    np.ndarray
        float64 minutes >= 0, one per stay.
    """
    s = np.asarray(spent, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if s.shape != u.shape:
        raise ValueError(f"expected spent and u of equal shape, found {s.shape} and {u.shape}")
    if np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("expected finite times spent >= 0")
    p = np.asarray(params, dtype=np.float64)
    return np.maximum(_total(int(code), p, s, u, emp_values, emp_cum) - s, 0.0)
