"""Canterbury acute demand management and the Integrated Care Pilot themes (docs/pathways.md).

As tests/experiment/test_pathways.py: two replications of a 150-day run (60 days
warm-up) each, on common random numbers; the signs checked are those the mechanism
guarantees (a null case is the baseline's flow exactly, a diversion is an avoided
admission) or that are many standard errors from zero at this length (checked against
the 5-replication full-year runs of docs/pathways.md), not the sizes.
"""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest
import yaml
from test_pathways import EXPERIMENTS, _diff, _run, _saving, _short

from flowsim.cli import main


@pytest.fixture(scope="module")
def canterbury(tmp_path_factory):
    return _run(tmp_path_factory, "canterbury_adms")


@pytest.fixture(scope="module")
def icp(tmp_path_factory):
    """The ICP themes without their one-theme scenarios: each theme acts on a cohort of its own,
    so icp_all shows each one's effect, in half the run time (4 scenarios, as the other programmes)."""
    d = tmp_path_factory.mktemp("icp_themes")
    path = _short(d, "icp_themes")
    text = re.sub(r"^  icp_(falls|copd|end_of_life|dementia):\n(?:    .*\n)+", "", path.read_text(encoding="utf-8"),
                  flags=re.M)
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["experiment", str(path), "--format", "json", "--workers", "1", "--out", str(d / "store")]) == 0
    doc = json.loads(out.getvalue())
    assert list(doc["scenarios"]) == ["baseline", "icp_all", "icp_pessimistic", "icp_null"]
    return doc


def _m(doc: dict, scenario: str, metric: str) -> float:
    return doc["scenarios"][scenario]["metrics"][metric]["mean"]


@pytest.mark.parametrize("name", ["canterbury_adms", "icp_themes"])
def test_programme_validates(name, capsys):
    assert main(["validate", str(EXPERIMENTS / f"{name}.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_canterbury_diverts_would_be_admissions_into_community_packages(canterbury):
    # every diversion is an avoided admission, counted where the package took the patient
    central = _m(canterbury, "adms_central", "avoided_admissions")
    assert central == _m(canterbury, "adms_central", "node.acute_demand.arrivals") > 0
    assert 0 < _m(canterbury, "adms_pessimistic", "avoided_admissions") < central
    assert _diff(canterbury, "adms_central", "admissions") < _diff(canterbury, "adms_pessimistic", "admissions") < 0
    assert _diff(canterbury, "adms_central", "bed_days") < 0
    # community services pay for the packages, the trust saves
    assert _saving(canterbury, "adms_central", "net_saving.nhs_community") < 0
    assert _saving(canterbury, "adms_central", "net_saving.nhs_acute") > 0
    # nobody eligible: the baseline's flow exactly, and community services pay for idle places
    for metric in ("admissions", "bed_days", "four_hour_performance", "deaths"):
        assert _diff(canterbury, "adms_null", metric) == 0
    assert _saving(canterbury, "adms_null", "net_saving.nhs_acute") == 0
    assert _saving(canterbury, "adms_null", "net_saving.nhs_community") < 0


def test_icp_each_theme_moves_its_own_cohort(icp):
    # falls: thinned attendances never arrive, and public health (the council) pays
    assert _m(icp, "icp_all", "avoided_attendances.falls_prevention") > 0 > _diff(icp, "icp_all", "ed_attendances")
    assert _saving(icp, "icp_all", "net_saving.local_authority") < 0
    # COPD: fewer of the cohort admitted
    assert _m(icp, "icp_all", "avoided_admissions.copd_self_management") > 0
    assert _diff(icp, "icp_all", "cohort.copd.admissions") < 0
    # end of life: would-be admissions cared for at home, where some die instead of in hospital
    m = icp["scenarios"]["icp_all"]["metrics"]
    assert m["node.eol_home.arrivals"]["mean"] == (m["avoided_admissions.end_of_life_at_home"]["mean"]
                                                   + m["avoided_admissions.end_of_life_at_home_gp"]["mean"]) > 0
    assert m["deaths.eol_home"]["mean"] > 0 == _m(icp, "baseline", "deaths.eol_home")
    # dementia: discharge holds shortened, so the cohort's delayed bed days fall
    assert _m(icp, "icp_all", "delayed_bed_days_saved.dementia_support") > 0
    assert _diff(icp, "icp_all", "cohort.dementia.delayed_bed_days") < 0


def test_icp_pessimistic_case_management_and_null(icp):
    # case management's +9% frail admissions in a full hospital: ED waits lengthen
    assert _diff(icp, "icp_pessimistic", "four_hour_performance") < 0
    for metric in ("admissions", "bed_days", "delayed_bed_days", "ed_attendances", "deaths"):
        assert _diff(icp, "icp_null", metric) == 0
    assert _saving(icp, "icp_null", "net_saving.nhs_acute") == 0 > _saving(icp, "icp_null", "net_saving.total")


def test_icp_carved_cohorts_copy_their_parents_specs():
    """copd and dementia behave in the baseline exactly as the cohorts they were carved from
    (default.yaml), so the baseline is the calibrated economy relabelled."""
    default = yaml.safe_load((EXPERIMENTS / "../src/flowsim/data/configs/default.yaml").read_text(encoding="utf-8"))
    base = yaml.safe_load((EXPERIMENTS / "icp_themes.yaml").read_text(encoding="utf-8"))["scenarios"]["baseline"]["set"]
    svc = default["services"]
    for child, parent in (("copd", "general"), ("dementia", "frail_elderly")):
        assert base["services.ed.duration"][child] == svc["ed"]["duration"][parent]
        assert base["services.ed.routes"][child] == svc["ed"]["routes"][parent]
        assert base["services.gp_same_day.routes"][child] == svc["gp_same_day"]["routes"][parent]
        assert base["services.ed.priority"][child] == svc["ed"]["priority"][parent]
    for c in ("general", "frail_elderly", "mental_health"):
        assert base["services.ed.duration"][c] == svc["ed"]["duration"][c]
        assert base["services.ed.routes"][c] == svc["ed"]["routes"][c]
        assert base["services.gp_same_day.routes"][c] == svc["gp_same_day"]["routes"][c]
    assert base["services.elderly_care.routes"]["default"] == svc["elderly_care"]["routes"]
    assert base["services.acute_medicine.duration.copd"] == svc["acute_medicine"]["duration"]["general"]
    # the carved shares add up to the parent's share in every source
    for src in ("ed_walk_in", "ed_ambulance", "gp_same_day"):
        new, old = base[f"sources.{src}.cohorts"], default["sources"][src]["cohorts"]
        assert new["general"] + new["copd"] == pytest.approx(old["general"])
        assert new["frail_elderly"] + new["dementia"] + new["end_of_life"] == pytest.approx(old["frail_elderly"])
        assert new["mental_health"] == old["mental_health"]
