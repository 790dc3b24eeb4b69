"""Bad calendar input: exit 2 with file:line:col, the key path, and no traceback."""

from __future__ import annotations

import pytest

from flowsim.cli import main

BASE = """\
name: calendar
run: {horizon: 30 days, START}
sources:
  walk_in:
    to: ed
    rate: 100 per day
    SOURCE
services:
  ed:
    kind: queue
    setting: ed
    servers: 10
    duration: {lognormal: {mean: 3 h, sd: 2 h}}
    routes: [{to: home, p: 1}]
    SERVICE
"""


def text(start="start: 2025-10-01", source="growth: 0.02", service="bank_holidays: sun") -> str:
    return BASE.replace("START", start).replace("SOURCE", source).replace("SERVICE", service)


CASES = {
    "start not a date": (text(start="start: 2025-13-01"), 2, "run.start", "expected a valid date"),
    "start a word": (text(start="start: next monday"), 2, "run.start", "date"),
    "month profile of the wrong length": (text(source="by_month: [1, 1, 1]"), 7, "sources.walk_in.by_month",
                                          "at least 12"),
    "range ends before it starts": (text(service="dates: [{from: 2026-03-31, to: 2025-12-01, servers: 12}]"), 15,
                                    "services.ed.dates.0", "ends on or after its start"),
    "range of a date and a month-day": (text(service="dates: [{from: 2025-12-01, to: 03-31, servers: 12}]"), 15,
                                        "services.ed.dates.0", "both dates or both month-days"),
    "no such month-day": (text(service="dates: [{from: 02-30, to: 03-31, servers: 12}]"), 15,
                          "services.ed.dates.0.from", "no such day"),
    "range with neither servers nor schedule": (text(service="dates: [{from: 12-01, to: 03-31}]"), 15,
                                                "services.ed.dates.0", "exactly one of 'servers' or 'schedule'"),
    "bank holidays not a weekday": (text(service="bank_holidays: sunday"), 15, "services.ed.bank_holidays", "sun"),
    "growth not a number": (text(source="growth: 2%"), 7, "sources.walk_in.growth", "number"),
    "growth of -100% or less": (text(source="growth: -1.0"), 7, "sources.walk_in.growth", "> -1"),
    "run bank holidays not dates": (text(start="start: 2025-10-01, bank_holidays: [christmas]"), 2,
                                    "run.bank_holidays.0", "date"),
    "month profile without a start": (text(start="seed: 1", source="by_month: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
                                           service=""), 7, "sources.walk_in.by_month", "run.start"),
    "date ranges without a start": (text(start="seed: 1", source="",
                                         service="dates: [{from: 12-01, to: 03-31, servers: 12}]"), 15,
                                    "services.ed.dates", "run.start"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_calendar_input_exit_2(tmp_path, capsys, case):
    body, line, key, what = CASES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}:" in err and key in err and what in err, err
    assert "Traceback" not in err


def test_good_calendar_input_validates(tmp_path, capsys):
    path = tmp_path / "good.yaml"
    path.write_text(text(service="dates: [{from: 12-01, to: 03-31, servers: 12}, "
                                 "{from: 2025-12-24, to: 2025-12-27, servers: 6}]"))
    assert main(["validate", str(path)]) == 0
