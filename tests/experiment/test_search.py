"""Capacity search: bracketing and bisection on common random numbers against an exact Erlang C answer."""

from __future__ import annotations

import json
import math


from flowsim.cli import main
from flowsim.experiment.capacity import run_capacity

LAM_PER_DAY, MEAN_MIN = 1152, 10.0   # offered load a = 0.8/min x 10 min = 8 erlangs
TARGET = 0.18                        # P(wait) <= 18%: C(11) = 0.23 and C(12) = 0.14 lie well apart

MODEL = f"""\
name: M/M/c
run: {{horizon: 32 days, warm_up: 2 days, replications: 5, seed: 3}}
sources:
  calls: {{to: q, rate: {LAM_PER_DAY} per day}}
services:
  q:
    kind: queue
    setting: primary
    servers: 10
    duration: {{exponential: {{mean: {MEAN_MIN:g} min}}}}
    routes: [{{to: home, p: 1}}]
"""


def erlang_c(c: int, a: float) -> float:
    """P(an arrival waits) in M/M/c with offered load a < c (exact)."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def _files(tmp_path, search: str) -> str:
    (tmp_path / "mmc.yaml").write_text(MODEL)
    exp = tmp_path / "search.yaml"
    exp.write_text(f"name: mmc_search\nmodel: mmc.yaml\nreplications: 5\nseed: 3\n{search}")
    return str(exp)


SEARCH = f"""search:
  key: services.q.servers
  range: [9, 24]
  goal: smallest
  target: {{metric: node.q.wait_share, at_most: {TARGET}, confidence: 95%}}
"""


def test_search_finds_erlang_c_answer(tmp_path):
    a = LAM_PER_DAY / 1440 * MEAN_MIN
    exact = min(c for c in range(9, 25) if erlang_c(c, a) <= TARGET)
    assert exact == 12 and erlang_c(11, a) > TARGET + 0.05 and erlang_c(12, a) < TARGET - 0.03  # clear, as designed
    doc = run_capacity(_files(tmp_path, SEARCH), workers=1)
    s = doc["search"]
    assert s["answer"] == exact
    # bracket (2 ends) + bisection of a width-15 range: at most 2 + ceil(log2 15) values, each run once
    assert len(s["evaluated"]) == len(set(s["evaluated"])) <= 2 + math.ceil(math.log2(15))
    for p in s["curve"]:  # every value evaluated agrees with Erlang C within its 99%-ish band
        c = p["values"][0]
        lo, hi = p["ci95"]
        half = (hi - lo) / 2
        assert abs(p["mean"] - erlang_c(c, a)) <= 2 * half + 0.01, (c, p["mean"], erlang_c(c, a))


def test_search_no_answer_in_range_and_sweep_cli(tmp_path, capsys):
    text = SEARCH.replace("range: [9, 24]", "range: [9, 11]") + "sweep: {services.q.servers: [10, 12]}\n"
    html = tmp_path / "curve.html"
    assert main(["experiment", _files(tmp_path, text), "--workers", "1", "--format", "json", "--html", str(html)]) == 0
    doc = json.loads(capsys.readouterr().out)
    page = html.read_text(encoding="utf-8")
    assert "no value in the range meets the target" in page and page.count("<svg") >= 2
    assert doc["search"]["answer"] is None
    shares = [p["metrics"]["node.q.wait_share"]["mean"] for p in doc["sweep"]["points"]]
    assert shares[0] > shares[1]  # more servers, fewer wait


def test_search_bad_key_exit_2(tmp_path, capsys):
    text = SEARCH.replace("services.q.servers", "services.qq.servers")
    path = _files(tmp_path, text)
    for cmd in (["experiment", path, "--workers", "1"], ["validate", path]):
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert "qq" in err and "Traceback" not in err


def test_validate_checks_the_search_and_sweep(tmp_path, capsys):
    text = SEARCH + "sweep: {services.q.servers: [10, -1]}\n"
    assert main(["validate", _files(tmp_path, text)]) == 2
    assert "expected a whole number >= 0, found -1" in capsys.readouterr().err
    assert main(["validate", _files(tmp_path, SEARCH)]) == 0
    assert "search services.q.servers 9-24" in capsys.readouterr().out


def test_sweep_two_keys_is_a_grid_on_common_random_numbers(tmp_path):
    text = ("metrics: [node.q.wait_share]\n"
            "sweep:\n  services.q.servers: [10, 12]\n  sources.calls.rate: [1000 per day, 1152 per day]\n")
    doc = run_capacity(_files(tmp_path, text), workers=1, replications=2)
    pts = {tuple(p["values"]): p["metrics"] for p in doc["sweep"]["points"]}
    assert list(pts) == [(10, "1000 per day"), (10, "1152 per day"), (12, "1000 per day"), (12, "1152 per day")]
    share = {k: m["node.q.wait_share"]["mean"] for k, m in pts.items()}
    assert share[(10, "1000 per day")] < share[(10, "1152 per day")]   # more demand, more waiting
    assert share[(12, "1152 per day")] < share[(10, "1152 per day")]   # more servers, less waiting
