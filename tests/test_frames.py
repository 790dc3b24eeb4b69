"""Results as pandas DataFrames: RunResult.to_frame and flowsim.load_store."""

from __future__ import annotations

import sys

import pytest

import flowsim
from flowsim.config.load import parse_config
from flowsim.errors import FlowsimError, UsageError
from flowsim.experiment import run_experiment

pd = pytest.importorskip("pandas")


def test_run_result_to_frame_is_tidy(tiny_text):
    res = flowsim.run_model(parse_config(tiny_text), replications=2)
    df = res.to_frame()
    assert list(df.columns) == ["scenario", "replication", "metric", "value"]
    assert len(df) == sum(len(m) for m in res.metrics)
    wide = df.pivot(index="replication", columns="metric", values="value")
    for r, m in enumerate(res.metrics):
        assert wide.loc[r, "admissions"] == m["admissions"]
    assert set(df["scenario"]) == {"baseline"}


def test_load_store_matches_the_experiment_summary(tmp_path, tiny_path):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: t\nmodel: {tiny_path}\nscenarios: [baseline, small_ward]\nreplications: 2\nseed: 4\n")
    doc = run_experiment(exp, workers=1, out=tmp_path / "store")
    df = flowsim.load_store(tmp_path / "store")
    assert df.attrs["manifest"]["fingerprint"]["seed"] == 4
    means = df.groupby(["scenario", "metric"])["value"].mean()
    for s in ("baseline", "small_ward"):
        assert means[(s, "admissions")] == pytest.approx(doc["scenarios"][s]["metrics"]["admissions"]["mean"])
    assert sorted(df["replication"].unique()) == [0, 1]


def test_load_store_not_a_store(tmp_path):
    with pytest.raises(UsageError, match="expected a flowsim experiment store"):
        flowsim.load_store(tmp_path)


def test_without_pandas_says_how_to_install(monkeypatch, tiny_text):
    res = flowsim.run_model(parse_config(tiny_text), replications=1)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(FlowsimError, match=r"pip install 'flowsim\[frames\]'"):
        res.to_frame()
