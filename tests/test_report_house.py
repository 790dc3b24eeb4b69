"""What the tables say and how (#14 items 8 and 9): counts whole, intervals clipped at 0
and with their replications, percentage points, honest labels, footnotes, wide names;
``node.<n>.still_waiting``; ``--scenario`` recorded; progress on stderr only; warnings
for unstable or impossible models (overload, a 0-bed ward behind blocking routes) and
none for the bundled default economy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flowsim.cli import default_config_path, main
from flowsim.config.scenarios import load_scenario
from flowsim.eventlog import IN_SYSTEM
from flowsim.report.experiment_table import render_experiment_table
from flowsim.report.table import ci_title, display_width, fmt_ci, fmt_value, render_run_table
from flowsim.simulate import run_model
from flowsim.stability import stability_warnings
from flowsim.stats import summarise_all

# 144 a day x 50 min = 5 erlangs on 2 servers: offered load 2.5
OVERLOADED = """\
name: overloaded clinic
run: {horizon: 20 days, warm_up: 2 days, replications: 2, seed: 7}
sources: {walk_in: {to: clinic, rate: 144 per day}}
services:
  clinic:
    kind: queue
    setting: community
    servers: 2
    duration: {exponential: {mean: 50 min}}
    routes: [{to: home, p: 1.0}]
scenarios:
  six_servers: {set: {services.clinic.servers: 6}}   # offered load 5/6
"""

# the ward never opens: ED patients routed there keep their cubicle for good
ZERO_BED_WARD = """\
name: ED in front of a ward with no beds
run: {horizon: 20 days, warm_up: 2 days, replications: 2, seed: 7}
sources: {arrivals: {to: ed, rate: 100 per day}}
services:
  ed:
    kind: queue
    setting: ed
    servers: 20
    duration: {exponential: {mean: 2 h}}
    routes: [{to: home, p: 0.7}, {to: ward, p: 0.3, blocking: true}]
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 0
    duration: {exponential: {mean: 3 days}}
    routes: [{to: home, p: 1.0}]
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    out = {}
    for name, text in (("over", OVERLOADED), ("zero", ZERO_BED_WARD)):
        (d / f"{name}.yaml").write_text(text, encoding="utf-8")
        out[name] = str(d / f"{name}.yaml")
    return out


def run_cli(capsys, *args):
    code = main(["run", *args])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


# --------------------------------------------------------------------------- formatting
def test_counts_are_whole_and_intervals_clipped_at_zero_with_their_replications():
    assert fmt_value(12.4, "n") == "12" and fmt_value(1234.6, "n") == "1,235"
    s = {"mean": 1.5, "ci95": [-4.85, 7.85]}  # 2 replications of a count: t interval below 0
    assert fmt_ci(s, "n") == "2 [0, 8]"
    assert fmt_ci(s, "n", clip=False) == "2 [-5, 8]"  # differences may be negative
    assert fmt_value(0.034, "pp") == "3.4 pp"
    assert ci_title(3) == "mean [95% CI, 3 replications]" and "no CI" in ci_title(1)


def _doc(metrics: dict, names, reps=2, scenario=None):
    m = {k: {"mean": v, "sd": 1.0, "ci95": [v - 10, v + 10], "values": [v] * reps} for k, v in metrics.items()}
    return {"config": "x.yaml", "engine": "compiled", "seed": 1, "replications": reps, "warm_up_days": 1,
            "horizon_days": 9, "metrics": m, **({"scenario": scenario} if scenario else {}),
            "timing": {"patients": [10] * reps, "replication_s": [0.1] * reps, "compile_s": 0.0}}


def test_run_table_labels_footnotes_scenario_and_wide_names():
    names = ["ed", "急诊科", "病房"]
    metrics = {"ed_attendances": 3.0, "four_hour_performance": 0.9, "avoided_admissions": 4.0}
    for n in names:
        metrics.update({f"node.{n}.arrivals": 5.0, f"node.{n}.utilisation": 0.5, f"node.{n}.still_waiting": 2.0})
    metrics["node.病房.utilisation"] = 1.04  # a roster that drops below those in service
    text = render_run_table(_doc(metrics, names, scenario="raid"), names)
    assert text.splitlines()[0] == "x.yaml, scenario raid"
    assert "Left ED within four hours" in text and "Seen within" not in text
    assert "Avoided admissions (in window)" in text and "mean [95% CI, 2 replications]" in text
    assert "ED attendances" in text and "3  [0, 13]" in text  # clipped, whole
    assert "clipped at 0" in text and "still waiting at the horizon" in text
    assert "104.0%*" in text and "* 病房: utilisation over 100%" in text
    rows = [line for line in text.splitlines() if line.split(" ")[0] in names]
    assert len(rows) == 3 and len({display_width(r) for r in rows}) == 1  # columns line up


def test_experiment_table_differences_in_percentage_points():
    s = {"mean": 0.8, "sd": 0.0, "ci95": [0.7, 0.9], "values": [0.8]}
    d = {"mean": -0.05, "sd": 0.0, "ci95": [-0.07, -0.03], "values": [-0.05]}
    doc = {"experiment": "e", "seed": 1, "baseline": "baseline", "warm_up_days": 1, "horizon_days": 9,
           "warm_up": {"note": "fixed"}, "replications": {"note": "fixed at 3"}, "failures": [], "store": "s",
           "scenarios": {"baseline": {"replications": 3, "metrics": {"four_hour_performance": s}},
                         "raid": {"replications": 3, "metrics": {"four_hour_performance": s},
                                  "difference_vs_baseline": {"four_hour_performance": d}}},
           "timing": {"replications_run": 6, "replications_wall_s": 1.0, "executor": "serial", "workers": 1,
                      "resumed": False}}
    text = render_experiment_table(doc)
    assert "-5.0 pp [-7.0 pp, -3.0 pp]" in text and "Left ED within four hours" in text
    assert "mean [95% CI, 3 replications]" in text


