"""Duration distributions as (code, params) arrays, with exact moments.

A distribution is an integer code and a float64 vector of ``MAX_PARAMS`` natural
parameters, so engines (and later compiled kernels) take plain arrays:

=============  ====  ==========================================
name           code  params
=============  ====  ==========================================
fixed          0     (value,)
exponential    1     (mean,)
uniform        2     (a, b)
triangular     3     (a, c, b)          min, mode, max
truncnormal    4     (mu, sd, lo, hi)   normal truncated to [lo, hi]
lognormal      5     (mu, sigma)        of the underlying normal
gamma          6     (shape, scale)
weibull        7     (shape, scale)
empirical      8     (index,)           into emp_values / emp_cum
=============  ====  ==========================================

Sampling is vectorised (one numpy call per block) and prefix consistent: the first
m values of ``sample(..., n)`` equal ``sample(..., m)`` from the same generator
state, so common random numbers survive a change in how many values are drawn.
Families differ in how much of the generator a value consumes: inverse-CDF
families take one ``rng.random()`` per value, lognormal one standard normal,
gamma one standard gamma (rejection: variable), and ``fixed`` consumes nothing.
"""

from __future__ import annotations

import math

import numpy as np


__all__ = [
    "FIXED", "EXPONENTIAL", "UNIFORM", "TRIANGULAR", "TRUNCNORMAL", "LOGNORMAL",
    "GAMMA", "WEIBULL", "EMPIRICAL", "MAX_PARAMS", "CODE_NAMES",
    "dist_arrays", "dist_mean", "dist_var", "sample", "cumulative_weights",
]

FIXED, EXPONENTIAL, UNIFORM, TRIANGULAR, TRUNCNORMAL, LOGNORMAL, GAMMA, WEIBULL, EMPIRICAL = range(9)
MAX_PARAMS = 4
_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
CODE_NAMES = ("fixed", "exponential", "uniform", "triangular", "truncnormal",
              "lognormal", "gamma", "weibull", "empirical")


