"""Distributions: exact moments vs scipy, samples vs theory, CRN prefix consistency.

Tolerances come from confidence intervals: Z = 4 standard errors computed from the
exact moments (two-sided, about 6e-5 per check), never from fudge factors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs

from flowsim.config.schema import Dist
from flowsim.distributions import (
    CODE_NAMES, EMPIRICAL, EXPONENTIAL, FIXED, GAMMA, LOGNORMAL, MAX_PARAMS, TRIANGULAR,
    TRUNCNORMAL, UNIFORM, WEIBULL, cumulative_weights, dist_arrays, dist_mean,
    dist_var, sample,
)

N = 200_000
Z = 4.0
SEED = 20240611

EV = [np.array([5.0, 10.0, 30.0, 60.0]), np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([7.0, 8.0, 9.0])]
EC = [cumulative_weights([1, 2, 3, 4]), cumulative_weights([0, 1, 0, 3, 0]), cumulative_weights([1, 1, 1])]


def P(*xs):
    p = np.zeros(MAX_PARAMS)
    p[: len(xs)] = xs
    return p


def _tn(mu, sd, lo, hi):
    return st.truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)


def _lognorm(mu, s):
    return st.lognorm(s, scale=math.exp(mu))


# (id, code, params, scipy reference or None for discrete)
CASES = [
    ("exponential-1", EXPONENTIAL, P(1.0), st.expon(scale=1.0)),
    ("exponential-240", EXPONENTIAL, P(240.0), st.expon(scale=240.0)),
    ("uniform-0-1", UNIFORM, P(0.0, 1.0), st.uniform(0.0, 1.0)),
    ("uniform-30-90", UNIFORM, P(30.0, 90.0), st.uniform(30.0, 60.0)),
    ("triangular-sym", TRIANGULAR, P(0.0, 5.0, 10.0), st.triang(0.5, loc=0.0, scale=10.0)),
    ("triangular-left", TRIANGULAR, P(10.0, 10.0, 70.0), st.triang(0.0, loc=10.0, scale=60.0)),
    ("triangular-skew", TRIANGULAR, P(60.0, 90.0, 480.0), st.triang(30 / 420, loc=60.0, scale=420.0)),
    ("truncnormal-pos", TRUNCNORMAL, P(240.0, 60.0, 0.0, np.inf), _tn(240.0, 60.0, 0.0, np.inf)),
    ("truncnormal-cut", TRUNCNORMAL, P(30.0, 40.0, 0.0, np.inf), _tn(30.0, 40.0, 0.0, np.inf)),
    ("truncnormal-both", TRUNCNORMAL, P(100.0, 50.0, 80.0, 200.0), _tn(100.0, 50.0, 80.0, 200.0)),
    ("truncnormal-uppertail", TRUNCNORMAL, P(0.0, 1.0, 30.0, 31.0), _tn(0.0, 1.0, 30.0, 31.0)),
    ("truncnormal-lowertail", TRUNCNORMAL, P(0.0, 1.0, -np.inf, -9.0), _tn(0.0, 1.0, -np.inf, -9.0)),
    ("lognormal-a", LOGNORMAL, P(5.0, 0.5), _lognorm(5.0, 0.5)),
    ("lognormal-b", LOGNORMAL, P(1.0, 1.2), _lognorm(1.0, 1.2)),
    ("gamma-a", GAMMA, P(4.0, 60.0), st.gamma(4.0, scale=60.0)),
    ("gamma-b", GAMMA, P(0.5, 10.0), st.gamma(0.5, scale=10.0)),
    ("weibull-a", WEIBULL, P(1.5, 100.0), st.weibull_min(1.5, scale=100.0)),
    ("weibull-b", WEIBULL, P(0.7, 30.0), st.weibull_min(0.7, scale=30.0)),
    ("weibull-c", WEIBULL, P(4.0, 2.0), st.weibull_min(4.0, scale=2.0)),
    ("empirical-0", EMPIRICAL, P(0), None),
    ("empirical-1", EMPIRICAL, P(1), None),
    ("empirical-2", EMPIRICAL, P(2), None),
]
CONT = [c for c in CASES if c[3] is not None]
ALL_WITH_FIXED = CASES + [("fixed", FIXED, P(45.0), None)]


def ids(cases):
    return [c[0] for c in cases]


def draw(code, params, n=N, seed=SEED):
    return sample(code, params, np.random.default_rng(seed), n, EV, EC)


# ----------------------------------------------------------------- exact moments
@pytest.mark.parametrize("name,code,params,ref", CONT, ids=ids(CONT))
def test_moments_match_scipy(name, code, params, ref):
    assert dist_mean(code, params) == pytest.approx(ref.mean(), rel=1e-9, abs=1e-12)
    assert dist_var(code, params) == pytest.approx(ref.var(), rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("k", range(len(EV)))
def test_empirical_moments_match_scipy(k):
    w = np.diff(EC[k], prepend=0.0)
    ref = st.rv_discrete(values=(np.arange(len(EV[k])), w))
    mean = np.dot(w, EV[k])
    assert dist_mean(EMPIRICAL, P(k), EV, EC) == pytest.approx(mean, rel=1e-12)
    # variance of the values via scipy on indices mapped through the values
    var = ref.expect(lambda i: (EV[k][i.astype(int)] - mean) ** 2)
    assert dist_var(EMPIRICAL, P(k), EV, EC) == pytest.approx(var, rel=1e-12)


def test_fixed_moments():
    assert dist_mean(FIXED, P(45.0)) == 45.0 and dist_var(FIXED, P(45.0)) == 0.0


# ------------------------------------------------------------------ samples
@pytest.mark.parametrize("name,code,params,ref", CASES, ids=ids(CASES))
def test_sample_mean_and_variance_within_ci(name, code, params, ref):
    x = draw(code, params)
    assert x.dtype == np.float64 and x.shape == (N,)
    m, v = dist_mean(code, params, EV, EC), dist_var(code, params, EV, EC)
    assert abs(x.mean() - m) <= Z * math.sqrt(v / N)
    # se of the sample variance: sqrt((mu4 - v^2) / n), mu4 the exact 4th central moment
    if ref is not None:
        mu4 = ref.expect(lambda y: (y - m) ** 4)
    else:
        k = int(params[0])
        mu4 = np.dot(np.diff(EC[k], prepend=0.0), (EV[k] - m) ** 4)
    assert abs(x.var(ddof=1) - v) <= Z * math.sqrt((mu4 - v * v) / N)


@pytest.mark.parametrize("name,code,params,ref", CONT, ids=ids(CONT))
def test_kolmogorov_smirnov(name, code, params, ref):
    x = draw(code, params)
    assert st.kstest(x, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize("k", range(len(EV)))
def test_empirical_frequencies(k):
    x = draw(EMPIRICAL, P(k))
    w = np.diff(EC[k], prepend=0.0)
    counts = np.array([(x == v).sum() for v in EV[k]])
    assert counts.sum() == N
    assert np.all(counts[w == 0] == 0)
    pos = w > 0
    assert np.all(np.abs(counts[pos] - N * w[pos]) <= Z * np.sqrt(N * w[pos] * (1 - w[pos])))
    if pos.sum() > 1:
        assert st.chisquare(counts[pos], N * w[pos]).pvalue > 1e-3


def test_zero_weights_never_drawn_even_with_rounding():
    # 0.1 + 0.2 + ... rounds; trailing and leading zeros own empty intervals
    cum = cumulative_weights([0.0, 0.1, 0.2, 0.7, 0.0, 0.0])
    assert cum[0] == 0.0 and np.all(cum[3:] == 1.0)
    u = np.array([0.0, np.nextafter(1.0, 0.0), cum[1], cum[2], np.nextafter(cum[1], 0.0)])
    x = sample(EMPIRICAL, P(0), _FixedU(u), len(u), [np.arange(6.0)], [cum])
    assert set(x.tolist()) <= {1.0, 2.0, 3.0}
    assert x[0] == 1.0 and x[1] == 3.0


class _FixedU:
    """A stand-in generator that returns given uniforms (for edge cases)."""

    def __init__(self, u):
        self.u = np.asarray(u, dtype=float)

    def random(self, n):
        return self.u[:n].copy()


def test_cumulative_weights_rejects_bad_weights():
    for bad in ([], [0, 0], [1, -1], [1, np.nan]):
        with pytest.raises(ValueError):
            cumulative_weights(bad)


# ------------------------------------------------------------------ CRN
@pytest.mark.parametrize("name,code,params,ref", ALL_WITH_FIXED, ids=ids(ALL_WITH_FIXED))
@pytest.mark.parametrize("m,n", [(1, 2), (10, 1000), (999, 5000)])
def test_prefix_consistency(name, code, params, ref, m, n):
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    assert np.array_equal(sample(code, params, a, m, EV, EC), sample(code, params, b, n, EV, EC)[:m])


def test_fixed_consumes_no_randomness():
    rng = np.random.default_rng(3)
    assert np.array_equal(sample(FIXED, P(45.0), rng, 5), np.full(5, 45.0))
    assert rng.random() == np.random.default_rng(3).random()


def test_zero_draws_and_bad_input():
    assert sample(EXPONENTIAL, P(1.0), np.random.default_rng(0), 0).shape == (0,)
    with pytest.raises(ValueError):
        sample(EXPONENTIAL, P(1.0), np.random.default_rng(0), -1)
    with pytest.raises(ValueError):
        sample(99, P(1.0), np.random.default_rng(0), 3)
    with pytest.raises(ValueError):
        dist_mean(99, P(1.0))


# ------------------------------------------------------------- support (property)
finite = hs.floats(0.0, 1e4, allow_nan=False)
sd = hs.floats(1e-3, 1e3)


@settings(max_examples=200, deadline=None)
@given(mu=hs.floats(-1e3, 1e3), sd=sd, lo=hs.floats(-1e3, 1e3), width=hs.floats(1e-3, 1e3),
       upper=hs.booleans(), seed=hs.integers(0, 2**32 - 1))
def test_truncnormal_within_support(mu, sd, lo, width, upper, seed):
    hi = lo + width if upper else np.inf
    x = sample(TRUNCNORMAL, P(mu, sd, lo, hi), np.random.default_rng(seed), 500)
    assert np.all(np.isfinite(x)) and np.all(x >= lo) and np.all(x <= hi)
    assert lo <= dist_mean(TRUNCNORMAL, P(mu, sd, lo, hi)) <= hi


@settings(max_examples=200, deadline=None)
@given(a=finite, w1=finite, w2=finite, seed=hs.integers(0, 2**32 - 1))
def test_uniform_triangular_within_support(a, w1, w2, seed):
    b = a + w1 + w2
    x = sample(UNIFORM, P(a, b), np.random.default_rng(seed), 500)
    assert np.all((x >= a) & (x <= b))
    if b > a:
        x = sample(TRIANGULAR, P(a, a + w1, b), np.random.default_rng(seed), 500)
        assert np.all((x >= a) & (x <= b))


@settings(max_examples=200, deadline=None)
@given(code=hs.sampled_from([EXPONENTIAL, LOGNORMAL, GAMMA, WEIBULL]),
       p0=hs.floats(0.05, 50.0), p1=hs.floats(0.05, 5.0), seed=hs.integers(0, 2**32 - 1))
def test_positive_families_non_negative(code, p0, p1, seed):
    params = P(p0, p1) if code != LOGNORMAL else P(math.log(p0), p1)
    x = sample(code, params, np.random.default_rng(seed), 500)
    assert np.all(np.isfinite(x)) and np.all(x >= 0)


@settings(max_examples=200, deadline=None)
@given(weights=hs.lists(hs.sampled_from([0.0, 0.1, 0.2, 0.3, 1.0, 7.0]), min_size=1, max_size=12)
       .filter(lambda w: sum(w) > 0), seed=hs.integers(0, 2**32 - 1))
def test_empirical_draws_only_positive_weights(weights, seed):
    values = np.arange(len(weights), dtype=float)
    x = sample(EMPIRICAL, P(0), np.random.default_rng(seed), 2000, [values], [cumulative_weights(weights)])
    assert set(x.astype(int).tolist()) <= {i for i, w in enumerate(weights) if w > 0}


# ---------------------------------------------------------- from the config schema
def _dist(d):
    return Dist.model_validate(d)


def test_dist_arrays_from_schema():
    ev, ec = [], []
    code, p = dist_arrays(_dist({"lognormal": {"mean": "3 h", "sd": "2 h"}}), ev, ec)
    assert code == LOGNORMAL and p.shape == (MAX_PARAMS,)
    assert dist_mean(code, p) == pytest.approx(180.0, rel=1e-12)
    assert dist_var(code, p) == pytest.approx(120.0**2, rel=1e-12)

    code, p = dist_arrays(_dist({"gamma": {"mean": "10 min", "sd": "5 min"}}), ev, ec)
    assert code == GAMMA and p[0] == pytest.approx(4.0) and p[1] == pytest.approx(2.5)

    code, p = dist_arrays(_dist({"normal": {"mean": "4 h", "sd": "1 h"}}), ev, ec)
    assert code == TRUNCNORMAL and list(p) == [240.0, 60.0, 0.0, np.inf]

    code, p = dist_arrays(_dist({"weibull": {"shape": 2, "scale": "1 days"}}), ev, ec)
    assert code == WEIBULL and list(p[:2]) == [2.0, 1440.0]
    code, p = dist_arrays(_dist({"triangular": {"min": "1 h", "mode": "2 h", "max": "6 h"}}), ev, ec)
    assert code == TRIANGULAR and list(p[:3]) == [60.0, 120.0, 360.0]
    code, p = dist_arrays(_dist({"uniform": {"min": "1 h", "max": "2 h"}}), ev, ec)
    assert code == UNIFORM and list(p[:2]) == [60.0, 120.0]
    code, p = dist_arrays(_dist({"exponential": {"mean": "30 min"}}), ev, ec)
    assert code == EXPONENTIAL and p[0] == 30.0
    code, p = dist_arrays(_dist({"fixed": {"value": "1 h"}}), ev, ec)
    assert code == FIXED and p[0] == 60.0

    code, p = dist_arrays(_dist({"empirical": {"values": ["1 h", "2 h"]}}), ev, ec)
    code2, p2 = dist_arrays(_dist({"empirical": {"values": ["1 h", "2 h", "3 h"], "weights": [1, 0, 0]}}), ev, ec)
    assert code == code2 == EMPIRICAL and (p[0], p2[0]) == (0, 1)
    assert list(ec[0]) == [0.5, 1.0] and list(ec[1]) == [1.0, 1.0, 1.0]
    assert dist_mean(code, p, ev, ec) == 90.0 and dist_var(code2, p2, ev, ec) == 0.0


def test_every_code_has_a_name():
    assert len(CODE_NAMES) == 9
    for name, code, params, _ in ALL_WITH_FIXED:
        assert name.startswith(CODE_NAMES[code])
    assert {c[1] for c in ALL_WITH_FIXED} == set(range(len(CODE_NAMES)))
