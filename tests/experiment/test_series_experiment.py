"""Series in experiments: per-period means per scenario and paired differences per period."""

from __future__ import annotations

import math

import numpy as np
import pytest

from flowsim.errors import ConfigError
from flowsim.experiment import run_experiment
from flowsim.experiment.progress import Progress

QUIET = Progress(quiet=True)


def test_weekly_series_with_paired_differences(tmp_path, tiny_path):
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"name: tiny\nmodel: {tiny_path}\nhorizon: 26 days\nwarm_up: 5 days\nseed: 4\n"
                   "scenarios: {baseline: , raid: }\nreplications: 3\nseries: week\n")
    doc = run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    base, raid = doc["scenarios"]["baseline"], doc["scenarios"]["raid"]
    assert not any(k.startswith("series.") for k in base["metrics"])
    s = raid["series"]
    assert s["period"] == "week" and s["start"] == ["day 5", "day 12", "day 19"] and s["replications"] == 3
    # the periods add up to the window's totals, mean by mean
    for name in ("ed_attendances", "admissions"):
        assert sum(s["metrics"][name]["mean"]) == pytest.approx(raid["metrics"][name]["mean"], rel=1e-12)
        d = s["difference_vs_baseline"][name]
        total = raid["difference_vs_baseline"][name]["mean"]
        assert sum(d["mean"]) == pytest.approx(total, rel=1e-9, abs=1e-9)
        assert all(lo <= m <= hi for m, (lo, hi) in zip(d["mean"], d["ci95"]) if not math.isnan(lo))
    # the intervention avoids admissions: the paired difference per week is <= 0 on average
    assert np.sum(s["difference_vs_baseline"]["admissions"]["mean"]) < 0


def test_monthly_series_needs_a_start_date(tmp_path, tiny_path):
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"name: tiny\nmodel: {tiny_path}\nhorizon: 26 days\nwarm_up: 5 days\nseries: month\n")
    with pytest.raises(ConfigError, match="run.start"):  # before any replication runs
        run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)


def test_bad_series_in_an_experiment_file_exit_2(tmp_path, tiny_path, capsys):
    from flowsim.cli import main
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"name: tiny\nmodel: {tiny_path}\nseries: quarter\n")
    assert main(["validate", str(exp)]) == 2
    err = capsys.readouterr().err
    assert f"{exp}:3:9: series:" in err and "'week' or 'month'" in err


def test_experiment_html_plots_the_differences_per_period(tmp_path, tiny_path):
    from flowsim.cli import main
    exp, html = tmp_path / "exp.yaml", tmp_path / "r.html"
    exp.write_text(f"name: tiny\nmodel: {tiny_path}\nhorizon: 19 days\nwarm_up: 5 days\nseed: 4\n"
                   "scenarios: {baseline: , raid: }\nreplications: 2\nseries: week\n")
    assert main(["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "st"), "--html", str(html)]) == 0
    text = html.read_text()
    section = text[text.index("<h2>raid minus baseline, per week</h2>"):]
    assert section.count("<svg") >= 6 and "mean over 2 replication(s)" in section
