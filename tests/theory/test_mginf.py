"""M/G/infinity: a delay node's occupancy against lambda x E[S] and the Poisson law.

In steady state the number of patients in an unlimited node with Poisson arrivals
at rate lambda is Poisson with mean lambda E[S], whatever the service law. Each
replication gives one time-average over the window [60 days, 300 days); the
60-day warm-up is > 10 times the slowest tail scale of the service laws used
(gamma scale sd^2/mean = 4.5 days), so the empty start leaves < 1e-5 of a patient.
Tolerances are 99% Student-t intervals over independent replications.
"""

from __future__ import annotations

import numpy as np
import pytest
from queueing import simulate, t_interval

LEVEL = 0.99
LAM_PER_DAY = 15.0
MEAN_DAYS, SD_DAYS = 2.0, 3.0
REPS = 24


def delay_yaml(law: str) -> str:
    return f"""
name: M/G/inf
run: {{horizon: 300 days, warm_up: 60 days}}
sources: {{arrivals: {{to: self_care, rate: {LAM_PER_DAY} per day}}}}
services:
  self_care:
    kind: delay
    setting: community
    duration: {{{law}: {{mean: {MEAN_DAYS} days, sd: {SD_DAYS} days}}}}
    routes: [{{to: home, p: 1}}]
"""


def time_average_moments(log, lo: float, hi: float, centre: float) -> tuple[float, float]:
    """Exact time averages over [lo, hi) of N(t) and (N(t) - centre)^2, where N(t) is
    the number holding a place (start <= t < depart), integrated between events."""
    start = log.start
    depart = np.where(np.isnan(log.depart), hi, log.depart)
    ok = ~np.isnan(start)
    a, b = np.clip(start[ok], lo, hi), np.clip(depart[ok], lo, hi)
    times = np.concatenate([a, b, [lo, hi]])
    steps = np.concatenate([np.ones(len(a)), -np.ones(len(b)), [0, 0]])
    order = np.lexsort((-steps, times))       # at equal times, +1 before -1: no negative count
    times, steps = times[order], steps[order]
    n_after = np.cumsum(steps)[:-1]           # N on [times[i], times[i+1])
    dt = np.diff(times)
    assert n_after.min() >= 0
    T = hi - lo
    return float((n_after * dt).sum() / T), float(((n_after - centre) ** 2 * dt).sum() / T)


@pytest.mark.parametrize("law, seed", [("gamma", 31), ("lognormal", 32)])
def test_delay_node_mean_occupancy_is_lambda_es(law, seed, record_property):
    expected = LAM_PER_DAY * MEAN_DAYS          # 30 patients
    occ, disp, own = [], [], []
    for r in range(REPS):
        net, log, m = simulate(delay_yaml(law), seed, r)
        occ.append(m["node.self_care.mean_occupancy"])
        lo, hi = net.warm_up, net.horizon
        mean_n, second = time_average_moments(log, lo, hi, centre=expected)
        own.append(mean_n)
        # Var(N) = E[(N - lambda E[S])^2] when the mean is lambda E[S]: centring on the
        # known mean avoids the downward bias of centring on a window's own average
        disp.append(second / expected)
    # metrics and the exact integral agree (they are two computations of the same area)
    np.testing.assert_allclose(occ, own, rtol=1e-9)
    mean, lo_ci, hi_ci = t_interval(occ, LEVEL)
    record_property("theory", f"M/G/inf {law}: L expected {expected:.3f}, simulated {mean:.3f} "
                              f"[{lo_ci:.3f}, {hi_ci:.3f}] (99% CI, {REPS} reps x 240 days)")
    print(f"M/G/inf {law}: L expected {expected}, simulated {mean:.3f} [{lo_ci:.3f}, {hi_ci:.3f}]")
    assert lo_ci <= expected <= hi_ci
    d, d_lo, d_hi = t_interval(disp, LEVEL)
    print(f"M/G/inf {law}: Var/mean expected 1, simulated {d:.4f} [{d_lo:.4f}, {d_hi:.4f}]")
    record_property("theory", f"M/G/inf {law}: Var(N)/E[N] expected 1, simulated {d:.4f} [{d_lo:.4f}, {d_hi:.4f}]")
    assert d_lo <= 1.0 <= d_hi


def test_hourly_occupancy_batch_means_agree_with_lambda_es(record_property):
    """One long run, batch means of ``hourly_occupancy``: 20 batches of 36 days, each
    ~20 correlation times (E[S^2] / (2 E[S]) = 3.25 days) long, so nearly independent."""
    from queueing import batch_means
    from flowsim.metrics import hourly_occupancy
    yaml = delay_yaml("gamma").replace("300 days", "780 days")
    net, log, _ = simulate(yaml, seed=33, replication=0)
    hourly = hourly_occupancy(log, net, "self_care")[int(net.warm_up // 60):]
    means = batch_means(hourly, 20)
    mean, lo, hi = t_interval(means, LEVEL)
    print(f"M/G/inf gamma, batch means: expected 30, simulated {mean:.3f} [{lo:.3f}, {hi:.3f}]")
    record_property("theory", f"M/G/inf gamma batch means: L expected 30, simulated {mean:.3f} [{lo:.3f}, {hi:.3f}]")
    assert lo <= LAM_PER_DAY * MEAN_DAYS <= hi
