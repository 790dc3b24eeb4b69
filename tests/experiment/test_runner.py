"""The experiment runner: same numbers on every executor, resumable store, failures, CI method."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowsim.errors import ConfigError
from flowsim.experiment import run_experiment
from flowsim.experiment.progress import Progress
from flowsim.experiment.tasks import replication_task

QUIET = Progress(quiet=True)
SRC = str(Path(__file__).resolve().parents[2] / "src")


def experiment(tmp_path, tiny_path, body: str, name: str = "exp.yaml") -> Path:
    p = tmp_path / name
    warm = "" if "warm_up:" in body else "warm_up: 3 days\n"
    p.write_text(f"name: tiny\nmodel: {tiny_path}\nhorizon: 25 days\n{warm}seed: 4\n" + body)
    return p


def comparable(doc: dict) -> str:
    from flowsim.cli import _jsonable  # as the CLI prints it: NaN -> null
    doc = {k: v for k, v in doc.items() if k not in ("timing", "store")}
    return json.dumps(_jsonable(doc), sort_keys=True)


SCENARIOS = "scenarios: {baseline: , more_home_care: , raid: }\n"


def test_same_results_serial_processes_and_dask(tmp_path, tiny_path):
    exp = experiment(tmp_path, tiny_path, SCENARIOS + "replications: 4\n")
    serial = run_experiment(exp, workers=1, out=tmp_path / "s1", progress=QUIET)
    pool = run_experiment(exp, workers=2, out=tmp_path / "s2", progress=QUIET)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        dask = run_experiment(exp, scheduler=cluster, out=tmp_path / "s3", progress=QUIET)
    assert pool["timing"]["executor"] == "processes" and dask["timing"]["executor"] == "dask"
    assert comparable(serial) == comparable(pool) == comparable(dask)
    d = serial["scenarios"]["raid"]["difference_vs_baseline"]["avoided_admissions"]
    assert set(d) == {"mean", "sd", "ci95", "values"} and len(d["values"]) == 4


def test_resume_after_kill_equals_an_uninterrupted_run(tmp_path, tiny_path):
    exp = experiment(tmp_path, tiny_path, SCENARIOS + "replications: 8\n")
    store = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-m", "flowsim.cli", "experiment", str(exp), "--out", str(store),
           "--workers", "1", "--format", "json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(store.glob("replications/*/r*.parquet"))) < 5:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    done = len(list(store.glob("replications/*/r*.parquet")))
    assert 5 <= done < 24, done  # killed part-way
    # a write cut short leaves at most a temporary file, which no reader takes for a result
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert not list(store.glob("replications/*/.*.tmp*"))  # and resuming clears it away
    resumed = json.loads(out.stdout)
    assert resumed["timing"]["resumed"] and resumed["timing"]["replications_run"] == 24 - done
    full = run_experiment(exp, workers=1, out=tmp_path / "full", progress=QUIET)
    assert comparable(resumed) == comparable(full)


def test_refuses_to_resume_with_a_different_config(tmp_path, tiny_path, tiny_text):
    exp = experiment(tmp_path, tiny_path, "replications: 2\n")
    run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    tiny_path.write_text(tiny_text.replace("rate: 120 per day", "rate: 121 per day"))
    with pytest.raises(ConfigError, match="refusing to resume .*model_sha256"):
        run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    with pytest.raises(ConfigError, match="seed"):
        tiny_path.write_text(tiny_text)
        run_experiment(exp, workers=1, seed=9, out=tmp_path / "st", progress=QUIET)


def test_refuses_to_resume_a_store_drawn_under_another_randomness_version(tmp_path, tiny_path):
    """A store written before the contract's version was recorded (version 1) is never mixed
    with replications drawn under version 3: refused, with what differs and why; nothing lost."""
    exp = experiment(tmp_path, tiny_path, "replications: 2\n")
    run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    manifest = tmp_path / "st" / "manifest.json"
    doc = json.loads(manifest.read_text())
    assert doc["fingerprint"]["randomness_version"] == 3
    del doc["fingerprint"]["randomness_version"]  # as a store of an earlier flowsim
    manifest.write_text(json.dumps(doc))
    before = sorted(p.name for p in (tmp_path / "st").rglob("*.parquet"))
    with pytest.raises(ConfigError, match=r"randomness_version: store has 1, now 3 .*cannot be mixed"):
        run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    assert sorted(p.name for p in (tmp_path / "st").rglob("*.parquet")) == before and len(before) == 2


def flaky(net, seed, scenario, replication, engine):
    if scenario == "more_home_care" and replication == 1:
        net = None  # the run fails inside the engine
    return replication_task(net, seed, scenario, replication, engine)


def test_a_failed_replication_is_reported_and_the_rest_finish(tmp_path, tiny_path, capsys):
    exp = experiment(tmp_path, tiny_path, "scenarios: [baseline, more_home_care]\nreplications: 3\n")
    doc = run_experiment(exp, workers=1, out=tmp_path / "st", progress=Progress(stream=sys.stderr),
                         task=flaky)
    err = capsys.readouterr().err
    assert "replication 1 of scenario 'more_home_care' failed (seed 4" in err
    assert [(f["scenario"], f["replication"], f["seed"]) for f in doc["failures"]] == [("more_home_care", 1, 4)]
    assert doc["scenarios"]["baseline"]["replications"] == 3
    assert doc["scenarios"]["more_home_care"]["replications"] == 2
    assert len(doc["scenarios"]["more_home_care"]["difference_vs_baseline"]["bed_days"]["values"]) == 2
    # rerunning fills the gap
    again = run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    assert again["timing"]["replications_run"] == 1 and not again["failures"]


def test_ci_method_adds_replications_until_the_half_width_is_met(tmp_path, tiny_path):
    exp = experiment(tmp_path, tiny_path, "replications: {method: ci, metrics: [bed_days], within: 1.5%, "
                     "initial: 3, step: 2, max: 9}\n")
    doc = run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    reps = doc["replications"]
    n = reps["replications"]
    assert reps["method"] == "ci" and 3 <= n <= 9
    widths = [r["half_width_pct"]["baseline.bed_days"] for r in reps["rounds"]]
    assert all(w > 1.5 for w in widths[:-1])
    assert reps["met"] == (widths[-1] <= 1.5) and (reps["met"] or n == 9)
    assert doc["scenarios"]["baseline"]["replications"] == n
    with pytest.raises(ConfigError, match="unknown metric 'bed_dayz'; did you mean 'bed_days'"):
        run_experiment(experiment(tmp_path, tiny_path, "replications: {method: ci, metrics: [bed_dayz], "
                                  "within: 5%}\n", "bad.yaml"), workers=1, out=tmp_path / "st2", progress=QUIET)


def test_store_files_csvs_and_methods(tmp_path, tiny_path):
    exp = experiment(tmp_path, tiny_path, "scenarios: [baseline, raid]\nreplications: 2\n"
                     "warm_up: {method: mser5, pilot_replications: 1}\n")
    doc = run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    root = tmp_path / "st"
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["warm_up"]["method"] == "mser5" and doc["warm_up"]["method"] == "mser5"
    # the engine the scenarios ran on, not "auto" (#14); the request kept beside it
    assert doc["engine"] == "compiled" and doc["engine_requested"] == "auto"
    assert isinstance(doc["warnings"], list)
    assert {"numpy", "simpy", "flowsim"} <= set(manifest["versions"])
    assert (root / "summary.csv").read_text().startswith("scenario,metric,mean")
    assert len((root / "replications.csv").read_text().splitlines()) == 5
    methods = (root / "methods.md").read_text()
    for section in ("## 1. Objectives", "## 3. Data", "## 4. Experimentation", "MSER-5", "SeedSequence"):
        assert section in methods


def test_experiment_file_errors_say_where(tmp_path, tiny_path):
    bad = experiment(tmp_path, tiny_path, "replicatoins: 3\n")
    with pytest.raises(ConfigError) as info:
        run_experiment(bad, workers=1, out=tmp_path / "x", progress=QUIET)
    assert "did you mean 'replications'" in str(info.value) and info.value.line == 6 - 0
    bad = experiment(tmp_path, tiny_path, "scenarios: [baseline, rai]\n")
    with pytest.raises(ConfigError, match="unknown scenario 'rai'.*did you mean 'raid'"):
        run_experiment(bad, workers=1, out=tmp_path / "x", progress=QUIET)


def test_outputs_events_keeps_each_replications_event_log(tmp_path, tiny_path):
    import pyarrow.parquet as pq

    exp = experiment(tmp_path, tiny_path, "scenarios: [baseline]\nreplications: 2\noutputs: {events: true}\n")
    doc = run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    files = sorted((tmp_path / "st" / "events" / "baseline").glob("r*.parquet"))
    assert [f.name for f in files] == ["r000000.parquet", "r000001.parquet"]
    for r, f in enumerate(files):
        t = pq.read_table(f)
        assert set(t.column("replication").to_pylist()) == {r}
        # the log is the one the metrics were measured on
        patients = len(set(t.column("patient").to_pylist()))
        assert patients == doc["scenarios"]["baseline"]["metrics"]["patients"]["values"][r]


def test_cli_on_a_dask_scheduler_address(tmp_path, tiny_path):
    """`flowsim experiment --scheduler tcp://...` from another process, as a user runs it."""
    distributed = pytest.importorskip("distributed")
    exp = experiment(tmp_path, tiny_path, "scenarios: [baseline, more_home_care]\nreplications: 2\n")
    serial = run_experiment(exp, workers=1, out=tmp_path / "serial", progress=QUIET)
    env = {**os.environ, "PYTHONPATH": SRC}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        out = subprocess.run([sys.executable, "-m", "flowsim.cli", "experiment", str(exp), "--scheduler",
                              cluster.scheduler_address, "--out", str(tmp_path / "dask"), "--format", "json"],
                             env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["timing"]["executor"] == "dask"
    assert comparable(doc) == comparable(serial)


def test_scheduler_that_cannot_be_reached_is_a_clear_error(tmp_path, tiny_path):
    pytest.importorskip("distributed")
    exp = experiment(tmp_path, tiny_path, "replications: 1\n")
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run([sys.executable, "-m", "flowsim.cli", "experiment", str(exp), "--scheduler",
                          "tcp://127.0.0.1:9", "--out", str(tmp_path / "st")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "127.0.0.1:9" in out.stderr and "Traceback" not in out.stderr
