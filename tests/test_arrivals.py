"""Arrivals: the weekly NHPP by inversion against its integrated rate and a thinning reference.

Tolerances are Poisson confidence bounds (4 sd) and chi-square tests at p > 0.001.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs

from flowsim.arrivals import BLOCK, MINUTES_PER_WEEK, arrival_times, cohort_of, integrated_rate
from flowsim.distributions import cumulative_weights

Z = 4.0
WEEKS = 200


def profile() -> np.ndarray:
    """Per-minute rate: distinct hour-of-day and weekday weights, nights closed, Sunday shut."""
    by_hour = np.r_[np.zeros(6), np.linspace(0.5, 3.0, 12), np.linspace(2.5, 1.0, 6)]  # 0-5 closed
    by_day = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.6, 0.0])                               # Sunday closed
    rate = np.outer(by_day, by_hour).ravel() / 60.0 * 0.8                               # per minute
    rate[24 * 2 + 12] = 0.0                                                              # Wednesday noon
    return rate


def hour_counts(t):
    return np.bincount((np.floor(t / 60.0).astype(np.int64)) % 168, minlength=168)


def thinning_reference(rng, rate, horizon):
    """Slow and obvious: candidates at the max rate, kept with p = rate(t) / max at each candidate."""
    lam = rate.max()
    out, t = [], 0.0
    while True:
        t += rng.exponential(1.0 / lam)
        if t >= horizon:
            return np.array(out)
        if rng.random() < rate[int(t // 60.0) % 168] / lam:
            out.append(t)


@pytest.fixture(scope="module")
def long_run():
    rate = profile()
    horizon = WEEKS * MINUTES_PER_WEEK
    return rate, horizon, arrival_times(np.random.default_rng(12345), rate, horizon)


def test_sorted_and_in_range(long_run):
    rate, horizon, t = long_run
    assert t.dtype == np.float64 and t.ndim == 1 and t.size > 0
    assert np.all(np.diff(t) >= 0)
    assert t[0] >= 0 and t[-1] < horizon


def test_no_arrivals_in_zero_rate_hours(long_run):
    rate, _, t = long_run
    counts = hour_counts(t)
    assert counts[rate == 0].sum() == 0
    assert np.all(counts[rate > 0] > 0)


def test_hour_of_week_counts_match_integrated_rate(long_run):
    rate, horizon, t = long_run
    counts = hour_counts(t)
    expected = rate * 60.0 * WEEKS
    pos = expected > 0
    assert np.all(np.abs(counts[pos] - expected[pos]) <= Z * np.sqrt(expected[pos]))
    assert st.chisquare(counts[pos], expected[pos] * counts.sum() / expected.sum()).pvalue > 1e-3
    # total: Poisson with mean Lambda(horizon)
    total = integrated_rate(rate, horizon)
    assert total == pytest.approx(expected.sum())
    assert abs(t.size - total) <= Z * np.sqrt(total)


def test_within_hour_uniform(long_run):
    # given the count in a constant-rate hour, the times are uniform in it
    _, _, t = long_run
    assert st.kstest(np.mod(t, 60.0) / 60.0, "uniform").pvalue > 1e-3


def test_weekly_counts_are_poisson(long_run):
    # counts per week: mean = variance = Lambda(week) (dispersion test)
    rate, _, t = long_run
    weekly = np.bincount((t // MINUTES_PER_WEEK).astype(np.int64), minlength=WEEKS)
    lam = rate.sum() * 60.0
    stat = ((weekly - lam) ** 2).sum() / lam  # ~ chi2(WEEKS)
    assert st.chi2.sf(stat, WEEKS) > 1e-3 and st.chi2.cdf(stat, WEEKS) > 1e-3


def test_agrees_with_thinning_reference():
    rate, weeks = profile(), 60
    horizon = weeks * MINUTES_PER_WEEK
    fast = arrival_times(np.random.default_rng(1), rate, horizon)
    slow = thinning_reference(np.random.default_rng(2), rate, horizon)
    assert hour_counts(slow)[rate == 0].sum() == 0
    # two independent samples of the same process: per-hour counts homogeneous
    cf, cs = hour_counts(fast), hour_counts(slow)
    pos = rate > 0
    table = np.vstack([cf[pos], cs[pos]])
    assert st.chi2_contingency(table).pvalue > 1e-3
    # totals: difference of two Poisson(L) counts has variance 2L
    L = integrated_rate(rate, horizon)
    assert abs(fast.size - slow.size) <= Z * np.sqrt(2 * L)
    assert st.ks_2samp(fast, slow).pvalue > 1e-3


@pytest.mark.parametrize("short,long", [(1.0, 2.0), (500.0, 10080.0), (9000.0, 20 * 10080.0), (3.5 * 10080, 3.5 * 10080 + 1e-9)])
def test_prefix_consistency_across_horizons(short, long):
    rate = profile()
    a = arrival_times(np.random.default_rng(99), rate, short)
    b = arrival_times(np.random.default_rng(99), rate, long)
    assert np.array_equal(a, b[b < short])


def test_block_boundaries_continue_the_process():
    # a horizon needing several blocks: the count is still right, and no duplicates
    rate = np.full(168, 1.0)  # 1 per minute: ~10080 per week, several blocks of BLOCK
    t = arrival_times(np.random.default_rng(5), rate, 3 * MINUTES_PER_WEEK)
    L = 3 * MINUTES_PER_WEEK
    assert L > 5 * BLOCK
    assert abs(t.size - L) <= Z * np.sqrt(L)
    assert np.all(np.diff(t) > 0)
    gaps = np.diff(np.r_[0.0, t])
    assert st.kstest(gaps, "expon").pvalue > 1e-3


def test_zero_rate_and_zero_horizon():
    rng = np.random.default_rng(0)
    assert arrival_times(rng, np.zeros(168), 1e6).shape == (0,)
    assert arrival_times(rng, profile(), 0.0).shape == (0,)
    assert rng.random() == np.random.default_rng(0).random()  # nothing consumed


def test_single_open_hour():
    rate = np.zeros(168)
    rate[100] = 0.5
    t = arrival_times(np.random.default_rng(3), rate, 50 * MINUTES_PER_WEEK)
    h = hour_counts(t)
    assert h.sum() == h[100] and abs(h[100] - 50 * 30) <= Z * np.sqrt(50 * 30)


def test_bad_rates_rejected():
    rng = np.random.default_rng(0)
    for bad in (np.ones((7, 24)), np.zeros(0), np.r_[np.ones(167), -1.0], np.r_[np.ones(167), np.nan]):
        with pytest.raises(ValueError):
            arrival_times(rng, bad, 100.0)


def test_integrated_rate():
    rate = profile()
    assert integrated_rate(rate, 0.0) == 0.0
    assert integrated_rate(rate, MINUTES_PER_WEEK) == pytest.approx(rate.sum() * 60)
    assert integrated_rate(rate, 90.0) == pytest.approx(0.0)  # 01:30 Monday, closed
    assert integrated_rate(rate, 7 * 60 + 30) == pytest.approx(rate[6] * 60 + rate[7] * 30)


@settings(max_examples=100, deadline=None)
@given(rate=hs.lists(hs.sampled_from([0.0, 0.0, 0.01, 0.1, 1.0]), min_size=168, max_size=168),
       horizon=hs.floats(0.0, 3 * 10080.0), seed=hs.integers(0, 2**32 - 1))
def test_property_support(rate, horizon, seed):
    rate = np.array(rate)
    t = arrival_times(np.random.default_rng(seed), rate, horizon)
    assert np.all(np.diff(t) >= 0) and np.all((t >= 0) & (t < horizon))
    assert np.all(rate[hour_counts(t) > 0] > 0)


# -------------------------------------------------------------------- cohorts
def test_cohort_of_frequencies_and_zero_weights():
    w = np.array([0.0, 0.2, 0.0, 0.5, 0.3, 0.0])
    cum = cumulative_weights(w)
    n = 200_000
    c = cohort_of(np.random.default_rng(4).random(n), cum)
    assert c.dtype == np.int16
    counts = np.bincount(c, minlength=len(w))
    assert np.all(counts[w == 0] == 0)
    pos = w > 0
    assert np.all(np.abs(counts[pos] - n * w[pos]) <= Z * np.sqrt(n * w[pos] * (1 - w[pos])))
    assert st.chisquare(counts[pos], n * w[pos]).pvalue > 1e-3


def test_cohort_of_edges():
    cum = cumulative_weights([0.0, 1.0, 0.0])
    u = np.array([0.0, 0.5, np.nextafter(1.0, 0.0)])
    assert cohort_of(u, cum).tolist() == [1, 1, 1]
    with pytest.raises(ValueError):
        cohort_of(np.array([1.0]), cum)
    with pytest.raises(ValueError):
        cohort_of(np.array([0.5]), np.array([0.3, 0.9]))


# ------------------------------------------------- rate_by_hour on the days it applies (issue 14)
# A clinic open on Tuesdays only, entered from published hourly rates that sum to 227 a day.
CLINIC_BY_HOUR = [0, 0, 0, 0, 0, 0, 0, 0, 20, 30, 30, 25, 20, 22, 25, 25, 15, 10, 5, 0, 0, 0, 0, 0]
CLINIC_YAML = f"""
name: a clinic open one weekday
run: {{horizon: 26 weeks, warm_up: 0}}
sources:
  referrals: {{to: clinic, rate_by_hour: {CLINIC_BY_HOUR}, by_weekday: [0, 1, 0, 0, 0, 0, 0]}}
