"""Integration tests of the command line: `flowsim run`, `validate`, `init`.

Most run ``main(argv)`` in-process (fast); a few run ``python -m flowsim.cli`` in
a subprocess to see exactly what a user sees (exit status, no traceback).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import flowsim
from flowsim.cli import default_config_path, main

ED_SINGLE = str(default_config_path().with_name("ed_single.yaml"))
FAST = ["--horizon", "12 days", "--warm-up", "2 days"]
TOP_KEYS = {"config", "seed", "randomness_version", "replications", "engine", "warm_up_days", "horizon_days", "metrics", "timing",
            "warnings"}
TOTALS = ("bed_days", "delayed_bed_days", "ed_attendances", "four_hour_breaches", "four_hour_performance",
          "twelve_hour_waits", "admissions", "cost_total")
PER_NODE = ("arrivals", "served", "diverted", "reneged", "wait_mean", "wait_p95", "utilisation",
            "mean_occupancy", "bed_days", "delayed_bed_days")
EVENT_COLUMNS = ["replication", "patient", "seq", "cohort", "node", "prev", "arrive", "start", "end", "depart",
                 "outcome", "dest"]


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    src = str(Path(flowsim.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "flowsim.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def run_json(capsys, *args) -> dict:
    assert main(["run", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------- run: JSON contract
def test_json_document_has_exactly_the_contract_keys(capsys):
    doc = run_json(capsys, ED_SINGLE, *FAST, "--replications", "2")
    assert set(doc) == TOP_KEYS
    assert doc["replications"] == 2 and doc["engine"] == "compiled"  # engine: auto picks compiled and doc["config"] == ED_SINGLE
    assert set(doc["timing"]) == {"wall_s", "replication_s", "patients", "compile_s", "workers"}
    assert len(doc["timing"]["replication_s"]) == len(doc["timing"]["patients"]) == 2
    assert doc["timing"]["compile_s"] >= 0.0
    assert doc["timing"]["wall_s"] > 0 and all(p > 0 for p in doc["timing"]["patients"])
    names = list(TOTALS) + [f"node.ed.{k}" for k in PER_NODE]
    for name in names:
        m = doc["metrics"][name]
        assert set(m) == {"mean", "sd", "ci95", "values"}, name
        assert len(m["values"]) == 2 and len(m["ci95"]) == 2, name
    ed = doc["metrics"]["ed_attendances"]
    assert ed["ci95"][0] <= ed["mean"] <= ed["ci95"][1]
    assert ed["mean"] == pytest.approx(sum(ed["values"]) / 2)


def test_overrides_reach_the_document(capsys):
    doc = run_json(capsys, ED_SINGLE, "--replications", "3", "--seed", "99", "--warm-up", "1 day",
                   "--horizon", "6 days")
    assert (doc["replications"], doc["seed"], doc["warm_up_days"], doc["horizon_days"]) == (3, 99, 1.0, 6.0)
    assert all(len(m["values"]) == 3 for m in doc["metrics"].values())
    # ~195 arrivals a day for 5 days in the window
    assert 700 < doc["metrics"]["node.ed.arrivals"]["mean"] < 1300


def test_default_config_json_has_every_node(capsys):
    doc = run_json(capsys, "--horizon", "20 days", "--warm-up", "5 days")
    assert doc["config"].endswith("(bundled default)")
    for node in ("gp_same_day", "ed", "acute_medicine", "elderly_care", "reablement", "intermediate_care",
                 "care_home_d2a"):
        for k in PER_NODE:
            assert f"node.{node}.{k}" in doc["metrics"]


def test_run_with_no_argument_runs_the_bundled_default_anywhere(tmp_path):
    r = cli("run", "--horizon", "20 days", "--warm-up", "5 days", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Medium health economy" in r.stdout and "Traceback" not in r.stderr


# ------------------------------------------------------------------- run: event logs
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_events_written_readable_with_expected_columns(tmp_path, capsys, suffix):
    path = tmp_path / f"events{suffix}"
    assert main(["run", ED_SINGLE, *FAST, "--replications", "2", "--events", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    if suffix == ".parquet":
        table = pq.read_table(path)
        assert table.column_names == EVENT_COLUMNS
        reps = set(table.column("replication").to_pylist())
        nodes = set(table.column("node").to_pylist())
    else:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        assert list(rows[0]) == EVENT_COLUMNS
        reps = {int(r["replication"]) for r in rows}
        nodes = {r["node"] for r in rows}
    assert reps == {0, 1} and nodes == {"ed"}
    assert not list(tmp_path.glob(".*.tmp*"))


def test_events_with_a_bad_suffix_exit_2_and_write_nothing(tmp_path, capsys):
    path = tmp_path / "events.xlsx"
    assert main(["run", ED_SINGLE, *FAST, "--events", str(path)]) == 2
    err = capsys.readouterr().err
    assert ".parquet or .csv" in err and not path.exists()


# ------------------------------------------------------------------- validate and init
def test_validate_good_config(capsys):
    assert main(["validate", ED_SINGLE]) == 0
    assert "OK" in capsys.readouterr().out


GOOD_TAIL = """\
sources:
  walk_in: {to: ed, rate: 100 per day}
