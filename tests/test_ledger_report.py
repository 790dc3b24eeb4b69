"""The ledger in experiments: net savings and ROI with CIs, in JSON, the terminal table and HTML."""

from __future__ import annotations

import json

import pytest

from flowsim.cli import default_config_path, main
from flowsim.report.experiment_table import render_experiment_table
from flowsim.report.ledger_table import fmt_money

RAID = default_config_path().with_name("raid.yaml")


@pytest.fixture(scope="module")
def raid_experiment(tmp_path_factory):
    """(JSON document, HTML text) of a short RAID experiment: 3 replications of 50 days."""
    d = tmp_path_factory.mktemp("raid")
    spec = d / "raid.yaml"
    spec.write_text(f"name: raid_short\nmodel: {RAID}\nscenarios: [baseline, raid]\nreplications: 3\n"
                    "warm_up: 10 days\nhorizon: 50 days\nseed: 7\n")
    html = d / "report.html"
    return spec, d / "store", html


def test_raid_experiment_reports_net_saving_by_payer_and_roi_with_cis(raid_experiment, capsys):
    spec, store, html = raid_experiment
    assert main(["experiment", str(spec), "--format", "json", "--workers", "1", "--out", str(store),
                 "--html", str(html)]) == 0
    doc = json.loads(capsys.readouterr().out)
    sav = doc["scenarios"]["raid"]["savings"]
    for key in ("net_saving.nhs_acute", "net_saving.nhs_mental_health", "net_saving.total",
                "return_on_investment.raid"):
        lo, hi = sav[key]["ci95"]
        assert lo is not None and lo <= sav[key]["mean"] <= hi and len(sav[key]["values"]) == 3
    years = 40 / 365
    assert sav["net_saving.nhs_mental_health"]["mean"] == pytest.approx(-693000 * years)
    assert sav["net_saving.nhs_acute"]["mean"] > 0       # fewer and shorter stays
    assert sav["return_on_investment.raid"]["mean"] > 0
    assert "savings" not in doc["scenarios"]["baseline"]

    text = render_experiment_table(doc)
    ledger = text[text.index("Who pays, who saves"):].splitlines()[:6]
    assert ledger[1].split()[:4] == ["Payer", "baseline", "scenario", "difference"]
    assert [line.split()[0] for line in ledger[2:5]] == ["nhs_acute", "nhs_mental_health", "all"]
    assert "saves" in ledger[2] and "pays" in ledger[3]
    assert ledger[5].startswith("  Return on investment of raid:")
    assert max(len(line) for line in ledger) <= 100

    rows = (store / "summary.csv").read_text().splitlines()
    assert any(r.startswith("raid,return_on_investment.raid,") for r in rows)

    page = html.read_text()
    assert "Who pays, who saves: raid vs baseline" in page and "Return on investment" in page
    assert fmt_money(sav["net_saving.nhs_mental_health"]["mean"] * -1) in page


@pytest.mark.parametrize("x, text", [(1234567.0, "£1.23m"), (-45600.0, "-£46k"), (789.4, "£789"),
                                     (float("nan"), "-"), (None, "-")])
def test_money_is_written_with_a_currency_and_a_scale(x, text):
    assert fmt_money(x) == text


def test_run_table_and_html_list_the_cost_to_each_payer(tmp_path, capsys):
    config = default_config_path().with_name("ed_ward_reablement.yaml")
    html = tmp_path / "run.html"
    assert main(["run", str(config), "--horizon", "12 days", "--warm-up", "2 days", "--replications", "2",
                 "--html", str(html)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("Who pays"):out.index("Service")]
    assert "nhs_acute" in block and "local_authority" in block and "capacity (open, used or not)" in block
    # 520 beds x 10 days x 277 + 265 packages x 10 days x 88, the same in both replications
    assert "£1,673,600  [£1,673,600, £1,673,600]" in block
    page = html.read_text()
    assert "<h2>Who pays</h2>" in page and "local_authority" in page


def test_run_table_and_html_mark_pools_apart_from_payers(tmp_path, capsys):
    """A pool repeats its members' costs: the run table and the HTML report say which rows are pools."""
    from flowsim.config import load_config
    from flowsim.network import build_network
    config = default_config_path().with_name("default.yaml")
    pools = build_network(load_config(config)).prices.pool_names
    assert pools, "the default economy declares a pooled budget"
    html = tmp_path / "run.html"
    assert main(["run", str(config), "--horizon", "8 days", "--warm-up", "1 day", "-q", "--html", str(html)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("Who pays"):out.index("By kind of cost")]
    assert "the payers add up to the total, a pool repeats its members" in block
    for pool in pools:
        assert f"{pool} (pool)" in block and f"{pool} (pool)" in html.read_text()
    assert "nhs_acute (pool)" not in block
