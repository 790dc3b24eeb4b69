"""The HTML report: `flowsim run --html` and `flowsim experiment --html`."""

from __future__ import annotations

import sys

import pytest

from flowsim.cli import default_config_path, main
from flowsim.config.scenarios import load_scenario
from flowsim.metrics import ed_times
from flowsim.simulate import run_model

ED_SINGLE = default_config_path().with_name("ed_single.yaml")
FAST = ["--horizon", "12 days", "--warm-up", "2 days"]


def test_run_report_has_the_model_settings_metrics_and_plots(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["run", str(ED_SINGLE), *FAST, "--replications", "2", "--seed", "5", "--html", str(out)]) == 0
    assert f"HTML report written to {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Single emergency department (teaching)" in text
    assert "One type-1 ED of a medium health economy" in text  # the description
    for label in ("Four-hour breaches", "ED attendances", "Left ED within four hours", "mean [95% CI, 2 replications]",
                  "clipped at 0", "Seed"):
        assert label in text
    assert "<svg" in text and "Time in ED" in text
    assert "<link" not in text and "src=" not in text and "@import" not in text  # no external assets


def test_run_report_plots_occupancy_of_each_bed_node(tmp_path, tiny_path):
    out = tmp_path / "r.html"
    assert main(["run", str(tiny_path), "--replications", "1", "--html", str(out), "--format", "json"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Bed occupancy (replication 0)" in text and text.count("<svg") >= 2


def test_config_text_is_escaped(tmp_path):
    cfg = tmp_path / "evil.yaml"
    src = ED_SINGLE.read_text(encoding="utf-8")
    cfg.write_text(src.replace("name: Single emergency department (teaching)",
                               "name: \"<script>alert('x')</script> & ED\""), encoding="utf-8")
    out = tmp_path / "evil.html"
    assert main(["run", str(cfg), *FAST, "--replications", "1", "--html", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; ED" in text


@pytest.mark.parametrize("command", ["run", "experiment"])
def test_a_missing_directory_is_a_clear_error_before_running(tmp_path, tiny_path, capsys, command):
    target = str(tmp_path / "no_such_dir" / "report.html")
    first = str(tiny_path) if command == "run" else str(tmp_path / "never_read.yaml")
    assert main([command, first, "--html", target]) == 2
    captured = capsys.readouterr()
    assert "does not exist" in captured.err and "no_such_dir" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""  # nothing ran


def test_a_path_that_is_not_html_is_an_error(tmp_path, tiny_path, capsys):
    assert main(["run", str(tiny_path), "--html", str(tmp_path / "report.txt")]) == 2
    assert "expected a path ending in .html" in capsys.readouterr().err


def test_missing_matplotlib_says_how_to_install_it(tmp_path, tiny_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    assert main(["run", str(tiny_path), "--html", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "the HTML report needs matplotlib: pip install 'flowsim[plot]'" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_experiment_report_has_each_scenario_differences_and_forest_plots(tmp_path, tiny_path, capsys):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: t\ndescription: Prevention <b>vs</b> baseline\nmodel: {tiny_path}\n"
                   "scenarios: [baseline, prevention, raid]\nreplications: 2\nhorizon: 15 days\nwarm_up: 2 days\n")
    out = tmp_path / "exp.html"
    assert main(["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "st"), "--html", str(out)]) == 0
    assert f"HTML report written to {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "Experiment t" in text and "Prevention &lt;b&gt;vs&lt;/b&gt; baseline" in text
    for name in ("baseline", "prevention", "raid"):
        assert name in text
    assert "Difference vs baseline" in text and "Emergency admissions" in text
    assert text.count("<svg") >= 3  # forest plots of several key metrics


def test_keep_first_log_keeps_only_replication_0(tiny_path):
    cfg = load_scenario(tiny_path)
    res = run_model(cfg, replications=3, keep_first_log=True)
    assert len(res.logs) == 1
    assert len(run_model(cfg, replications=2, keep_logs=True).logs) == 2


def test_ed_times_are_the_attendances_behind_the_metrics(tiny_path):
    res = run_model(load_scenario(tiny_path), replications=1, keep_logs=True)
    elapsed, still_in = ed_times(res.logs[0], res.network)
    m = res.metrics[0]
    assert len(elapsed) == m["ed_attendances"]
    assert (elapsed > 240.0).sum() == m["four_hour_breaches"]
    assert (still_in & (elapsed <= 240.0)).sum() == m["ed_censored"]
