"""Canterbury acute demand management and the Integrated Care Pilot themes (docs/pathways.md).

As tests/experiment/test_pathways.py: two replications of a 150-day run (60 days
warm-up) each, on common random numbers; the signs checked are those the mechanism
guarantees (a null case is the baseline's flow exactly, a diversion is an avoided
admission) or that are many standard errors from zero at this length (checked against
the 5-replication full-year runs of docs/pathways.md), not the sizes.
"""

from __future__ import annotations

import pytest
import yaml
from test_pathways import EXPERIMENTS, _diff, _run, _saving

from flowsim.cli import main


@pytest.fixture(scope="module")
def canterbury(tmp_path_factory):
    return _run(tmp_path_factory, "canterbury_adms")


@pytest.fixture(scope="module")
def icp(tmp_path_factory):
    return _run(tmp_path_factory, "icp_themes")


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
    # falls: thinned attendances never arrive
    assert _m(icp, "icp_falls", "avoided_attendances") > 0 > _diff(icp, "icp_falls", "ed_attendances")
    assert _saving(icp, "icp_falls", "net_saving.local_authority") < 0      # public health pays
    # COPD: fewer of the cohort admitted
    assert _diff(icp, "icp_copd", "cohort.copd.admissions") < 0
    # end of life: would-be admissions cared for at home, where some die
    eol = icp["scenarios"]["icp_end_of_life"]["metrics"]
    assert eol["node.eol_home.arrivals"]["mean"] == eol["avoided_admissions"]["mean"] > 0
    assert eol["deaths.eol_home"]["mean"] > 0 == _m(icp, "baseline", "deaths.eol_home")
    # dementia: discharge holds shortened, so the cohort's delayed bed days fall
    assert _m(icp, "icp_dementia", "delayed_bed_days_saved.dementia_support") > 0
    assert _diff(icp, "icp_dementia", "cohort.dementia.delayed_bed_days") < 0


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