services:
  clinic:
    kind: delay
    setting: community
    duration: {{fixed: {{value: 20 min}}}}
    routes: [{{to: home, p: 1}}]
"""


def test_rate_by_hour_means_arrivals_per_hour_on_the_days_it_applies():
    """227 a Tuesday and none on other days (weights of mean 1 gave 7 x 227 = 1,589 a Tuesday).
    Over 26 Tuesdays the count is Poisson(26 x 227): inside its 99.9% interval."""
    from flowsim import build_network, make_draws
    from flowsim.config import parse_config

    assert sum(CLINIC_BY_HOUR) == 227
    net = build_network(parse_config(CLINIC_YAML))
    assert integrated_rate(net.source_rate[0], 7 * 1440.0) == pytest.approx(227.0, rel=1e-12)
    t = make_draws(net, 14, 0).arrive
    assert np.all((t // 1440) % 7 == 1)  # Tuesdays only
    lo, hi = st.poisson.interval(0.999, 26 * 227)
    assert lo <= len(t) <= hi
    weekly = np.bincount((t // MINUTES_PER_WEEK).astype(int), minlength=26)
    assert 150 < weekly.min() and weekly.max() < 320  # each Tuesday ~227, never ~1,589


def test_weekday_weights_of_rate_by_hour_scale_in_proportion_to_the_largest():
    from flowsim.arrivals import weekly_rate

    class Src:
        rate, by_hour, rate_by_hour, by_weekday = None, None, [60.0] * 24, [2, 2, 2, 2, 2, 1, 0]
    r = weekly_rate(Src()).reshape(7, 24)
    assert np.allclose(r[:5], 1.0) and np.allclose(r[5], 0.5) and np.allclose(r[6], 0.0)  # per minute


def test_compiled_inversion_is_the_numpy_one_bit_for_bit():
    """``_invert_into`` (compiled, used by ``arrival_times``) against its numpy twin ``_invert`` on random
    rates with closed hours and random cumulative hazards, including exact multiples of a period and
    the values just below them (where the rounding branches act): every bit of every time equal."""
    from flowsim.arrivals import _hazard, _invert, _invert_into

    rng = np.random.default_rng(20261201)
    for trial in range(40):
        P = (168, 24, 1, 500)[trial % 4]
        rate = rng.exponential(1.0, P) * (rng.random(P) > 0.3) * 10 ** rng.uniform(-4, 1)
        rate[0] += 0.5 * (rate.sum() == 0)
        H = _hazard(rate)
        s = np.sort(rng.uniform(0, H[-1] * 50, 2000))
        s[:10] = H[-1] * np.arange(10)
        s[10:20] = np.nextafter(H[-1] * np.arange(1, 11), 0)
        want = _invert(s.copy(), rate, H)
        got = np.empty_like(s)
        _invert_into(s, rate, H, got)
        assert np.array_equal(want.view(np.int64), got.view(np.int64)), (trial, P)
