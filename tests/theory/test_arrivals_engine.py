"""Hourly arrival counts of time-varying sources, through the whole pipeline.

YAML -> Network -> Draws -> SimPy engine -> event log: the arrivals counted are
the rows at each entry node with no previous node. Over 52 whole weeks, the count
in hour-of-week h is Poisson with mean 52 x (integrated rate over that hour), and
counts in different hours are independent. The expected rates are worked out here
from the YAML numbers as the config reference states them (with ``rate``, weights
normalised to mean 1; with ``rate_by_hour``, weekday weights over their largest, so the
hourly rates hold on the days of the largest weight), not from ``arrivals.weekly_rate``.

Two checks per source, each at family level 0.001: every one of the 168 counts
inside its Poisson interval at level 0.001 / 168 (Bonferroni), and a chi-square
test of all 168 counts together (168 degrees of freedom: the total is not fixed).
Hours of zero rate must have no arrivals at all.
"""

from __future__ import annotations

import numpy as np
import pytest
from queueing import simulate
from scipy import stats

WEEKS = 52
ALPHA = 0.001

BY_HOUR = [0.0, 0.0, 0.2, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 2.5, 2.5, 2.2,
           2.0, 1.8, 1.8, 1.7, 1.6, 1.5, 1.3, 1.1, 0.9, 0.7, 0.4, 0.2]
BY_WEEKDAY = [1.4, 1.1, 1.0, 1.0, 0.9, 0.4, 0.2]
RATE_PER_DAY = 180.0
RATE_BY_HOUR = [2, 1, 1, 0.5, 0.5, 1, 3, 8, 14, 16, 15, 13,
                12, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]     # per hour
BY_WEEKDAY_2 = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]          # closed at weekends

YAML = f"""
name: time-varying arrivals
run: {{horizon: {WEEKS} weeks, warm_up: 1 day}}
sources:
  walk_in:
    to: ed
    rate: {RATE_PER_DAY} per day
    by_hour: {BY_HOUR}
    by_weekday: {BY_WEEKDAY}
  clinic:
    to: clinic
    rate_by_hour: {RATE_BY_HOUR}
    by_weekday: {BY_WEEKDAY_2}
services:
  ed:
    kind: delay
    setting: ed
    duration: {{exponential: {{mean: 3 h}}}}
    routes: [{{to: home, p: 1}}]
  clinic:
    kind: delay
    setting: community
    duration: {{fixed: {{value: 20 min}}}}
    routes: [{{to: home, p: 1}}]
"""


def expected_per_hour_of_week(per_hour_of_day, weekday, by_hour_as_given=False) -> np.ndarray:
    """Mean arrivals in each hour of one week (Monday 00:00 first)."""
    w = np.asarray(weekday, dtype=float)
    w = w / (w.max() if by_hour_as_given else w.mean())
    return np.concatenate([np.asarray(per_hour_of_day, dtype=float) * w[d] for d in range(7)])


EXPECTED = {
    "ed": expected_per_hour_of_week(
        RATE_PER_DAY / 24 * np.asarray(BY_HOUR) / np.mean(BY_HOUR), BY_WEEKDAY),
    "clinic": expected_per_hour_of_week(RATE_BY_HOUR, BY_WEEKDAY_2, by_hour_as_given=True),
}


@pytest.fixture(scope="module")
def run():
    net, log, _ = simulate(YAML, seed=168, replication=0)
    return net, log


@pytest.mark.parametrize("node", ["ed", "clinic"])
def test_hour_of_week_counts_match_integrated_rate(run, node, record_property):
    net, log = run
    n = net.node_names.index(node)
    new = (log.node == n) & (log.prev == -1)
    how = (log.arrive[new] // 60.0).astype(np.int64) % 168
    observed = np.bincount(how, minlength=168)
    mu = WEEKS * EXPECTED[node]

    zero = mu == 0
    assert observed[zero].sum() == 0, "arrivals in hours of zero rate"
    lo = stats.poisson.ppf(ALPHA / 168 / 2, mu[~zero])
    hi = stats.poisson.isf(ALPHA / 168 / 2, mu[~zero])
    outside = np.flatnonzero((observed[~zero] < lo) | (observed[~zero] > hi))
    assert len(outside) == 0, f"hours outside their Poisson bounds: {np.flatnonzero(~zero)[outside]}"

    chi2 = float((((observed - mu) ** 2)[~zero] / mu[~zero]).sum())
    dof = int((~zero).sum())
    p = float(stats.chi2.sf(chi2, dof))
    total = int(observed.sum())
    record_property("theory", f"arrivals {node}: total {total} vs expected {mu.sum():.1f}; "
                              f"chi2 {chi2:.1f} on {dof} df, p = {p:.3f}")
    print(f"{node}: total {total} expected {mu.sum():.1f}; chi2 {chi2:.1f} on {dof} df, p={p:.3f}")
    assert p > ALPHA


def test_every_source_arrival_enters_the_model_once(run):
    """Each patient's first row is at its source's entry node, with no previous node."""
    net, log = run
    new = log.prev == -1
    assert len(np.unique(log.patient[new])) == new.sum() == log.patients