# --------------------------------------------------------------------------- still_waiting
def test_still_waiting_counts_the_visits_left_out_of_wait_mean(models):
    res = run_model(load_scenario(models["over"], "baseline"), replications=1, engine="simpy", keep_logs=True)
    log, m = res.logs[0], res.metrics[0]
    arrived = (log.arrive >= 2 * 1440) & (log.arrive < log.horizon)
    waiting = arrived & (log.outcome == IN_SYSTEM) & np.isnan(log.start)
    assert m["node.clinic.still_waiting"] == waiting.sum() > 100
    # identity: every visit arriving in the window started, or still waits (no patience, no diversion here)
    started = arrived & ~np.isnan(log.start)
    assert m["node.clinic.arrivals"] == started.sum() + m["node.clinic.still_waiting"]
    assert m["node.clinic.reneged"] == 0


# --------------------------------------------------------------------------- warnings and progress
def test_overloaded_model_warns_on_stderr_and_in_json(models, capsys):
    code, out, err = run_cli(capsys, models["over"], "--format", "json")
    doc = json.loads(out)  # stdout stays clean JSON: progress and warnings go to stderr
    assert code == 0 and len(doc["warnings"]) == 1
    load = doc["metrics"]["node.clinic.offered_load"]
    lo, hi = load["ci95"]
    assert lo <= 2.5 <= hi and 2.3 < load["mean"] < 2.7  # 144/day x 50 min / 2 servers = 2.5 offered
    assert "offered load" in doc["warnings"][0] and f"flowsim: warning: {doc['warnings'][0]}" in err
    assert "replications to run" in err and "replication 1 done" in err


def test_zero_bed_ward_behind_blocking_routes_warns(models, capsys):
    code, out, err = run_cli(capsys, models["zero"], "--format", "json", "--quiet")
    doc = json.loads(out)
    text = " ".join(doc["warnings"])
    assert "ward: visits arrive but it has no capacity" in text
    assert "ed: " in text and "still waiting at the horizon" in text  # the cubicles never free
    assert "replications to run" not in err and "warning" in err  # --quiet: warnings only


def test_bundled_default_economy_gives_no_warning():
    for reps in (1, 2):  # 1: what the README's quickstart runs
        res = run_model(load_scenario(default_config_path(), "baseline"), replications=reps)
        assert stability_warnings(summarise_all(res.metrics), res.network.node_names) == []
        assert res.warnings == []


def _summary(first: float, last: float, waiting: float) -> dict:
    return {f"node.q.{k}": {"mean": v} for k, v in (("wait_first_quarter", first), ("wait_last_quarter", last),
                                                    ("still_waiting", waiting), ("arrivals", 1000.0),
                                                    ("offered_load", 0.8))}


def test_waits_that_grow_warn_only_while_visits_still_wait_at_the_horizon():
    grew = "q: waits grow through the window"
    assert stability_warnings(_summary(0.0, 810.0, 0.0), ["q"]) == []           # a surge that cleared
    assert stability_warnings(_summary(0.0, 810.0, 3.0), ["q"])[0].startswith(grew)  # still queueing at the end
    assert stability_warnings(_summary(100.0, 700.0, 3.0), ["q"]) == []         # < 12 h longer: seasonal


def test_run_model_returns_the_warnings_without_printing(models, capsys):
    """The library gives the overloaded clinic's warning in its result and prints nothing."""
    res = run_model(load_scenario(models["over"], "baseline"), replications=2, engine="simpy")
    assert len(res.warnings) == 1 and res.warnings[0].startswith("clinic: offered load")
    assert res.warnings == stability_warnings(summarise_all(res.metrics), res.network.node_names)
    assert capsys.readouterr() == ("", "")


def test_scenario_is_recorded_in_json_and_table(capsys, tiny_path):
    code, out, err = run_cli(capsys, str(tiny_path), "--scenario", "raid", "--format", "json",
                             "--horizon", "12 days", "--replications", "2")
    doc = json.loads(out)
    assert doc["scenario"] == "raid" and "avoided_admissions" in doc["metrics"]
    code, out, err = run_cli(capsys, str(tiny_path), "--scenario", "raid", "--horizon", "12 days",
                             "--replications", "2")
    assert f"{tiny_path}, scenario raid" in out and "Avoided admissions (in window)" in out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Avoided admissions"))
    assert lines[at + 1].startswith("  raid ")  # per intervention, the one of five that counts


def test_experiment_warns_per_scenario(models, tmp_path):
    from flowsim.experiment import run_experiment
    from flowsim.experiment.progress import Progress
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"name: over\nmodel: {models['over']}\nhorizon: 12 days\nwarm_up: 2 days\nseed: 3\n"
                   "replications: 2\nscenarios: [baseline, six_servers]\n", encoding="utf-8")
    doc = run_experiment(exp, workers=1, out=tmp_path / "st", progress=Progress(quiet=True))
    assert len(doc["warnings"]) == 1 and doc["warnings"][0].startswith("scenario baseline: clinic: offered load")


def test_progress_counts_one_replication_in_the_singular():
    import io

    from flowsim.experiment.progress import Progress

    for counts, line in (({"run": 1}, "flowsim: 1 replication to run (run 1)"),
                         ({"a": 2, "b": 1}, "flowsim: 3 replications to run (a 2, b 1)")):
        out = io.StringIO()
        Progress(stream=out).plan(counts)
        assert out.getvalue().strip() == line
