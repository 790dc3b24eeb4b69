"""The pathway diagram: expected flows against theory and simulation, the SVG, and the CLI."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from flowsim.cli import default_config_path, main
from flowsim.config.load import parse_config
from flowsim.network import build_network
from flowsim.report.diagram import diagram_svg, expected_flows
from flowsim.simulate import run_model

LOOP = """\
name: A ward with readmissions
sources: {walk_in: {to: ed, rate: 100 per day}}
services:
  ed: {kind: queue, setting: ed, servers: 50, duration: {exponential: {mean: 1 h}},
       routes: [{to: ward, p: 0.3}, {to: home, p: 0.7}]}
  ward: {kind: delay, setting: acute, bed: true, duration: {exponential: {mean: 2 days}},
         routes: [{to: home, p: 0.8}, {to: ed, p: 0.2}]}
"""


def test_traffic_equations_with_a_loop():
    """ed = 100 + 0.2 ward, ward = 0.3 ed  =>  ed = 100 / (1 - 0.06) per day."""
    node, edges, src = expected_flows(build_network(parse_config(LOOP)))
    ed = 100 * 365 / (1 - 0.06)
    assert node[0] == pytest.approx(ed) and node[1] == pytest.approx(0.3 * ed)
    assert edges[(1, 0)] == pytest.approx(0.2 * 0.3 * ed) and src[0] == pytest.approx(36500)


def test_expected_flows_match_simulated_arrivals():
    """Node arrivals over a run of ED -> ward -> reablement (no diversions): within 4 Poisson sd."""
    cfg = parse_config(default_config_path().with_name("ed_ward_reablement.yaml").read_text())
    res = run_model(cfg, replications=2, seed=3)
    node, _, _ = expected_flows(res.network)
    years = (cfg.run.horizon - cfg.run.warm_up) / (365 * 1440)
    for i, name in enumerate(res.network.node_names):
        sim = np.mean([m[f"node.{name}.arrivals"] for m in res.metrics])
        exp = node[i] * years
        assert abs(sim - exp) <= 4 * math.sqrt(exp / 2), (name, sim, exp)


def test_svg_names_every_service_with_its_capacity():
    net = build_network(parse_config(default_config_path().read_text()))
    root = ET.fromstring(diagram_svg(net))
    assert float(root.get("width")) > 0 and float(root.get("height")) > 0
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for name in net.node_names:
        assert name in text
    assert "283 beds · acute" in text and "/yr (" in text and "-> home" in text


def test_cli_diagram(tmp_path, capsys):
    out = tmp_path / "model.svg"
    assert main(["diagram", "-o", str(out)]) == 0
    assert ET.parse(out).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert main(["diagram", "-o", str(tmp_path / "model.png")]) == 2
    assert "expected a path ending in .svg" in capsys.readouterr().err


def test_run_html_report_draws_the_pathway(tmp_path):
    out = tmp_path / "r.html"
    ed_single = default_config_path().with_name("ed_single.yaml")
    assert main(["run", str(ed_single), "--horizon", "5 days", "--warm-up", "1 day", "--replications", "1",
                 "--html", str(out), "--format", "json"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<h2>Pathway</h2>" in text and 'aria-label="pathway diagram of' in text
