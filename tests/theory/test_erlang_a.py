"""Blocked waits that end another way against Erlang A (M/M/c+M).

Patients leave a ward (a delay node: its output is Poisson) on a blocking route to
a reablement pool of c packages with exponential durations; a patient blocked in
the queue takes another route after an exponential time (``give_up``). Capacity
is half of demand, as the National Audit of Intermediate Care 2015 reports, so
only the give-up gives the queue a steady state. Its length is the birth-death
chain with death rate min(n, c) mu + max(n - c, 0) theta; the share of patients
who take another route is theta E[Q] / lambda, and the mean number blocked is
E[Q], the ward's delayed bed days per day. Each check takes one observation per
replication and asserts the theoretical value lies in the 99% t interval.
"""

from __future__ import annotations

import numpy as np
import pytest
from queueing import simulate, t_interval

LEVEL = 0.99
LAM, C, MEAN_S, MEAN_PATIENCE = 10.0, 20, 4.0, 5.0   # per day, packages, days, days

MODEL = f"""
name: Erlang A
run: {{horizon: 1060 days, warm_up: 60 days}}
sources: {{discharges: {{to: ward, rate: {LAM} per day}}}}
services:
  ward:
    kind: delay
    setting: acute
    bed: true
    duration: {{exponential: {{mean: 1 min}}}}
    routes:
      - to: reablement
        p: 1
        blocking: true
        give_up:
          after: {{exponential: {{mean: {MEAN_PATIENCE} days}}}}
          routes: [{{to: home_care, p: 0.6}}, {{to: home, p: 0.4}}]
  reablement:
    kind: queue
    setting: social_care
    servers: {C}
    duration: {{exponential: {{mean: {MEAN_S} days}}}}
    routes: [{{to: home, p: 1}}]
  home_care:
    kind: delay
    setting: social_care
    duration: {{exponential: {{mean: 30 days}}}}
    routes: [{{to: home, p: 1}}]
"""


def erlang_a(lam: float, c: int, mu: float, theta: float, n_max: int = 2000) -> tuple[float, float]:
    """(mean queue length, share abandoning) of M/M/c+M, from its birth-death chain."""
    w = np.ones(n_max + 1)
    for n in range(1, n_max + 1):
        w[n] = w[n - 1] * lam / (min(n, c) * mu + max(n - c, 0) * theta)
    pi = w / w.sum()
    eq = float(np.sum(np.maximum(np.arange(n_max + 1) - c, 0) * pi))
    return eq, theta * eq / lam


def test_erlang_a_chain_limits():
    """No abandonment in the limit theta -> 0 below capacity: the M/M/c queue length."""
    from queueing import mmc_wq
    eq, share = erlang_a(5.0, 8, 1.0, 1e-9)
    assert eq == pytest.approx(5.0 * mmc_wq(8, 5.0, 1.0), rel=1e-6) and share < 1e-8


@pytest.fixture(scope="module")
def runs():
    return [simulate(MODEL, 2026, r, "compiled") for r in range(6)]


def test_blocked_queue_with_give_up_matches_erlang_a(runs):
    eq, share = erlang_a(LAM, C, 1 / MEAN_S, 1 / MEAN_PATIENCE)
    days = 1000.0
    blocked = [m["node.ward.delayed_bed_days"] / days for _, _, m in runs]
    took = [m["other_route"] / m["node.reablement.arrivals"] for _, _, m in runs]
    for x, theory in ((blocked, eq), (took, share)):
        _, lo, hi = t_interval(x, LEVEL)
        assert lo <= theory <= hi, (theory, lo, hi)
    assert share > 0.4  # capacity half of demand: about half take another route


def test_where_they_went_sums_to_the_total_and_follows_the_shares(runs):
    for net, log, m in runs:
        to_hc, to_home = m["other_route.reablement.home_care"], m["other_route.reablement.home"]
        assert to_hc + to_home == m["other_route"] == m["node.reablement.other_route"]
        assert abs(to_hc / m["other_route"] - 0.6) < 0.03  # ~2,500 a replication: sd ~0.01
