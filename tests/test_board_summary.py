"""The board summary: one plain-English paragraph generated from an experiment's results.

Unit checks on a hand-made document (each phrase follows its numbers: the direction,
the CI, "cannot tell from no change" when the CI includes 0, payers whose CI excludes
0, pools left out, the ROI), then the paragraph at the top of a real experiment's HTML
report and terminal table.
"""

from __future__ import annotations

import re

from flowsim.cli import main
from flowsim.report.board_summary import board_summary


def _s(mean, lo, hi):
    return {"mean": mean, "sd": 1.0, "ci95": [lo, hi], "values": []}


def _doc(**central):
    diff = {"admissions": _s(-277.4, -316.0, -238.0), "bed_days": _s(-3329.0, -3483.0, -3175.0),
            "four_hour_performance": _s(0.004, -0.0004, 0.008)}
    diff.update(central)
    savings = {"net_saving.nhs_acute": _s(657_000.0, 413_000.0, 902_000.0),
               "net_saving.nhs_mental_health": _s(-727_000.0, -727_000.0, -727_000.0),
               "net_saving.local_authority": _s(18_000.0, -1_000.0, 36_000.0),
               "net_saving.better_care_fund": _s(25_000.0, 5_000.0, 40_000.0),
               "net_saving.primary_care": _s(7_098.0, 4_292.0, 9_905.0),
               "net_saving.total": _s(-51_000.0, -303_000.0, 201_000.0),
               "return_on_investment.raid_ed": _s(0.93, 0.58, 1.28)}
    zero = {k: _s(0.0, 0.0, 0.0) for k in diff}
    return {"experiment": "raid", "baseline": "baseline", "warm_up_days": 90.0, "horizon_days": 455.0,
            "pools": ["better_care_fund"], "failures": [],
            "scenarios": {"baseline": {"replications": 5, "metrics": {}},
                          "central": {"replications": 5, "metrics": {}, "difference_vs_baseline": diff,
                                      "savings": savings},
                          "null": {"replications": 5, "metrics": {}, "difference_vs_baseline": zero}}}


def test_each_phrase_follows_its_numbers():
    text = board_summary(_doc())
    assert text.startswith("This experiment compared 2 scenarios (central, null) with the baseline over one year")
    assert "each run 5 times on the same simulated patients" in text and "over those 5 paired replications" in text
    assert "277 fewer emergency admissions (95% CI 238 to 316)" in text
    assert "3,329 bed days freed in total (95% CI 3,175 to 3,483)" in text
    # a CI that includes 0 is said to be one the replications cannot tell from no change
    assert "four-hour performance up 0.4 percentage points (95% CI -0.0 to +0.8: not distinguishable" in text
    assert "nhs_acute saves £657,000 a year (95% CI £413,000 to £902,000)" in text
    assert "nhs_mental_health pays £727,000 a year;" in text            # a fixed sum: no interval to show
    assert "primary_care saves £7,100 a year (95% CI £4,300 to £9,900)" in text  # no false precision
    assert "local_authority" not in text                                # its CI includes 0: not named
    assert "better_care_fund" not in text                               # a pool repeats its members
    assert "all payers together lose £51,000 a year (95% CI from a £303,000 loss to a £201,000 saving" in text
    assert "return on investment £0.93 per £1 spent on raid_ed (95% CI £0.58 to £1.28;" in text
    # the null case: the same patients and the same flow, so exactly no change
    assert "In null, no change in emergency admissions; no change in bed days; no change in four-hour" in text


def test_more_admissions_and_an_uncertain_count_read_the_right_way():
    text = board_summary(_doc(admissions=_s(634.0, -273.0, 1542.0), bed_days=_s(315.0, 100.0, 530.0)))
    assert ("634 more emergency admissions (95% CI from 273 fewer to 1,542 more: the replications cannot tell "
            "this from no change)") in text
    assert "315 more bed days used in total (95% CI 100 to 530)" in text


def test_window_replications_and_failures_are_said():
    doc = _doc()
    doc["horizon_days"], doc["scenarios"]["null"]["replications"] = 150.0, 4
    doc["failures"] = [{"scenario": "null", "replication": 4, "seed": 1, "error": "x"}]
    text = board_summary(doc)
    assert "over 60 days of simulated time (after a 90-day warm-up)" in text and "each run 4 to 5 times" in text
    assert "£657,000 over the 60 days" in text and text.endswith("1 replication failed and are left out.")


def test_nothing_to_say_without_a_scenario_besides_the_baseline():
    doc = _doc()
    del doc["scenarios"]["central"], doc["scenarios"]["null"]
    assert board_summary(doc) == ""


def test_the_summary_opens_the_html_report_and_the_table(tmp_path, tiny_path, capsys):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: t\nmodel: {tiny_path}\nscenarios: [baseline, small_ward]\nreplications: 2\nseed: 4\n")
    out = tmp_path / "exp.html"
    assert main(["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "store"), "--html", str(out)]) == 0
    table = capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    para = re.search(r'<p class="summary" id="summary">(.*?)</p>', text, re.S)
    assert para and text.index('id="summary"') < text.index("<h2>Settings</h2>")
    assert "This experiment compared 1 scenario (small_ward) with the baseline" in para.group(1)
    assert "each run 2 times" in para.group(1) and "In small_ward, " in para.group(1)
    assert "Summary: This experiment compared 1 scenario (small_ward)" in table
    assert all(len(line) <= 100 for line in table.splitlines() if line.startswith("Summary") or "small_ward, " in line)
