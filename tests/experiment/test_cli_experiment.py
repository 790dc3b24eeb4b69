"""The command line: run --scenario, experiment --format json, errors with exit status 2."""

from __future__ import annotations

import json

import pytest

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


def test_experiment_quiet_prints_no_progress_like_run(tmp_path, tiny_path, capsys):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: t\nmodel: {tiny_path}\nscenarios: [baseline]\nreplications: 1\nhorizon: 3 days\n"
                   "warm_up: 0\n")
    args = ["experiment", str(exp), "--workers", "1", "--format", "json"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert "replication 0 done" in capsys.readouterr().err
    assert main(args + ["--out", str(tmp_path / "b"), "-q"]) == 0
    assert "done" not in capsys.readouterr().err


def _exp(tmp_path, body: str):
    exp = tmp_path / "e.yaml"
    exp.write_text(body)
    return exp


def test_an_unknown_baseline_points_at_the_baseline_line_and_says_who_has_what(tmp_path, tiny_path, capsys):
    exp = _exp(tmp_path, f"name: t\nmodel: {tiny_path}\nscenarios:\n  mine:\n    set: {{run.seed: 3}}\n"
                         "baseline: zzzz\nreplications: 2\n")
    assert main(["validate", str(exp)]) == 2
    err = capsys.readouterr().err
    assert f"{exp}:6:11: baseline: unknown scenario 'zzzz'" in err and "Traceback" not in err
    # the model's scenarios and the file's own are told apart (the file's were listed as the model's)
    has = err.split("; the model tiny.yaml has ")[1]
    assert has.startswith("baseline, ") and "raid" in has and has.endswith(" and this file defines mine\n")
    assert "mine" not in has.split(" and this file")[0]


def test_a_misspelt_baseline_gets_a_suggestion(tmp_path, tiny_path, capsys):
    exp = _exp(tmp_path, f"name: t\nmodel: {tiny_path}\nbaseline: rad\nreplications: 2\n")
    assert main(["validate", str(exp)]) == 2
    assert f"{exp}:3:11: baseline: unknown scenario 'rad'" in capsys.readouterr().err


@pytest.mark.parametrize("keys, line, key, found", [
    ("horizon: 3 days\nwarm_up: 5 days\n", 5, "warm_up",
     "a warm-up of 5 days (in this file) and a horizon of 3 days (in this file)"),
    ("horizon: 1 day\n", 4, "horizon",
     "a warm-up of {w} days (by the model's run.warm_up) and a horizon of 1 day (in this file)"),
])
def test_a_warm_up_past_the_horizon_is_refused_at_its_line_in_days_before_running(tmp_path, tiny_path, capsys,
                                                                                  keys, line, key, found):
    from flowsim.config import load_config
    w = load_config(tiny_path).run.warm_up / 1440
    exp = _exp(tmp_path, f"name: t\nmodel: {tiny_path}\nreplications: 2\n{keys}")
    for argv in (["validate", str(exp)], ["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "st")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"{exp}:{line}:" in err and f"{key}: expected a warm-up shorter than the horizon" in err
        assert found.format(w=f"{w:g}") in err
    assert not (tmp_path / "st").exists()  # refused before the store was made


def test_a_store_drawn_under_randomness_version_2_is_refused_through_the_cli(tmp_path, tiny_path, capsys):
    """Version 3 changed the normal quantile (AS 241): a store of version 2 is never resumed."""
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: t\nmodel: {tiny_path}\nscenarios: [baseline]\nreplications: 1\nhorizon: 3 days\n"
                   "warm_up: 0\n")
    args = ["experiment", str(exp), "--workers", "1", "--format", "json", "-q", "--out", str(tmp_path / "st")]
    assert main(args) == 0
    capsys.readouterr()
    manifest = tmp_path / "st" / "manifest.json"
    doc = json.loads(manifest.read_text())
    assert doc["fingerprint"]["randomness_version"] == 3
    doc["fingerprint"]["randomness_version"] = 2  # as a store of the flowsim before AS 241
    manifest.write_text(json.dumps(doc))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "randomness_version: store has 2, now 3" in err and "cannot be mixed" in err
    assert "--out" in err and "Traceback" not in err
