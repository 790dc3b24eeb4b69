"""target.<intervention>.<metric>: the targeted people's own figures, with the intervention on or off."""

from __future__ import annotations

import pytest

from flowsim.config.load import parse_config
from flowsim.draws import make_draws
from flowsim.engines.simpy_engine import run_simpy
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.simulate import run_replication
from flowsim.target_metrics import target_metrics

# delay nodes only: no capacity, so removing a patient changes nobody else's path
POP = """\
name: targeted group
run: {horizon: 60 days, warm_up: 10 days, seed: 3}
population:
  size: 20000
  age_bands: {young: {share: 0.6}, old: {share: 0.4}}
  risk_sd: 1.3
  prediction: {auc: 0.75}
sources:
  ed_in: {to: ed, per_1000: {young: 250 per year, old: 700 per year}}
services:
  ed:
    kind: delay
    setting: ed
    duration: {exponential: {mean: 3 h}}
    routes: [{to: ward, p: 0.3}, {to: home, p: 0.7}]
  ward:
    kind: delay
    setting: acute
    bed: true
    duration: {exponential: {mean: 4 days}}
    routes: [{to: home, p: 1}]
interventions:
  case_management: {source: test, thin: {ed_in: 1.0}, target: {top: 5%}}
  untargeted: {source: test, thin: {ed_in: 0.0}}
"""


def _measure(active: list[str]) -> dict[str, float]:
    cfg = parse_config(POP)
    net = build_network(cfg.model_copy(update={"active_interventions": active}))
    d = make_draws(net, 3, 0)
    log = run_simpy(net, d)
    out = measure(log, net, band=d.attrs.band)
    out.update(target_metrics(log, net, d.attrs))
    return out


def test_the_group_is_measured_when_off_and_is_exactly_what_removing_it_removes():
    off, on = _measure([]), _measure(["case_management"])
    assert off["target.case_management.people"] == on["target.case_management.people"] == 1000  # 5% of 20,000
    assert off["target.case_management.admissions"] > 0
    # the whole group thinned: none of its patients arrive, and the others are the same patients on delay nodes
    for key in ("admissions", "ed_attendances", "bed_days"):
        assert on[f"target.case_management.{key}"] == 0
        assert off[key] - on[key] == pytest.approx(off[f"target.case_management.{key}"], rel=1e-12, abs=1e-9)
    # an intervention without a target has no group
    assert not any(k.startswith("target.untargeted.") for k in off)


def test_run_replication_reports_the_group_and_models_without_population_do_not():
    net = build_network(parse_config(POP))
    metrics, _, _ = run_replication(net, 3, 0, engine="simpy")
    assert metrics["target.case_management.people"] == 1000
    plain = POP.split("population:")[0] + "sources:\n  ed_in: {to: ed, rate: 10 per day}\n" + \
        POP.split("ed_in: {to: ed, per_1000: {young: 250 per year, old: 700 per year}}\n")[1].replace(
            ", target: {top: 5%}", "")
    metrics, _, _ = run_replication(build_network(parse_config(plain)), 3, 0, engine="simpy")
    assert not any(k.startswith("target.") for k in metrics)
