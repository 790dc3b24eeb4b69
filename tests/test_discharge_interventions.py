"""hold_scale (arranging a discharge faster) and divert with an eligible share.

With ample capacity downstream nobody waits for room, so the in-run tallies must
equal the paired scenario differences exactly, as for duration_scale.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.cli import main
from flowsim.config.scenarios import load_scenario
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.metrics import measure
from flowsim.network import build_network

SEED = 3
EXTRA = """
  faster_discharge: {source: test, cohort: general, hold_scale: {ward: 0.5}}
  sw_eligible: {source: test, at: ed, divert: {instead_of: ward, to: home_care, eligible: 0.4}}
  scale_then_divert:
    source: test
    at: ed
    route_scale: {ward: 0.5}
    divert: {instead_of: ward, to: home_care}
"""


def _model(tiny_text: str) -> str:
    text = tiny_text.replace("{to: home, p: 0.85}", "{to: home, p: 0.85, hold: {exponential: {mean: 1 day}}}")
    text = text.replace("servers: 8\n", "servers: 1000\n")  # home care never full
    text = text.replace("interventions:\n", "interventions:\n" + EXTRA.lstrip("\n"), 1)
    return text + "".join(f"  {k}: {{interventions: [{k}]}}\n"
                          for k in ("faster_discharge", "sw_eligible", "scale_then_divert"))


def run(path, scenario, engine):
    net = build_network(load_scenario(path, scenario))
    log = run_engine(net, make_draws(net, SEED, 0), engine)
    return net, log, measure(log, net)


@pytest.fixture
def path(tmp_path, tiny_text):
    p = tmp_path / "discharge.yaml"
    p.write_text(_model(tiny_text))
    return p


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_hold_scale_delayed_bed_days_saved_equal_the_paired_difference(path, engine):
    _, _, base = run(path, "baseline", engine)
    _, _, m = run(path, "faster_discharge", engine)
    saved = m["delayed_bed_days_saved.faster_discharge"]
    assert saved > 100 and m["delayed_bed_days_saved"] == saved
    assert base["delayed_bed_days"] - m["delayed_bed_days"] == pytest.approx(saved, rel=1e-9)
    assert base["bed_days"] - m["bed_days"] == pytest.approx(saved, rel=1e-9)
    assert m["bed_days_saved"] == 0 and m["admissions"] == base["admissions"]


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_eligible_divert_diverts_exactly_the_eligible_patients(path, engine):
    net, log0, base = run(path, "baseline", engine)
    _, log1, m = run(path, "sw_eligible", engine)
    d = make_draws(net, SEED, 0)
    k = net.interventions.names.index("sw_eligible")
    ed, ward, home_care = (net.node_names.index(n) for n in ("ed", "ward", "home_care"))
    lo, hi = net.warm_up, net.horizon
    decided = (log0.node == ed) & (log0.dest == ward) & (log0.end >= lo) & (log0.end < hi)
    eligible = d.eligible_u[k, log0.patient[decided]] < 0.4
    avoided = m["avoided_admissions.sw_eligible"]
    assert avoided == eligible.sum() == base["admissions"] - m["admissions"]
    # the eligible share of would-be admissions, within 4 binomial sd
    n = decided.sum()
    assert abs(avoided / n - 0.4) < 4 * np.sqrt(0.4 * 0.6 / n)
    went = set(log1.patient[(log1.node == ed) & (log1.dest == home_care)].tolist())
    assert went == set(np.flatnonzero(d.eligible_u[k] < 0.4).tolist()) & set(log0.patient[
        (log0.node == ed) & (log0.dest == ward)].tolist())


def test_route_scale_then_divert_at_one_node(path):
    _, _, base = run(path, "baseline", "compiled")
    _, _, m = run(path, "scale_then_divert", "compiled")
    # route_scale halves the ward routes, divert (everyone eligible, ample home care) takes the rest
    assert m["admissions"] == 0
    assert m["avoided_admissions.scale_then_divert"] == base["admissions"]


BAD = [
    ("hold_scale: {ward: 0.5}", "hold_scale: {wrd: 0.5}", "interventions.faster_discharge.hold_scale.wrd",
     "did you mean 'ward'"),
    ("hold_scale: {ward: 0.5}", "hold_scale: {ed: 0.5}", "interventions.faster_discharge.hold_scale.ed",
     "without one"),
    ("hold_scale: {ward: 0.5}", "hold_scale: {ward: 0}", "interventions.faster_discharge.hold_scale.ward",
     "> 0, found 0"),
    ("eligible: 0.4", "eligible: 1.4", "interventions.sw_eligible.divert.eligible", "<= 1, found 1.4"),
    ("assessment: {by: liaison, within: 1 h}", "assessment: {by: ward, within: 1 h, referred_after: "
     "{exponential: {mean: 1 day}}}", "interventions.raid.assessment.by", "without beds for an assessment during the stay"),
    ("assessment: {by: liaison, within: 1 h}", "assessment: {by: liaison, within: 1 h, referred_after: "
     "{exponential: {mean: 1}}}", "interventions.raid.assessment.referred_after.exponential.mean",
     "expected a duration with a unit"),
]


@pytest.mark.parametrize("old, new, key, message", BAD)
def test_bad_discharge_interventions_exit_2_with_place(path, capsys, old, new, key, message):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and key in err and message in err, err
    assert "Traceback" not in err
