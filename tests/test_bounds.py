"""Absurd sizes and seeds are refused up front with a clear message (exit 2), not
after minutes of running or a MemoryError; a bare zero duration is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowsim
from flowsim.cli import main

MODEL = """name: tiny
run: {{horizon: {horizon}, warm_up: {warm_up}}}
sources: {{a: {{to: desk, rate: {rate}}}}}
services:
  desk: {{kind: delay, setting: community, duration: {{fixed: {{value: 1 h}}}}, routes: [{{to: home, p: 1}}]}}
"""


def _model(tmp_path: Path, horizon="10 days", warm_up="0", rate="10 per day") -> str:
    p = tmp_path / "m.yaml"
    p.write_text(MODEL.format(horizon=horizon, warm_up=warm_up, rate=rate))
    return str(p)


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("flowsim: error: ")
    return err


def test_bare_zero_warm_up_is_accepted(tmp_path):
    cfg = flowsim.load_config(_model(tmp_path, warm_up="0"))
    assert cfg.run.warm_up == 0.0


@pytest.mark.parametrize("horizon, expected", [
    ("1e400 days", "run.horizon: expected a finite duration, found '1e400 days'"),
    ("100000000 days", "run: expected a horizon of at most 36,525 days (100 years), found 100,000,000 days"),
])
def test_absurd_horizon_is_refused_by_validate(tmp_path, capsys, horizon, expected):
    path = _model(tmp_path, horizon=horizon)
    assert expected in _error(capsys, ["validate", path])


def test_absurd_rate_is_refused_with_its_line(tmp_path, capsys):
    path = _model(tmp_path, rate="1000000000 per day")
    err = _error(capsys, ["validate", path])
    assert f"{path}:3:" in err and "sources.a.rate: expected at most 50,000,000 patients per replication" in err


@pytest.mark.parametrize("args, expected", [
    (["--seed", str(2**63)], "--seed: expected a whole number from 0 to 9,223,372,036,854,775,807"),
    (["--seed", "-1"], "--seed: expected a whole number from 0"),
    (["--replications", "1000000000"], "--replications: expected a whole number from 1 to 100,000"),
    (["--replications", "0"], "--replications: expected a whole number from 1 to 100,000, found 0"),
])
def test_run_arguments_are_checked_before_running(tmp_path, capsys, args, expected):
    assert expected in _error(capsys, ["run", _model(tmp_path), *args])


def test_experiment_seed_out_of_range_is_refused_before_any_store(tmp_path, capsys):
    model = _model(tmp_path)
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: e\nmodel: {model}\nscenarios: {{baseline: {{}}}}\nreplications: 2\n")
    out = tmp_path / "store"
    err = _error(capsys, ["experiment", str(exp), "--seed", str(2**63), "--out", str(out)])
    assert "--seed: expected a whole number from 0" in err
    assert not out.exists()


def test_run_model_validates_its_arguments(tmp_path):
    cfg = flowsim.load_config(_model(tmp_path))
    with pytest.raises(flowsim.UsageError, match="replications: expected a whole number from 1"):
        flowsim.run_model(cfg, replications=0)
    with pytest.raises(flowsim.UsageError, match="seed: expected a whole number from 0"):
        flowsim.run_model(cfg, seed=-1)
    with pytest.raises(flowsim.UsageError, match="found 2.5"):
        flowsim.run_model(cfg, replications=2.5)
