"""Per-visit variates of randomness contract v3 (v2's counters, AS 241's normal quantile): every family
against its exact moments and CDF, and the normal quantile against scipy."""

import math

import numpy as np
import pytest
from scipy import special, stats

from flowsim import distributions as D
from flowsim.counter import stream_key, uniforms
from flowsim.variates import flat_empirical, ndtri, variate, variates

N = 200_000
EMP = ([np.array([1.0, 2.0, 5.0, 9.0])], [D.cumulative_weights([2, 3, 5, 0])])
FLAT = flat_empirical(*EMP)

CASES = [  # code, params, scipy distribution (None: moments only)
    (D.EXPONENTIAL, (3.0,), stats.expon(scale=3.0)),
    (D.UNIFORM, (1.0, 4.0), stats.uniform(1.0, 3.0)),
    (D.TRIANGULAR, (1.0, 2.0, 6.0), stats.triang(0.2, loc=1.0, scale=5.0)),
    (D.TRUNCNORMAL, (5.0, 2.0, 0.0, 20.0), stats.truncnorm(-2.5, 7.5, loc=5.0, scale=2.0)),
    (D.TRUNCNORMAL, (0.0, 1.0, 2.0, 3.0), stats.truncnorm(2.0, 3.0)),
    (D.TRUNCNORMAL, (10.0, 1.0, 2.0, 8.5), stats.truncnorm(-8.0, -1.5, loc=10.0)),
    (D.LOGNORMAL, (1.0, 0.5), stats.lognorm(0.5, scale=math.e)),
    (D.GAMMA, (2.5, 1.5), stats.gamma(2.5, scale=1.5)),
    (D.GAMMA, (0.4, 2.0), stats.gamma(0.4, scale=2.0)),
    (D.GAMMA, (1.0, 7.0), stats.gamma(1.0, scale=7.0)),
    (D.WEIBULL, (1.5, 2.0), stats.weibull_min(1.5, scale=2.0)),
    (D.EMPIRICAL, (0.0,), None),
]


def _draw(code, prm, n=N, seed=11, j=0):
    P = np.zeros((1, D.MAX_PARAMS))
    P[0, :len(prm)] = prm
    key = stream_key(seed, 0, f"test:{code}:{prm}")
    return variates(code, P, 0, *FLAT, np.full(n, key), np.arange(n), j), P


@pytest.mark.parametrize("code,prm,dist", CASES, ids=[f"{D.CODE_NAMES[c[0]]}{c[1]}" for c in CASES])
def test_each_family_has_its_exact_mean_variance_and_distribution(code, prm, dist):
    x, P = _draw(code, prm)
    m, v = D.dist_mean(code, P[0], *EMP), D.dist_var(code, P[0], *EMP)
    assert abs(x.mean() - m) < 4.0 * math.sqrt(v / N)       # 4 standard errors of the mean
    assert abs(x.var() / v - 1.0) < 0.03                     # > 4 standard errors of the variance here
    if dist is not None:
        assert stats.kstest(x, dist.cdf).pvalue > 1e-3       # fixed seed: a fixed p-value
    else:
        vals, counts = np.unique(x, return_counts=True)
        assert vals.tolist() == [1.0, 2.0, 5.0]              # a zero weight is never drawn
        assert np.allclose(counts / N, [0.2, 0.3, 0.5], atol=4 * math.sqrt(0.25 / N))


def test_inverse_cdf_families_increase_with_the_uniform():
    n = 5_000
    u = uniforms(stream_key(11, 0, "mono"), np.arange(n), 0, 0)
    order = np.argsort(u)
    for code, prm, _ in CASES:
        if code == D.GAMMA:
            continue
        P = np.zeros((1, D.MAX_PARAMS))
        P[0, :len(prm)] = prm
        x = variates(code, P, 0, *FLAT, np.full(n, stream_key(11, 0, "mono")), np.arange(n), 0)
        assert np.all(np.diff(x[order]) >= 0), D.CODE_NAMES[code]


def test_truncated_normal_stays_inside_its_bounds_far_in_either_tail():
    for prm in [(0.0, 1.0, 8.0, 9.0), (0.0, 1.0, -9.0, -8.0), (0.0, 1.0, 40.0, 41.0)]:
        x, _ = _draw(D.TRUNCNORMAL, prm, n=2_000)
        assert np.all((x >= prm[2]) & (x <= prm[3]))
    x, _ = _draw(D.TRUNCNORMAL, (0.0, 1.0, 8.0, 9.0), n=20_000)
    m = stats.truncnorm(8.0, 9.0).mean()
    assert abs(x.mean() - m) < 4 * stats.truncnorm(8.0, 9.0).std() / math.sqrt(20_000)


def ndtris(p):
    return np.array([ndtri(x) for x in p])


def _dense_p():
    """Probabilities from 1e-300 to 1 - 1e-16, dense in the centre and log-spaced in both tails,
    with the three branch points of AS 241 (|p - 1/2| = 0.425, r = sqrt(-log p) = 5) among them."""
    return np.concatenate([10.0 ** -np.linspace(1, 300, 3000), np.linspace(1e-6, 1 - 1e-6, 200_001),
                           1 - 10.0 ** -np.linspace(1, 16, 1000), [0.075, 0.925, math.exp(-25), 1 - math.exp(-25),
                                                                   2.0 ** -54, 1 - 2.0 ** -53, 5e-324]])


def test_ndtri_agrees_with_scipy_to_a_few_units_in_the_last_place():
    # AS 241 is exact to ~1e-16 before rounding; evaluating a degree-7 rational function in
    # double precision adds a few ulp (measured max 1.03e-15 against scipy's cephes ndtri,
    # itself good to a few ulp), so 2e-15 (~9 ulp) bounds the two implementations' sum
    p = _dense_p()
    mine, ref = ndtris(p), special.ndtri(p)
    assert np.all(np.abs(mine - ref) <= 2e-15 * np.abs(ref))
    assert ndtri(0.5) == 0.0 and ndtri(0.0) == -math.inf and ndtri(1.0) == math.inf


def test_ndtri_increases_with_p_up_to_rounding_also_across_its_branch_points():
    p = np.unique(_dense_p())
    x = ndtris(p)
    assert np.all(np.diff(x) > 0)                            # distinct probabilities, distinct values
    for c in [0.075, 0.925, math.exp(-25), 1 - math.exp(-25), 0.5]:
        g = c + np.spacing(c) * np.arange(-3000, 3001)      # every float around a branch point
        d = np.diff(ndtris(g))
        # adjacent floats may swap by one rounding of the value (as any floating-point
        # quantile can; the Acklam + Halley ndtri of v2 did too), never by more: no jump
        # where one rational function hands over to the next
        assert np.all(d >= -np.spacing(np.abs(ndtris(g[1:])))), c
        assert ndtris(g[-1:])[0] > ndtris(g[:1])[0]


def test_a_draw_is_a_function_of_its_counter_only():
    P = np.array([[2.0, 1.5, 0.0, 0.0]])
    key = stream_key(3, 2, "duration:ward:ed:adult")
    one = variate(D.GAMMA, P, 0, *FLAT, key, 123, 4)
    many = variates(D.GAMMA, P, 0, *FLAT, np.full(300, key), np.arange(300), 4)
    assert many[123] == one                                  # not of the other patients drawn with it
    assert variate(D.GAMMA, P, 0, *FLAT, key, 123, 5) != one  # another visit, another number
