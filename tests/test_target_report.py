"""The targeted group in the experiment's terminal table and HTML report (``report.target_table``)."""

from __future__ import annotations

import json
import re

from test_population import POP

from flowsim.cli import main
from flowsim.report.experiment_table import render_experiment_table
from flowsim.report.html import render_experiment_html
from flowsim.report.table import fmt_ci


def test_targeted_group_is_shown_with_its_paired_difference(tmp_path, capsys):
    model = tmp_path / "pop.yaml"
    model.write_text(POP.replace("AUC", "0.75").replace("horizon: 200 days", "horizon: 60 days"))
    spec = tmp_path / "exp.yaml"
    spec.write_text(f"name: targets\nmodel: {model}\nscenarios: [baseline, targeted]\nreplications: 2\nseed: 5\n")
    assert main(["experiment", str(spec), "--format", "json", "--workers", "1", "-q",
                 "--out", str(tmp_path / "store")]) == 0
    doc = json.loads(capsys.readouterr().out)
    on = doc["scenarios"]["targeted"]
    admissions = on["difference_vs_baseline"]["target.case_management.admissions"]
    assert admissions["mean"] < 0  # the whole group thinned: its admissions are gone
    text = render_experiment_table(doc)
    assert "Targeted group of case_management (the same people in every scenario)" in text
    assert re.search(r"People in the group\s+1,000 \[1,000, 1,000\]", text)  # 5% of 20,000, in every replication
    assert fmt_ci(admissions, "n", clip=False) in text
    html = render_experiment_html(doc)
    assert "<h2>Targeted group of case_management</h2>" in html
    assert f"<td>{fmt_ci(admissions, 'n', clip=False)}</td>" in html and "targeted minus baseline" in html
