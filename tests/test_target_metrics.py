"""target.<intervention>.<metric>: the targeted people's own figures, with the intervention on or off."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from test_population import POP, _net

from flowsim.config import load_config
from flowsim.draws import make_draws
from flowsim.engines.simpy_engine import run_simpy
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.simulate import run_replication
from flowsim.target_metrics import target_metrics

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
# POP: delay nodes only, so removing a patient changes nobody else's path; one more intervention without a target
TEXT = POP.replace("scenarios:", "  untargeted: {source: test, thin: {ed_in: 0.0}}\nscenarios:")


def _measure(scenario=None) -> dict[str, float]:
    net = _net("0.75", scenario, TEXT)
    d = make_draws(net, 3, 0)
    log = run_simpy(net, d)
    out = measure(log, net, band=d.attrs.band)
    out.update(target_metrics(log, net, d.attrs))
    return out


def test_the_group_is_measured_when_off_and_is_exactly_what_removing_it_removes():
    off, on = _measure(), _measure("targeted")
    assert off["target.case_management.people"] == on["target.case_management.people"] == 1000  # 5% of 20,000
    assert off["target.case_management.admissions"] > 0
    # the whole group thinned: none of its patients arrive, and the others are the same patients on delay nodes
    for key in ("admissions", "ed_attendances", "bed_days"):
        assert on[f"target.case_management.{key}"] == 0
        assert off[key] - on[key] == pytest.approx(off[f"target.case_management.{key}"], rel=1e-12, abs=1e-9)
    assert not any(k.startswith("target.untargeted.") for k in off)  # no target, no group


def test_run_replication_reports_the_group_and_models_without_population_do_not():
    metrics, _, _ = run_replication(_net("0.75", None, TEXT), 3, 0, engine="simpy")
    assert metrics["target.case_management.people"] == 1000
    net = build_network(load_config(CONFIGS / "ed_single.yaml"))
    net = dataclasses.replace(net, horizon=2 * 1440.0, warm_up=0.0)
    metrics, _, _ = run_replication(net, 3, 0, engine="simpy")
    assert metrics["admissions"] >= 0 and not any(k.startswith("target.") for k in metrics)
