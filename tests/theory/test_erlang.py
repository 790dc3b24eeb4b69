"""M/M/c against Erlang C and M/G/c/c against Erlang B.

Each check runs independent replications (fixed seed, replication r), takes one
observation per replication over the window [warm-up, horizon) and asserts that
the theoretical value lies inside the 99% Student-t interval of the mean. The
queue starts empty; a 20-day warm-up is hundreds of relaxation times of these
queues (the slowest, rho = 0.9 with c = 5 and 1 h service, relaxes in ~3 days).
"""

from __future__ import annotations


import numpy as np
import pytest
from queueing import (birth_death_stationary, erlang_b, erlang_c, mmc_wq, simulate,
                      t_interval)

LEVEL = 0.99


# ------------------------------------------------------- the formulas themselves
@pytest.mark.parametrize("c, a", [(1, 0.5), (2, 1.4), (5, 3.5), (5, 4.5), (12, 10.0), (40, 36.0)])
def test_erlang_c_matches_birth_death_chain(c, a):
    pi = birth_death_stationary(c, lam=a, mu=1.0, k_max=None)
    assert erlang_c(c, a) == pytest.approx(pi[c:].sum(), rel=1e-9)
    # mean queue length / lambda = mean wait (Little), from the chain directly
    lq = float(np.sum(np.arange(len(pi) - c) * pi[c:]))
    assert mmc_wq(c, a, 1.0) == pytest.approx(lq / a, rel=1e-9)


@pytest.mark.parametrize("c, a", [(1, 0.5), (3, 2.0), (10, 8.0), (30, 35.0)])
def test_erlang_b_matches_birth_death_chain(c, a):
    pi = birth_death_stationary(c, lam=a, mu=1.0, k_max=c)
    assert erlang_b(c, a) == pytest.approx(pi[c], rel=1e-12)


def test_erlang_known_values():
    # textbook values: B(1, a) = a / (1 + a); C(1, a) = a; C(2, 1) = 1/3
    assert erlang_b(1, 0.5) == pytest.approx(1 / 3)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


# ------------------------------------------------------------------ simulation
def mmc_yaml(c: int, lam_per_day: float, mean_min: float) -> str:
    return f"""
name: M/M/c
run: {{horizon: 400 days, warm_up: 20 days}}
sources: {{arrivals: {{to: q, rate: {lam_per_day!r} per day}}}}
services:
  q:
    kind: queue
    setting: ed
    servers: {c}
    duration: {{exponential: {{mean: {mean_min!r} min}}}}
    routes: [{{to: home, p: 1}}]
"""


@pytest.mark.parametrize("rho", [0.7, 0.9])
def test_mmc_mean_wait_matches_erlang_c(rho, record_property):
    c, mean_s = 5, 60.0
    lam = rho * c / mean_s                      # per minute
    expected = mmc_wq(c, lam, mean_s)           # rho 0.7: 15.11 min, rho 0.9: 91.50 min
    waits = [simulate(mmc_yaml(c, lam * 1440, mean_s), seed=20260, replication=r)[2]["node.q.wait_mean"]
             for r in range(30)]
    mean, lo, hi = t_interval(waits, LEVEL)
    record_property("theory", f"M/M/{c} rho={rho}: Wq expected {expected:.3f} min, "
                              f"simulated {mean:.3f} [{lo:.3f}, {hi:.3f}] (99% CI, 30 reps x 380 days)")
    print(f"M/M/{c} rho={rho}: expected {expected:.3f}, simulated {mean:.3f} [{lo:.3f}, {hi:.3f}]")
    assert lo <= expected <= hi


def loss_yaml(c: int, lam_per_day: float, mean_min: float, sd_min: float) -> str:
    return f"""
name: M/G/c/c
run: {{horizon: 200 days, warm_up: 5 days}}
sources: {{arrivals: {{to: q, rate: {lam_per_day!r} per day}}}}
services:
  q:
    kind: queue
    setting: acute
    bed: true
    servers: {c}
    when_full: {{to: home, queue_limit: 0}}
    duration: {{lognormal: {{mean: {mean_min!r} min, sd: {sd_min!r} min}}}}
    routes: [{{to: home, p: 1}}]
"""


def test_mgcc_diverted_share_matches_erlang_b(record_property):
    # lognormal service with cv 2: Erlang B holds for any service law (insensitivity)
    c, a, mean_s = 10, 8.0, 120.0
    lam = a / mean_s
    expected = erlang_b(c, a)                   # 0.12166
    shares = []
    for r in range(20):
        _, _, m = simulate(loss_yaml(c, lam * 1440, mean_s, 2 * mean_s), seed=4711, replication=r)
        shares.append(m["node.q.diverted"] / m["node.q.arrivals"])
    mean, lo, hi = t_interval(shares, LEVEL)
    record_property("theory", f"M/G/{c}/{c} a={a}: diverted share expected {expected:.5f}, "
                              f"simulated {mean:.5f} [{lo:.5f}, {hi:.5f}] (99% CI, 20 reps x 195 days)")
    print(f"M/G/{c}/{c}: expected {expected:.5f}, simulated {mean:.5f} [{lo:.5f}, {hi:.5f}]")
    assert lo <= expected <= hi
    # and the sensitivity the test would catch: Erlang C's waiting share is far outside
    assert not lo <= erlang_c(c, a) <= hi
