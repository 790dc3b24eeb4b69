"""Each intervention's effect, and its in-run count, on a tiny model with ample beds.

With ample ward beds nobody waits for one, so an admission starts at the ED
decision: the in-run counts must then equal the scenario differences exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.config.scenarios import load_scenario
from flowsim.draws import make_draws
from flowsim.engines import resolve_engine, run_engine
from flowsim.interventions import scaled_probabilities, uses_interventions
from flowsim.metrics import measure
from flowsim.network import build_network

SEED = 3


def run(path, scenario, replication=0):
    net = build_network(load_scenario(path, scenario))
    log = run_engine(net, make_draws(net, SEED, replication))
    return net, log, measure(log, net)


def test_scaled_probabilities_in_proportion_or_to_a_named_route():
    assert scaled_probabilities([0.2, 0.3, 0.5], ["a", "b", "c"], {"a": 0.5}, None) == pytest.approx(
        [0.1, 0.3 + 0.1 * 0.3 / 0.8, 0.5 + 0.1 * 0.5 / 0.8])
    assert scaled_probabilities([0.2, 0.3, 0.5], ["a", "b", "c"], {"a": 0.5}, "c") == pytest.approx([0.1, 0.3, 0.6])


def test_baseline_reports_zero_for_every_defined_intervention(tiny_path):
    _, _, m = run(tiny_path, "baseline")
    for name in ("fewer_admissions", "shorter_stays", "prevention", "social_worker", "raid"):
        assert m[f"avoided_admissions.{name}"] == 0 and m[f"bed_days_saved.{name}"] == 0
    assert m["avoided_admissions"] == 0


def test_route_scale_avoided_admissions_equal_the_paired_difference(tiny_path):
    _, _, base = run(tiny_path, "baseline")
    _, _, m = run(tiny_path, "fewer_admissions")
    avoided = m["avoided_admissions.fewer_admissions"]
    assert avoided > 20
    assert base["admissions"] - m["admissions"] == avoided == m["avoided_admissions"]


def test_duration_scale_bed_days_saved_equal_the_paired_difference(tiny_path, tiny_text):
    # no waiting for home care: a shorter stay then frees its bed exactly that much earlier
    tiny_path.write_text(tiny_text.replace("{to: home_care, p: 0.10, blocking: true}", "{to: home_care, p: 0.10}"))
    _, _, base = run(tiny_path, "baseline")
    _, _, m = run(tiny_path, "shorter_stays")
    assert m["los_bed_days_saved.shorter_stays"] > 50 and m["bed_days_saved"] == m["los_bed_days_saved"]
    assert base["bed_days"] - m["bed_days"] == pytest.approx(m["los_bed_days_saved"], rel=1e-9)
    assert m["admissions"] == base["admissions"] and m["avoided_admissions"] == 0


def test_thinning_only_removes_patients(tiny_path):
    net, log0, base = run(tiny_path, "baseline")
    _, log1, m = run(tiny_path, "prevention")
    d = make_draws(net, SEED, 0)
    mh = d.cohort == net.cohorts.index("mental_health")
    gone = mh & (d.thin_u < 0.3)
    ed0 = {int(p): t for p, t, n in zip(log0.patient, log0.arrive, log0.node) if n == 0}
    ed1 = {int(p): t for p, t, n in zip(log1.patient, log1.arrive, log1.node) if n == 0}
    assert set(ed1) == set(ed0) - set(np.flatnonzero(gone).tolist())
    assert all(ed1[p] == ed0[p] for p in ed1)               # the others are untouched
    assert m["avoided_attendances.prevention"] == base["ed_attendances"] - m["ed_attendances"]
    assert m["patients"] == base["patients"] - gone[d.arrive < net.horizon].sum()


def test_divert_uses_the_alternative_only_when_it_has_room(tiny_path, tiny_text):
    _, _, base = run(tiny_path, "baseline")
    _, log, m = run(tiny_path, "social_worker")
    avoided = m["avoided_admissions.social_worker"]
    assert 0 < avoided == base["admissions"] - m["admissions"]
    assert m["node.home_care.arrivals"] >= avoided  # diverted decisions in the window, plus a few before it
    tiny_path.write_text(tiny_text.replace("servers: 8\n", "servers: 0\n"))
    _, _, m0 = run(tiny_path, "social_worker")
    assert m0["avoided_admissions"] == 0 and m0["admissions"] == base["admissions"]


def test_assessment_gates_the_effect_on_timeliness(tiny_path, tiny_text):
    _, log, m = run(tiny_path, "raid")
    liaison = 1
    assert m["node.liaison.arrivals"] > 0 and m["avoided_admissions.raid"] > 0
    rows = (log.node == liaison) & (log.outcome == 0)
    assert (log.prev[rows] == 0).all() and (log.dest[rows] == 0).all()
    # nobody can be assessed within 0 minutes unless a practitioner is free at once
    tiny_path.write_text(tiny_text.replace("within: 1 h", "within: 0 min").replace(
        "servers: 2\n", "servers: 1\n"))
    _, _, strict = run(tiny_path, "raid")
    assert strict["avoided_admissions.raid"] < m["avoided_admissions.raid"]
    # ED stays of assessed patients include the assessment
    _, _, base = run(tiny_path, "baseline")
    assert m["four_hour_breaches"] >= base["four_hour_breaches"]


def test_auto_engine_is_compiled_with_active_interventions(tiny_path):
    net0 = build_network(load_scenario(tiny_path))
    net1 = build_network(load_scenario(tiny_path, "raid"))
    assert not uses_interventions(net0) and uses_interventions(net1)
    assert resolve_engine("auto", net1) == "compiled" == resolve_engine("auto", net0)
