"""A warm start on its census's date: `flowsim census` names the date on a model with a calendar,
`flowsim run --start DATE` and an experiment's `start:` put day 0 on it, so the run has that date's
months, weekdays and bank holidays (a census taken in July and run from 1 January would see
January's demand: the acute-medicine gap docs/warm-start.md tells of)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from flowsim.cli import main
from flowsim.config import parse_config
from flowsim.network import build_network

from chain_model import CHAIN

# July and August three times as busy as the other months
DATED = CHAIN.replace("seed: 5}", "seed: 5, start: 2025-01-01}").replace(
    "    rate: 9 per day\n", "    rate: 9 per day\n    by_month: [1, 1, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1]\n")


def _dated(tmp_path):
    p = tmp_path / "dated.yaml"
    p.write_text(DATED, encoding="utf-8")
    return p


def test_a_network_started_on_the_census_date_continues_the_calendar():
    # identity: the hourly rates of a run from 16 July are those of the run from 1 January, 196 days on
    T, W = 196, 42
    cfg = parse_config(DATED, "dated.yaml")
    cold = build_network(cfg.model_copy(update={"run": cfg.run.model_copy(update={"horizon": (T + W) * 1440.0})}))
    run = cfg.run.model_copy(update={"horizon": W * 1440.0, "start": dt.date(2025, 7, 16)})
    warm = build_network(cfg.model_copy(update={"run": run}))
    assert np.array_equal(warm.source_rate[:, :24 * W], cold.source_rate[:, 24 * T:24 * (T + W)])
    assert warm.source_rate[:, :24 * 7].sum() == pytest.approx(3 * cold.source_rate[:, :24 * 7].sum())  # July, January


def test_census_names_its_date_and_how_to_start_on_it(tmp_path, capsys):
    out = tmp_path / "c.csv"
    assert main(["census", str(_dated(tmp_path)), "--at", "196 days", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "at day 196 (Wednesday 16 July 2025) written to" in text
    assert f"--start-from {out} --start 2025-07-16" in text


def test_run_and_experiment_start_on_the_given_date(tmp_path, capsys):
    model = _dated(tmp_path)
    census = tmp_path / "c.csv"
    assert main(["census", str(model), "--at", "196 days", "-o", str(census)]) == 0
    capsys.readouterr()
    runs = {}
    for start in ([], ["--start", "2025-07-16"]):
        assert main(["run", str(model), "--start-from", str(census), "--horizon", "2 weeks", "--replications", "2",
                     "--format", "json", *start]) == 0
        runs[bool(start)] = json.loads(capsys.readouterr().out)["metrics"]["ed_attendances"]["values"]
    # 2 x 2 weeks of arrivals at 9 a day: ~250 in January, ~750 in July (Poisson: many sd apart)
    assert sum(runs[True]) > 2 * sum(runs[False])
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: dated\nmodel: {model}\nstart_from: {census}\nstart: 2025-07-16\nhorizon: 2 weeks\n"
                   "replications: 2\n", encoding="utf-8")
    assert main(["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "s"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # the same seed and replications as the run with --start: the same numbers
    assert doc["scenarios"]["baseline"]["metrics"]["ed_attendances"]["mean"] == sum(runs[True]) / 2


def test_a_malformed_start_is_refused(tmp_path, capsys):
    assert main(["run", str(_dated(tmp_path)), "--start", "16/07/2025", "-q"]) == 2
    err = capsys.readouterr().err
    assert "--start: expected a date as YYYY-MM-DD, found '16/07/2025'" in err and "Traceback" not in err
