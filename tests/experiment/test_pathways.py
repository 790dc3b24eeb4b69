"""The bundled programme experiments (docs/pathways.md): each runs, short, and its scenarios point the right way.

Two replications of a 150-day run (60 days warm-up) each, on common random numbers: the
signs checked are those the mechanism guarantees or that are many standard errors
from zero at this length (checked against the 5-replication full-year runs of
docs/pathways.md), not the sizes.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from flowsim.cli import main

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def _short(tmp: Path, name: str) -> Path:
    """The experiment file with its model path made absolute, 2 replications and a 150-day run."""
    text = (EXPERIMENTS / f"{name}.yaml").read_text(encoding="utf-8")
    model = (EXPERIMENTS / re.search(r"^model: (.+)$", text, re.M).group(1)).resolve()
    text = re.sub(r"^model: .+$", f"model: {model}", text, flags=re.M)
    text = re.sub(r"^replications: .+$", "replications: 2\nwarm_up: 60 days\nhorizon: 150 days", text, flags=re.M)
    path = tmp / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(tmp_path_factory, name: str) -> dict:
    d = tmp_path_factory.mktemp(name)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["experiment", str(_short(d, name)), "--format", "json", "--workers", "1",
                     "--out", str(d / "store")]) == 0
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def raid(tmp_path_factory):
    return _run(tmp_path_factory, "raid_calibrated")


@pytest.fixture(scope="module")
def social(tmp_path_factory):
    return _run(tmp_path_factory, "social_workers_ae")


@pytest.fixture(scope="module")
def reablement(tmp_path_factory):
    return _run(tmp_path_factory, "intensive_reablement")


def _diff(doc: dict, scenario: str, metric: str) -> float:
    return doc["scenarios"][scenario]["difference_vs_baseline"][metric]["mean"]


def _saving(doc: dict, scenario: str, key: str) -> float:
    return doc["scenarios"][scenario]["savings"][key]["mean"]


@pytest.mark.parametrize("name", ["raid_calibrated", "social_workers_ae", "intensive_reablement"])
def test_every_programme_validates(name, capsys):
    assert main(["validate", str(EXPERIMENTS / f"{name}.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_raid_avoids_admissions_central_more_than_pessimistic_and_null_none(raid):
    central, pess = (_diff(raid, s, "admissions") for s in ("raid_central", "raid_pessimistic"))
    assert central < pess < 0
    null = raid["scenarios"]["raid_null"]["metrics"]
    assert null["avoided_admissions"]["mean"] == 0 and null["los_bed_days_saved"]["mean"] == 0
    # the null case still keeps mental-health patients in ED for their assessment: never shorter
    assert _diff(raid, "raid_null", "four_hour_breaches") >= 0
    m = raid["scenarios"]["raid_central"]["metrics"]
    assert m["avoided_admissions.raid_ed"]["mean"] > 0 and m["los_bed_days_saved.raid_ward"]["mean"] > 0
    assert _diff(raid, "raid_central", "bed_days") < 0
    # the team is paid by the mental-health trust in every scenario it is on; the null case saves the trust nothing
    for s in ("raid_central", "raid_pessimistic", "raid_null"):
        assert _saving(raid, s, "net_saving.nhs_mental_health") < 0
    assert _saving(raid, "raid_central", "net_saving.nhs_acute") > _saving(raid, "raid_null", "net_saving.nhs_acute")


def test_raid_older_inpatients_and_readmissions(raid):
    central, null = (raid["scenarios"][s]["metrics"] for s in ("raid_central", "raid_null"))
    # the older-inpatient referrals shorten elderly-care stays; the same team sees all three kinds of referral
    assert central["los_bed_days_saved.raid_older"]["mean"] > 0
    assert central["node.liaison_team.arrivals"]["mean"] > 0
    # readmissions are modelled in every scenario, baseline included; seen in time, fewer come back
    assert raid["scenarios"]["baseline"]["metrics"]["readmissions_30d"]["mean"] > 0
    assert _diff(raid, "raid_central", "readmissions_30d") < 0
    assert _diff(raid, "raid_central", "readmissions_30d") < _diff(raid, "raid_null", "readmissions_30d")
    # null by construction: no tally of any effect, the older-inpatient work has no cost of its own, and the
    # mental-health trust pays exactly the team's per-year cost over the window (90 days here)
    for m in ("avoided_admissions", "los_bed_days_saved.raid_older", "los_bed_days_saved.raid_ward",
              "cost.intervention.raid_older"):
        assert null[m]["mean"] == 0, m
    assert _saving(raid, "raid_null", "net_saving.nhs_mental_health") == pytest.approx(-727000 * 90 / 365, abs=1e-6)


def test_social_workers_divert_frail_admissions_only_with_capacity(social):
    central, pess, null = (social["scenarios"][s]["metrics"] for s in ("sw_central", "sw_pessimistic", "sw_null"))
    # every diversion is an avoided admission, counted where the alternative took the patient
    assert central["avoided_admissions"]["mean"] == central["node.crisis_home_care.arrivals"]["mean"] > 0
    # half the eligible share, into reablement that is seldom free: fewer diversions than the central case
    assert pess["avoided_admissions"]["mean"] < central["avoided_admissions"]["mean"]
    assert pess["node.crisis_home_care.arrivals"]["mean"] == 0
    assert _diff(social, "sw_central", "bed_days") < 0
    # nobody eligible: exactly the baseline's flow, and the council pays for the social workers
    assert null["avoided_admissions"]["mean"] == 0
    assert _diff(social, "sw_null", "admissions") == 0 and _diff(social, "sw_null", "bed_days") == 0
    assert _saving(social, "sw_null", "net_saving.local_authority") < 0
    assert _saving(social, "sw_null", "net_saving.nhs_acute") == 0
    assert _saving(social, "sw_central", "net_saving.nhs_acute") > 0


def test_intensive_reablement_cuts_delayed_bed_days_and_the_council_pays(reablement):
    central, pess, null = (_diff(reablement, s, "delayed_bed_days")
                           for s in ("reablement_central", "reablement_pessimistic", "reablement_null"))
    assert central < pess < 0
    assert null == 0                      # hold_scale 1 and the same capacity: the baseline's flow exactly
    assert _saving(reablement, "reablement_central", "net_saving.local_authority") < 0
    assert _saving(reablement, "reablement_central", "net_saving.nhs_acute") > 0
    assert _saving(reablement, "reablement_null", "net_saving.nhs_acute") == 0


def test_reports_show_total_bed_days_freed_as_the_paired_difference(raid):
    from flowsim.report.experiment_table import render_experiment_table, with_bed_days_freed
    d = raid["scenarios"]["raid_central"]["difference_vs_baseline"]
    freed = with_bed_days_freed(d)["bed_days_freed"]
    assert freed["mean"] == -d["bed_days"]["mean"] > 0
    assert freed["ci95"] == [-d["bed_days"]["ci95"][1], -d["bed_days"]["ci95"][0]]
    # more than the shorter-stays tally: avoided admissions free beds too
    assert freed["mean"] > raid["scenarios"]["raid_central"]["metrics"]["los_bed_days_saved"]["mean"]
    text = render_experiment_table(raid)
    assert "Bed days freed in total (baseline - scenario)  -" in text
    assert f"{freed['mean']:,.1f}" in text