def cumulative_weights(weights) -> np.ndarray:
    """Normalised cumulative weights, exactly 1.0 from the last positive weight on.

    With ``searchsorted(cum, u, side='right')`` and ``u`` in [0, 1), an entry of
    zero weight owns an empty interval and is never drawn, including trailing
    zeros (whose cumulative value rounding could otherwise leave below 1).
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"expected non-negative finite weights with a positive sum, found {w.tolist()}")
    cum = np.cumsum(w) / w.sum()
    cum[np.flatnonzero(w > 0)[-1]:] = 1.0
    return cum


def dist_arrays(dist, emp_values: list, emp_cum: list) -> tuple[int, np.ndarray]:
    """A schema ``Dist`` as (code, params); empirical data are appended to the lists."""
    name, p = dist.name, dist.params
    params = np.zeros(MAX_PARAMS)
    if name == "fixed":
        code, params[0] = FIXED, p.value
    elif name == "exponential":
        code, params[0] = EXPONENTIAL, p.mean
    elif name == "uniform":
        code, params[:2] = UNIFORM, (p.min, p.max)
    elif name == "triangular":
        code, params[:3] = TRIANGULAR, (p.min, p.mode, p.max)
    elif name == "normal":
        code, params[:4] = TRUNCNORMAL, (p.mean, p.sd, p.min, p.max)
    elif name == "lognormal":
        s2 = math.log1p((p.sd / p.mean) ** 2)
        code, params[:2] = LOGNORMAL, (math.log(p.mean) - 0.5 * s2, math.sqrt(s2))
    elif name == "gamma":
        code, params[:2] = GAMMA, ((p.mean / p.sd) ** 2, p.sd**2 / p.mean)
    elif name == "weibull":
        code, params[:2] = WEIBULL, (p.shape, p.scale)
    elif name == "empirical":
        values = np.asarray(p.values, dtype=np.float64)
        weights = np.ones(values.size) if p.weights is None else p.weights
        code, params[0] = EMPIRICAL, len(emp_values)
        emp_values.append(values)
        emp_cum.append(cumulative_weights(weights))
    else:  # pragma: no cover - the schema admits no other name
        raise ValueError(f"unknown distribution {name!r}")
    return code, params


# ------------------------------------------------------------- truncated normal
def _log_diff(lx, ly):
    """log(exp(lx) - exp(ly)) for lx >= ly, stable when both are tiny."""
    with np.errstate(divide="ignore"):
        return lx + np.log1p(-np.exp(ly - lx))


def _tn_std_bounds(mu, sd, lo, hi):
    """Standardised bounds, reflected so the interval lies mostly below 0.

    Below 0, Phi is accurate in relative terms (log_ndtr, ndtri_exp), so the
    far upper tail is handled as the mirror of the far lower tail.
    """
    a, b = (lo - mu) / sd, (hi - mu) / sd
    if a + b > 0:
        return -b, -a, -1.0
    return a, b, 1.0


def _mills(x):
    """phi(x) / Phi(x), accurate far into the lower tail."""
    from scipy import special  # scipy.special takes ~0.2 s to import: only when needed
    return math.sqrt(2.0 / math.pi) / special.erfcx(-x / _SQRT2)


def _tn_moments(mu, sd, lo, hi):
    from scipy import special  # scipy.special takes ~0.2 s to import: only when needed
    a, b, sign = _tn_std_bounds(mu, sd, lo, hi)
    if math.isinf(a) and math.isinf(b):
        return mu, sd * sd
    w = b - a
    # pa = phi(a)/Z, pb = phi(b)/Z with Z = Phi(b) - Phi(a) in log space (log_ndtr)
    log_z = float(_log_diff(special.log_ndtr(b), special.log_ndtr(a)))
    pa = math.exp(-0.5 * a * a - _LOG_SQRT_2PI - log_z) if math.isfinite(a) else 0.0
    pb = math.exp(-0.5 * b * b - _LOG_SQRT_2PI - log_z)
    m = pa - pb
    if b < -30.0:
        # Deep in the lower tail pa - pb loses ~log10(b^2) digits (enough to put the
        # mean outside [a, b] when b ~ -1e4). With q = phi(a)/phi(b) and
        # r = Phi(a)/Phi(b), formed without phi or Phi: E[Z] = -M(b) (1-q)/(1-r).
        log_q = -math.inf if math.isinf(a) else 0.5 * w * (a + b)
        with np.errstate(divide="ignore"):
            log_r = float(log_q + np.log(special.erfcx(-a / _SQRT2)) - np.log(special.erfcx(-b / _SQRT2)))
        m = -_mills(b) * math.expm1(log_q) / math.expm1(log_r)
    # Var = 1 + (a pa - b pb) - m^2 cancels about log10(b^2 / Var) digits when the
    # interval lies in one tail (Var ~ 1/b^2): ~1e-10 relative for bounds within
    # ~30 sd, ~1e-5 at 100 sd; intervals narrower than ~1e-3 sd lose more (the
    # result is kept within [0, w^2/4]). Realistic duration configs are far inside.
    apa = a * pa if math.isfinite(a) else 0.0
    v = min(max(1.0 + apa - b * pb - m * m, 0.0), 1.0, w * w / 4.0)
    return mu + sign * sd * m, sd * sd * v


def _tn_sample(mu, sd, lo, hi, u):
    from scipy import special  # scipy.special takes ~0.2 s to import: only when needed
    a, b, sign = _tn_std_bounds(mu, sd, lo, hi)
    la, lb = special.log_ndtr(a), special.log_ndtr(b)
    log_z = _log_diff(lb, la)
    with np.errstate(divide="ignore"):
        logp = np.logaddexp(la, np.log(u) + log_z)
    z = special.ndtri_exp(np.minimum(logp, lb))
    return np.clip(mu + sign * sd * z, lo, hi)


# --------------------------------------------------------------------- moments
def _emp_probs(params, emp_values, emp_cum):
    k = int(params[0])
    cum = np.asarray(emp_cum[k], dtype=np.float64)
    return np.asarray(emp_values[k], dtype=np.float64), np.diff(cum, prepend=0.0)


def dist_mean(code: int, params, emp_values=(), emp_cum=()) -> float:
    """The exact mean of distribution ``code`` with ``params``."""
    p = np.asarray(params, dtype=np.float64)
    if code == FIXED:
        return float(p[0])
    if code == EXPONENTIAL:
        return float(p[0])
    if code == UNIFORM:
        return float(0.5 * (p[0] + p[1]))
    if code == TRIANGULAR:
        return float((p[0] + p[1] + p[2]) / 3.0)
    if code == TRUNCNORMAL:
        return float(_tn_moments(*p[:4])[0])
    if code == LOGNORMAL:
        return float(math.exp(p[0] + 0.5 * p[1] ** 2))
    if code == GAMMA:
        return float(p[0] * p[1])
    if code == WEIBULL:
        from scipy import special
        return float(p[1] * special.gamma(1.0 + 1.0 / p[0]))
    if code == EMPIRICAL:
        v, w = _emp_probs(p, emp_values, emp_cum)
        return float(np.dot(w, v))
    raise ValueError(f"unknown distribution code {code}")


def dist_var(code: int, params, emp_values=(), emp_cum=()) -> float:
    """The exact variance of distribution ``code`` with ``params``."""
    p = np.asarray(params, dtype=np.float64)
    if code == FIXED:
        return 0.0
    if code == EXPONENTIAL:
        return float(p[0] ** 2)
    if code == UNIFORM:
        return float((p[1] - p[0]) ** 2 / 12.0)
    if code == TRIANGULAR:
        a, c, b = p[:3]
        return float((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0)
    if code == TRUNCNORMAL:
        return float(_tn_moments(*p[:4])[1])
    if code == LOGNORMAL:
        s2 = p[1] ** 2
        return float(math.exp(2.0 * p[0] + s2) * math.expm1(s2))
    if code == GAMMA:
        return float(p[0] * p[1] ** 2)
    if code == WEIBULL:
        k, lam = p[:2]
        from scipy import special
        g1, g2 = special.gamma(1.0 + 1.0 / k), special.gamma(1.0 + 2.0 / k)
        return float(lam * lam * (g2 - g1 * g1))
    if code == EMPIRICAL:
        v, w = _emp_probs(p, emp_values, emp_cum)
        m = np.dot(w, v)
        return float(np.dot(w, (v - m) ** 2))
    raise ValueError(f"unknown distribution code {code}")


# -------------------------------------------------------------------- sampling
def sample(code: int, params, rng: np.random.Generator, n: int, emp_values=(), emp_cum=()) -> np.ndarray:
    """``n`` float64 draws, prefix consistent in ``n`` (see the module docstring)."""
    if n < 0:
        raise ValueError(f"expected n >= 0, found {n}")
    p = np.asarray(params, dtype=np.float64)
    if code == FIXED:
        return np.full(n, p[0])  # consumes no randomness
    if code == LOGNORMAL:
        return np.exp(p[0] + p[1] * rng.standard_normal(n))
    if code == GAMMA:
        return rng.standard_gamma(p[0], n) * p[1]
    if not 0 <= code < len(CODE_NAMES):
        raise ValueError(f"unknown distribution code {code}")
    u = rng.random(n)  # in [0, 1)
    if code == EXPONENTIAL:
        return -p[0] * np.log1p(-u)
    if code == UNIFORM:
        return np.minimum(p[0] + (p[1] - p[0]) * u, p[1])
    if code == TRIANGULAR:
        a, c, b = p[:3]
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.clip(np.where(u < fc, left, right), a, b)
    if code == TRUNCNORMAL:
        return _tn_sample(*p[:4], u)
    if code == WEIBULL:
        return p[1] * (-np.log1p(-u)) ** (1.0 / p[0])
    # EMPIRICAL: value i owns [cum[i-1], cum[i]); a zero weight owns nothing
    k = int(p[0])
    idx = np.searchsorted(emp_cum[k], u, side="right")
    return np.asarray(emp_values[k], dtype=np.float64)[idx]
