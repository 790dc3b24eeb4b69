"""The conditional residual sampler against the analytic conditional mean, for every family.

E[X - s | X > s] is computed by scipy (``expect(..., conditional=True)``) or in
closed form; the sample mean of 20,000 residuals must lie within 4.5 standard
errors of it (a false alarm about once in 150,000 per case).
"""

import math

import numpy as np
import pytest
from scipy import stats

from flowsim.distributions import (EMPIRICAL, EXPONENTIAL, FIXED, GAMMA, LOGNORMAL, TRIANGULAR, TRUNCNORMAL,
                                   UNIFORM, WEIBULL, cumulative_weights)
from flowsim.residual import residual

N = 20_000
EMP_VALUES = [np.array([1.0, 2.0, 5.0, 9.0, 30.0])]
EMP_CUM = [cumulative_weights([0.3, 0.2, 0.2, 0.2, 0.1])]


def _lognormal(mean, sd):
    s2 = math.log1p((sd / mean) ** 2)
    return (math.log(mean) - 0.5 * s2, math.sqrt(s2))


def _scipy(code, p):
    if code == EXPONENTIAL:
        return stats.expon(scale=p[0])
    if code == UNIFORM:
        return stats.uniform(p[0], p[1] - p[0])
    if code == TRIANGULAR:
        return stats.triang((p[1] - p[0]) / (p[2] - p[0]), loc=p[0], scale=p[2] - p[0])
    if code == TRUNCNORMAL:
        mu, sd, lo, hi = p
        return stats.truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)
    if code == LOGNORMAL:
        return stats.lognorm(p[1], scale=math.exp(p[0]))
    if code == GAMMA:
        return stats.gamma(p[0], scale=p[1])
    if code == WEIBULL:
        return stats.weibull_min(p[0], scale=p[1])
    raise AssertionError(code)


def _conditional_mean(code, p, s):
    if code == FIXED:
        return max(p[0] - s, 0.0)
    if code == EMPIRICAL:
        v, w = EMP_VALUES[0], np.diff(EMP_CUM[0], prepend=0.0)
        above = v > s
        return float(np.dot(w[above], v[above] - s) / w[above].sum())
    d = _scipy(code, p)
    return float(d.expect(lambda x: x - s, lb=s, conditional=True))


CASES = [
    ("fixed", FIXED, (7.0,), 3.0),
    ("fixed past its value", FIXED, (7.0,), 9.0),
    ("exponential", EXPONENTIAL, (5.0,), 12.0),
    ("uniform", UNIFORM, (2.0, 10.0), 6.5),
    ("uniform before its minimum", UNIFORM, (2.0, 10.0), 1.0),
    ("triangular left of mode", TRIANGULAR, (1.0, 4.0, 10.0), 2.0),
    ("triangular right of mode", TRIANGULAR, (1.0, 4.0, 10.0), 7.0),
    ("truncated normal", TRUNCNORMAL, (5.0, 2.0, 0.0, math.inf), 6.0),
    ("truncated normal far tail", TRUNCNORMAL, (5.0, 1.0, 0.0, 20.0), 9.0),
    ("lognormal (LOS 5 d, sd 6 d)", LOGNORMAL, _lognormal(5.0, 6.0), 8.0),
    ("lognormal at 0", LOGNORMAL, _lognormal(5.0, 6.0), 0.0),
    ("gamma shape < 1", GAMMA, (0.6, 8.0), 10.0),
    ("gamma shape > 1", GAMMA, (3.0, 2.0), 9.0),
    ("weibull shape < 1", WEIBULL, (0.7, 5.0), 6.0),
    ("weibull shape > 1", WEIBULL, (2.0, 5.0), 4.0),
    ("empirical", EMPIRICAL, (0.0,), 2.0),
    ("empirical between values", EMPIRICAL, (0.0,), 6.0),
]


@pytest.mark.parametrize("name,code,params,s", CASES, ids=[c[0] for c in CASES])
def test_residual_matches_analytic_conditional_mean(name, code, params, s):
    p = np.zeros(4)
    p[:len(params)] = params
    u = np.random.default_rng(11).random(N)
    r = residual(code, p, np.full(N, s), u, EMP_VALUES, EMP_CUM)
    assert np.all(r >= 0) and np.all(np.isfinite(r))
    want = _conditional_mean(code, p, s)
    se = r.std(ddof=1) / math.sqrt(N)
    assert abs(r.mean() - want) <= 4.5 * se + 1e-9 * max(1.0, want), (r.mean(), want, se)


def test_residual_at_zero_spent_is_the_distribution_itself():
    # conditioning on X > 0 changes nothing: the mean is the unconditional mean
    p = np.array([*_lognormal(5.0, 6.0), 0.0, 0.0])
    u = np.random.default_rng(3).random(N)
    r = residual(LOGNORMAL, p, np.zeros(N), u)
    se = r.std(ddof=1) / math.sqrt(N)
    assert abs(r.mean() - 5.0) <= 4.5 * se


def test_residual_is_monotone_in_u():
    # one uniform per patient, by inversion: a larger u never gives a shorter residual
    u = np.linspace(0.0, 0.999, 200)
    for code, params in [(GAMMA, (0.6, 8.0, 0, 0)), (WEIBULL, (2.0, 5.0, 0, 0)),
                         (LOGNORMAL, (*_lognormal(5.0, 6.0), 0, 0)), (TRIANGULAR, (1.0, 4.0, 10.0, 0))]:
        r = residual(code, np.array(params, dtype=float), np.full(200, 3.0), u)
        assert np.all(np.diff(r) >= -1e-9), code


def test_residual_rejects_negative_time():
    with pytest.raises(ValueError, match="spent"):
        residual(EXPONENTIAL, np.array([5.0, 0, 0, 0]), np.array([-1.0]), np.array([0.5]))
