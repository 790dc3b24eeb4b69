"""`flowsim census`, `flowsim run --start-from` and `start_from:` in experiments, and bad census files."""

from __future__ import annotations

import csv
import json

import pytest

from flowsim.cli import default_config_path, main

from chain_model import CHAIN
from test_cli import cli

HEADER = "id,node,cohort,days_in_node,medically_fit,fit_days,onward,waiting,blocked\n"


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    d = tmp_path_factory.mktemp("chain")
    p = d / "chain.yaml"
    p.write_text(CHAIN, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def census(chain, tmp_path_factory):
    out = tmp_path_factory.mktemp("census") / "census.csv"
    assert main(["census", str(chain), "--at", "100 days", "-o", str(out), "--seed", "3"]) == 0
    return out


def test_census_command_writes_the_start_from_format(census):
    rows = list(csv.DictReader(open(census, encoding="utf-8")))
    assert rows and set(rows[0]) == set(HEADER.strip().split(","))
    assert {r["node"] for r in rows} >= {"ward", "reablement"}
    assert any(r["medically_fit"] == "yes" and r["onward"] == "reablement" for r in rows)


def test_run_start_from_reports_warm_start_and_forecast(chain, census, capsys):
    argv = ["run", str(chain), "--start-from", str(census), "--horizon", "2 weeks", "--replications", "3",
            "--format", "json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["warm_up_days"] == 0.0
    ws = doc["warm_start"]
    n = len(list(csv.DictReader(open(census, encoding="utf-8"))))
    assert ws["patients"] == n == ws["in_service"] + ws["medically_fit"] + ws["waiting"]
    fc = ws["forecast"]
    assert fc["replications"] == 3 and fc["days"] == 14 and set(fc["nodes"]) == {"ward"}
    ward = fc["nodes"]["ward"]
    assert ward["beds"] == 45 and len(ward["mean"]) == 14
    assert all(lo <= m <= hi for lo, m, hi in zip(ward["low"], ward["mean"], ward["high"]))
    # day 0 starts from the census: the ward holds its census patients (45 beds, blocked included)
    in_ward = sum(1 for r in csv.DictReader(open(census, encoding="utf-8")) if r["node"] == "ward")
    assert abs(ward["mean"][0] - in_ward) < 8


def test_run_start_from_html_has_the_forecast_plot(chain, census, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    html = tmp_path / "r.html"
    assert main(["run", str(chain), "--start-from", str(census), "--horizon", "1 week", "--replications", "2",
                 "--html", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert "Warm start and forecast" in text and "<svg" in text and "ward: forecast" in text
    assert "Warm start" in capsys.readouterr().out


def test_experiment_start_from(chain, census, tmp_path, capsys):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: warm\nmodel: {chain}\nstart_from: {census}\nhorizon: 1 week\nreplications: 2\n"
                   "scenarios: [baseline]\n", encoding="utf-8")
    assert main(["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "store"), "--format",
                 "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["warm_up_days"] == 0.0 and doc["scenarios"]["baseline"]["replications"] == 2
    # patients already in the ward count towards bed days from minute 0
    assert doc["scenarios"]["baseline"]["metrics"]["bed_days"]["mean"] > 7 * 30


BAD = [
    ("unknown node", HEADER + "1,wrad,general,2,no,,,no\n", ":2:2: node: unknown node 'wrad'; did you mean 'ward'?"),
    ("negative time", HEADER + "1,ward,general,-2,no,,,no\n", ":2:4: days_in_node: expected a number of days >= 0"),
    ("malformed number", HEADER + "1,ward,general,2,no,,,no\n2,ward,frail,3.x,no,,,no\n",
     ":3:4: days_in_node: expected a number of days, found '3.x'"),
    ("unknown column", "node,cohort,days_in_node,bed_no\nward,general,2,7\n", ":1:4: bed_no: unknown column 'bed_no'"),
    ("empty file", "", ":1:1: header: expected a header row"),
    ("header only", HEADER, ":2:1: rows: expected at least one patient row"),
    ("fit without onward", HEADER + "1,ward,general,5,yes,2,,no\n", ":2:7: onward: expected the service"),
    ("fit longer than stay", HEADER + "1,ward,general,5,yes,6,reablement,no\n", ":2:6: fit_days: expected at most"),
    ("unknown cohort", HEADER + "1,ward,genral,5,no,,,no\n", ":2:3: cohort: unknown cohort 'genral'"),
    ("bad flag", HEADER + "1,ward,general,5,maybe,,,no\n", ":2:5: medically_fit: expected yes or no"),
    ("blocked but not fit", HEADER + "1,ward,general,5,no,,,no,yes\n", ":2:9: blocked: expected a medically fit patient"),
    ("blocked going home", HEADER + "1,ward,general,5,yes,2,home,no,yes\n", ":2:9: blocked: expected a medically fit"),
]


@pytest.mark.parametrize("name,text,expect", BAD, ids=[b[0] for b in BAD])
def test_bad_census_exits_2_naming_file_row_and_column(chain, tmp_path, capsys, name, text, expect):
    p = tmp_path / "bad.csv"
    p.write_text(text, encoding="utf-8")
    assert main(["run", str(chain), "--start-from", str(p), "--horizon", "1 day"]) == 2
    err = capsys.readouterr().err
    assert f"{p}{expect}" in err, err
    assert "Traceback" not in err


def test_over_capacity_census_is_reported_not_refused(chain, tmp_path, capsys):
    p = tmp_path / "full.csv"
    p.write_text(HEADER + "".join(f"{i},ward,general,1,no,,,no\n" for i in range(50)), encoding="utf-8")
    assert main(["run", str(chain), "--start-from", str(p), "--horizon", "2 days", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "node ward: 50 patients in service, 45 servers" in captured.err
    assert json.loads(captured.out)["warm_start"]["notes"][0].endswith("until occupancy falls below 45")


def test_bad_census_in_a_subprocess_no_traceback(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text(HEADER + "1,ward,general,-1,no,,,no\n", encoding="utf-8")
    r = cli("run", str(default_config_path().with_name("ed_ward_reablement.yaml")), "--start-from", str(p))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{p}:2:4: days_in_node" in r.stderr


@pytest.mark.parametrize("argv, expect", [
    (["--at", "200 days", "-o", "census.txt"], "-o: expected a path ending in .csv"),
    (["--at", "soon", "-o", "c.csv"], "--at:"),
    (["--at", "0 days", "-o", "c.csv"], "--at: expected a time after the start"),
])
def test_census_command_bad_arguments(chain, tmp_path, capsys, monkeypatch, argv, expect):
    monkeypatch.chdir(tmp_path)
    assert main(["census", str(chain), *argv]) == 2
    assert expect in capsys.readouterr().err
