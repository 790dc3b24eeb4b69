"""The command line: run --scenario, experiment --format json, errors with exit status 2."""

from __future__ import annotations

import json

from flowsim.cli import main


def test_run_with_a_scenario_reports_intervention_metrics(tiny_path, capsys):
    assert main(["run", str(tiny_path), "--scenario", "raid", "--format", "json", "--replications", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["metrics"]["avoided_admissions.raid"]["mean"] > 0


def test_unknown_scenario_is_a_clear_error(tiny_path, capsys):
    assert main(["run", str(tiny_path), "--scenario", "rad"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'rad'; did you mean 'raid'?" in err and "Traceback" not in err


def test_experiment_json_contract(tmp_path, tiny_path, capsys):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: t\nmodel: {tiny_path}\nscenarios: [baseline, prevention]\nreplications: 2\n"
                   "horizon: 15 days\nwarm_up: 2 days\n")
    assert main(["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "st"), "--format", "json",
                 "--seed", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["experiment"] == "t" and doc["seed"] == 3 and doc["baseline"] == "baseline"
    prev = doc["scenarios"]["prevention"]
    assert prev["metrics"]["avoided_attendances"]["mean"] > 0
    d = prev["difference_vs_baseline"]["ed_attendances"]
    assert d["mean"] < 0 and len(d["ci95"]) == 2 and len(d["values"]) == 2
    assert {"wall_s", "executor", "workers"} <= set(doc["timing"])