services:
  ed:
    kind: queue
    setting: ed
    servers: 10
    duration: {lognormal: {mean: 3 h, sd: 2 h}}
    routes: [{to: ROUTE, p: 1}]
  reablement:
    kind: queue
    setting: social_care
    servers: 5
    duration: {exponential: {mean: 5 days}}
    routes: [{to: home, p: 1}]
"""


def bad_config(kind: str) -> tuple[str, int]:
    """(YAML text, the line the error is on)."""
    if kind == "bare number":
        return "name: bad\nrun: {horizon: 30, warm_up: 2 days}\n" + GOOD_TAIL.replace("ROUTE", "home"), 2
    if kind == "unknown node":
        text = "name: bad\n" + GOOD_TAIL.replace("ROUTE", "reablment")
        return text, text.splitlines().index("    routes: [{to: reablment, p: 1}]") + 1
    # an unclosed flow mapping: the parser notices on line 4
    return "name: bad\nservices:\n  ed: {kind: queue\n  setting: ed\n", 4


@pytest.mark.parametrize("kind", ["bare number", "unknown node", "yaml syntax"])
def test_bad_configs_exit_2_with_place_and_no_traceback(tmp_path, kind):
    text, line = bad_config(kind)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    for command in ("validate", "run"):
        r = cli(command, str(path))
        assert r.returncode == 2, (command, r.stderr)
        assert "Traceback" not in r.stderr and r.stdout == ""
        assert f"{path}:{line}:" in r.stderr, r.stderr
    if kind == "unknown node":
        assert "did you mean 'reablement'" in r.stderr
    if kind == "bare number":
        assert "run.horizon" in r.stderr
    if kind == "yaml syntax":
        assert "YAML" in r.stderr


def test_missing_config_exit_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_init_writes_a_config_that_validates_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    assert main(["init", str(path)]) == 0
    assert path.read_text() == default_config_path().read_text()
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    path.write_text("# my edits\n" + path.read_text())
    assert main(["init", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text().startswith("# my edits")
    assert main(["init", str(path), "--force"]) == 0
    assert path.read_text() == default_config_path().read_text()


@pytest.mark.parametrize("args, text", [
    (["--horizon", "20"], "--horizon"),
    (["--warm-up", "30 days", "--horizon", "20 days"], "warm-up"),
    (["--replications", "0"], "--replications"),
])
def test_bad_overrides_exit_2(capsys, args, text):
    assert main(["run", ED_SINGLE, *args]) == 2
    assert text in capsys.readouterr().err


# ------------------------------------------------------------- validate: scenarios, experiments
RAID = default_config_path().with_name("raid.yaml")
EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def test_validate_checks_every_scenario_of_a_model(tmp_path, capsys):
    assert main(["validate", str(RAID)]) == 0
    assert "scenarios raid" in capsys.readouterr().out
    bad = tmp_path / "raid.yaml"
    bad.write_text(RAID.read_text().replace("interventions: [raid]", "interventions: [riad]"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "riad" in err and "did you mean 'raid'" in err


@pytest.mark.parametrize("name", ["raid.yaml", "more_reablement.yaml"])
def test_validate_an_experiment_file(name, capsys):
    assert main(["validate", str(EXPERIMENTS / name)]) == 0
    out = capsys.readouterr().out
    assert "OK (experiment" in out and "baseline" in out


def test_validate_an_experiment_with_an_unknown_scenario(tmp_path, capsys):
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"name: x\nmodel: {RAID}\nscenarios: [baseline, raid, raidd]\nreplications: 2\n")
    assert main(["validate", str(exp)]) == 2
    err = capsys.readouterr().err
    # a list of names: the key path is the item's index, and the column is the item's
    assert f"{exp}:3:29: scenarios.2: unknown scenario 'raidd'" in err and "did you mean 'raid'" in err
