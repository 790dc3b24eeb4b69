"""Programmes aimed at a cohort (docs/pathways.md): Tower Hamlets diabetes, Newquay frail, Kent risk stratification.

Each experiment runs short (2 replications; on the population config 60 days with 20
of warm-up, and Kent without its middle accuracy and pessimistic case, whose mechanism
the Newquay test covers: the suite's time), on common random numbers. Checked: what the
mechanism makes exact (a null case changes no patient; a referral shift moves
referrals one for one; a cost is paid for the window's length), the signs that are
many standard errors from zero at this length, and the one size the Newquay case
sets by construction (the group's admissions 23% lower), with a tolerance from the
binomial spread of thinning.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
import yaml
from test_pathways import _diff, _saving

from flowsim.cli import main

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
WINDOWS = {"community_diabetes": (60, 120), "frail_newquay": (20, 60), "population_kent": (20, 60)}
SKIP = {"population_kent": ("kent_auc_075", "kent_pessimistic")}


def _run(tmp_path_factory, name: str) -> dict:
    """The experiment with its model path made absolute, 2 replications and a short run, as JSON."""
    d = tmp_path_factory.mktemp(name)
    warm, horizon = WINDOWS[name]
    spec = yaml.safe_load((EXPERIMENTS / f"{name}.yaml").read_text(encoding="utf-8"))
    spec["model"] = str((EXPERIMENTS / spec["model"]).resolve())
    spec.update(replications=2, warm_up=f"{warm} days", horizon=f"{horizon} days")
    for s in SKIP.get(name, ()):
        del spec["scenarios"][s]
    (d / f"{name}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["experiment", str(d / f"{name}.yaml"), "--format", "json", "--workers", "1",
                     "--out", str(d / "store")]) == 0
    doc = json.loads(out.getvalue())
    doc["window_years"] = (horizon - warm) / 365.0
    return doc


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """runs(name): the short experiment's JSON document, run once per module."""
    done: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in done:
            done[name] = _run(tmp_path_factory, name)
        return done[name]
    return get


def _m(doc: dict, scenario: str, metric: str) -> float:
    return doc["scenarios"][scenario]["metrics"][metric]["mean"]


@pytest.mark.parametrize("name", ["community_diabetes", "frail_newquay", "population_kent"])
def test_every_cohort_programme_validates(name, capsys):
    assert main(["validate", str(EXPERIMENTS / f"{name}.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_diabetes_networks_move_referrals_one_for_one_and_primary_care_pays(runs):
    diabetes = runs("community_diabetes")
    hospital, network = "node.hospital_diabetes_clinic.arrivals", "node.network_clinic.arrivals"
    base = _m(diabetes, "baseline", hospital)
    assert base > 0 and _m(diabetes, "baseline", network) == 0
    for s in ("dm_central", "dm_pessimistic"):
        # the same patients referred, 6 in 25 of them still to the hospital (binomial: within ~5 sd)
        assert _m(diabetes, s, hospital) + _m(diabetes, s, network) == base
        assert abs(_m(diabetes, s, hospital) / base - 6 / 25) < 5 * (0.24 * 0.76 / (2 * base)) ** 0.5
    # the referral shift alone touches nobody's A&E or ward stay; the hospital saves its clinic visits
    assert _diff(diabetes, "dm_pessimistic", "admissions") == 0 and _diff(diabetes, "dm_pessimistic", "bed_days") == 0
    assert _saving(diabetes, "dm_pessimistic", "net_saving.nhs_acute") > 0
    # fewer crises: the cohort's attendances fall; the rest of the economy's patients are the same people
    assert _m(diabetes, "dm_central", "avoided_attendances.network_crises") > 0
    assert _diff(diabetes, "dm_central", "cohort.diabetes.ed_attendances") < 0
    assert _diff(diabetes, "dm_central", "cohort.frail_elderly.ed_attendances") == 0
    # null: the investment paid for the window, nothing else changes
    cost = 7_080_000 * diabetes["window_years"]
    assert _saving(diabetes, "dm_null", "net_saving.primary_care") == pytest.approx(-cost, rel=1e-9)
    assert _saving(diabetes, "dm_null", "net_saving.nhs_acute") == 0
    assert _diff(diabetes, "dm_null", "admissions") == 0


def test_newquay_cuts_the_groups_admissions_by_the_input_23_percent(runs):
    newquay = runs("frail_newquay")
    people = _m(newquay, "baseline", "target.newquay_mdt.people")
    assert 1000 < people < 2500          # ~1,590 aged 65+ in the top 1.5% of predicted risk
    assert all(_m(newquay, s, "target.newquay_mdt.people") == people for s in newquay["scenarios"])
    base = _m(newquay, "baseline", "target.newquay_mdt.admissions")
    ratio = _m(newquay, "newquay_central", "target.newquay_mdt.admissions") / base
    # thinning keeps each of the group's arrivals with probability 0.77: binomial spread over 2 replications
    assert abs(ratio - 0.77) < 5 * (0.23 * 0.77 / (2 * base)) ** 0.5 + 0.02
    assert _diff(newquay, "newquay_central", "admissions") < 0
    assert _diff(newquay, "newquay_pessimistic", "target.newquay_mdt.admissions") > 0
    assert _diff(newquay, "newquay_null", "admissions") == 0 and _diff(newquay, "newquay_null", "bed_days") == 0
    assert _saving(newquay, "newquay_null", "net_saving.nhs_community") == pytest.approx(
        -1_130_000 * newquay["window_years"], rel=1e-9)


def test_kent_better_models_pick_more_of_the_demand(runs):
    kent = runs("population_kent")
    avoided = [_m(kent, f"kent_auc_0{a}", "avoided_attendances.case_management") for a in (65, 85)]
    assert 0 < avoided[0] < avoided[1]
    assert _diff(kent, "kent_auc_085", "admissions") < 0
    assert _diff(kent, "kent_null", "admissions") == 0 and _diff(kent, "kent_null", "bed_days") == 0
    assert _saving(kent, "kent_null", "net_saving.primary_care") == pytest.approx(
        -2_685_000 * kent["window_years"], rel=1e-9)
