"""Series per week and month: they add up to the run's totals, and follow the profiles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flowsim.cli import main
from flowsim.config import parse_config
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.series import SERIES_METRICS, measure_series, periods

MODEL = """\
name: seasonal ED and ward
run: {horizon: 399 days, warm_up: 35 days, seed: 4, start: 2025-01-01}   # 52 whole weeks
cohorts: [general, frail]
sources:
  walk_in:
    to: ed
    rate: 60 per day
    by_month: [1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.7, 0.7, 0.9, 1.0, 1.1, 1.3]
    cohorts: {general: 0.7, frail: 0.3}
services:
  ed:
    kind: queue
    setting: ed
    servers: 8
    duration: {lognormal: {mean: 2 h, sd: 1 h}}
    routes:
      - {to: ward, p: 0.3, blocking: true}
      - {to: home, p: 0.7}
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 90
    dates: [{from: 12-01, to: 03-31, servers: 100}]   # winter escalation beds
    duration: {lognormal: {mean: 4 days, sd: 3 days}}
    routes:
      - {to: home, p: 0.8}
      - {to: care, p: 0.2, blocking: true}
  care:
    kind: queue
    setting: social_care
    servers: 30
    duration: {exponential: {mean: 5 days}}
    routes: [{to: home, p: 1}]
costs:
  per_day: {ward: 400, care: 120}
  per_visit: {ed: 20}
  ed_attendance: 180
  capacity: {ward: 280, care: 90}          # follows the winter escalation (the ledger)
"""


@pytest.fixture(scope="module")
def run():
    net = build_network(parse_config(MODEL))
    log = run_engine(net, make_draws(net, 4, 0), "compiled")
    return net, log


@pytest.mark.parametrize("period", ["week", "month"])
def test_series_add_up_to_the_totals(run, period):
    net, log = run
    ser, tot = measure_series(log, net, period), measure(log, net)
    n = len(periods(net, log.horizon, period))
    assert set(ser) == set(SERIES_METRICS) and all(len(v) == n for v in ser.values())
    for name in ("ed_attendances", "four_hour_breaches", "admissions"):
        assert ser[name].sum() == tot[name]
    for name in ("bed_days", "delayed_bed_days", "cost_total"):
        assert ser[name].sum() == pytest.approx(tot[name], rel=1e-9)


def test_months_follow_the_profile_and_winter_beds(run):
    net, log = run
    bounds = periods(net, log.horizon, "month")
    assert bounds[0][2] == "2025-02-05" and bounds[1][2] == "2025-03-01" and bounds[-1][2] == "2026-02-01"
    ser = measure_series(log, net, "month")
    days = np.array([(b - a) / 1440.0 for a, b, _ in bounds])
    per_day = ser["ed_attendances"] / days
    # expected per day from the profile (normalised to a day-weighted mean of 1); Poisson, 4 sd
    w = np.array([1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.7, 0.7, 0.9, 1.0, 1.1, 1.3])
    w = w / (w @ [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] / 365)
    months = [int(label[5:7]) - 1 for _, _, label in bounds]
    expected = 60 * w[months] * days
    assert np.all(np.abs(ser["ed_attendances"] - expected) <= 4 * np.sqrt(expected))
    july, december = months.index(6), months.index(11)
    assert per_day[december] > per_day[july]
    # the acute occupancy divides by the capacity of each month: 100 beds from December
    acute_days = ser["acute_occupancy"] * np.where(np.isin(months, [11, 0, 1, 2]), 100, 90) * days
    np.testing.assert_allclose(acute_days, ser["bed_days"], rtol=1e-9)  # only the ward holds beds


def test_cli_series_json_and_table(tmp_path, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL)
    assert main(["run", str(path), "--series", "month", "--replications", "2", "--format", "json",
                 "--horizon", "120 days"]) == 0
    doc = json.loads(capsys.readouterr().out)
    s = doc["series"]
    assert s["period"] == "month" and s["replications"] == 2 and s["start"][0] == "2025-02-05"
    for name in ("ed_attendances", "four_hour_performance", "admissions", "acute_occupancy", "delayed_bed_days",
                 "cost_total"):
        m = s["metrics"][name]
        assert len(m["mean"]) == len(s["start"]) == len(m["ci95"])
        assert all(lo <= mu <= hi for mu, (lo, hi) in zip(m["mean"], m["ci95"]))
    assert main(["run", str(path), "--series", "month", "--horizon", "120 days"]) == 0
    out = capsys.readouterr().out
    assert "Per month (means of 1 replication)" in out and "2025-03-01" in out and "£" in out


def test_cli_monthly_series_needs_a_start_date(tmp_path, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL.replace(", start: 2025-01-01", "").replace(
        "    dates: [{from: 12-01, to: 03-31, servers: 100}]   # winter escalation beds\n", "").replace(
        "    by_month: [1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.7, 0.7, 0.9, 1.0, 1.1, 1.3]\n", ""))
    assert main(["run", str(path), "--series", "month", "--horizon", "60 days"]) == 2
    assert "--series" in capsys.readouterr().err
    assert main(["run", str(path), "--series", "week", "--horizon", "60 days", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["series"]["start"][:2] == ["day 35", "day 42"]
    assert main(["run", str(path), "--series", "week", "--horizon", "40 days"]) == 2  # a 5-day window
    assert "a week or more" in capsys.readouterr().err


def test_html_report_plots_each_series_with_winter_shaded(tmp_path, capsys):
    path, html = tmp_path / "m.yaml", tmp_path / "r.html"
    path.write_text(MODEL)
    assert main(["run", str(path), "--series", "month", "--replications", "2", "--html", str(html)]) == 0
    text = html.read_text()
    section = text[text.index("<h2>Per month</h2>"):]
    assert section.count("<svg") >= 6 and "winter (Dec-Mar)" in section and "95% CI" in section
    assert "mean over 2 replication(s)" in section
