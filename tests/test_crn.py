"""Common random numbers: scenarios share every patient's draws, so differences pair up."""

from __future__ import annotations

import numpy as np

from flowsim.config.scenarios import load_scenario
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.metrics import measure
from flowsim.network import build_network

REPS = 8


def test_capacity_change_keeps_every_patients_arrival_and_ed_duration(tiny_path):
    net0 = build_network(load_scenario(tiny_path))
    net1 = build_network(load_scenario(tiny_path, "small_ward"))
    d0, d1 = make_draws(net0, 5, 2), make_draws(net1, 5, 2)
    assert np.array_equal(d0.arrive, d1.arrive) and np.array_equal(d0.cohort, d1.cohort)
    for n in range(net0.n_nodes):
        assert np.array_equal(d0.per_patient("dur", n, 2), d1.per_patient("dur", n, 2))
    log0, log1 = run_engine(net0, d0), run_engine(net1, d1)
    ed = 0

    def ed_rows(log):
        rows = (log.node == ed) & ~np.isnan(log.end)
        order = np.argsort(log.patient[rows])
        return (log.patient[rows][order], log.arrive[rows][order], (log.end - log.start)[rows][order])

    p0, a0, s0 = ed_rows(log0)
    p1, a1, s1 = ed_rows(log1)
    common, i0, i1 = np.intersect1d(p0, p1, return_indices=True)
    assert len(common) > 0.99 * len(p0)
    assert np.array_equal(a0[i0], a1[i1])
    assert np.allclose(s0[i0], s1[i1], rtol=1e-12, atol=1e-9)  # end - start: rounding of later clocks
    # and the blocked ward really changes what happens downstream
    assert measure(log1, net1)["four_hour_breaches"] > measure(log0, net0)["four_hour_breaches"]


def _metrics(net, seed, r):
    return measure(run_engine(net, make_draws(net, seed, r)), net)


def test_paired_difference_variance_far_below_independent(tiny_path, record_property):
    """More home-care capacity: the change in bed days, paired on common random numbers,
    has a small fraction of the variance of the same change on independent seeds."""
    net0 = build_network(load_scenario(tiny_path))
    net1 = build_network(load_scenario(tiny_path, "more_home_care"))
    base = [_metrics(net0, 5, r) for r in range(REPS)]
    alt = [_metrics(net1, 5, r) for r in range(REPS)]
    indep = [_metrics(net1, 99, r) for r in range(REPS)]
    ratios = {}
    for key in ("bed_days", "delayed_bed_days"):
        paired = np.var([a[key] - b[key] for a, b in zip(alt, base)], ddof=1)
        independent = np.var([a[key] - b[key] for a, b in zip(indep, base)], ddof=1)
        ratios[key] = paired / independent
        record_property(f"variance_ratio_{key}", ratios[key])
        print(f"{key}: paired-difference variance {paired:.1f}, independent {independent:.1f}, "
              f"ratio {ratios[key]:.3f}")
    assert np.mean([a["bed_days"] - b["bed_days"] for a, b in zip(alt, base)]) < 0  # fewer blocked beds
    assert ratios["bed_days"] < 0.2
    assert ratios["delayed_bed_days"] < 1.0
