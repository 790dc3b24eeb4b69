"""Bad money input: exit status 2, file:line:col and key path, no traceback."""

from __future__ import annotations

import pytest

from flowsim.cli import main

from test_cli import cli

BASE = """\
name: money
payers: [trust, council]
pools: {bcf: [trust, POOLED]}
deaths: [DEATH]
sources:
  walk_in: {to: ed, rate: 10 per day}
services:
  ed:
    kind: queue
    setting: ed
    payer: PAYER
    servers: 2
    duration: {exponential: {mean: 1 h}}
    routes: [{to: home, p: 0.9}, {to: died, p: 0.1}]
  home_care:
    kind: queue
    setting: social_care
    payer: council
    servers: 2
    duration: {exponential: {mean: 1 day}}
    routes: [{to: home, p: 1}]
costs:
  capacity: {CAPNODE: 100}
  per_day: {home_care: PRICE}
  unmet_demand: {left_without_being_seen: UNMET}
"""
GOOD = {"POOLED": "council", "DEATH": "died", "PAYER": "trust", "CAPNODE": "ed", "PRICE": "30", "UNMET": "1186"}


def _text(**bad) -> str:
    text = BASE
    for key, value in {**GOOD, **bad}.items():
        text = text.replace(key, value)
    return text


def test_the_good_config_validates(tmp_path, capsys):
    p = tmp_path / "good.yaml"
    p.write_text(_text())
    assert main(["validate", str(p)]) == 0


@pytest.mark.parametrize("bad, line, path, words", [
    ({"PAYER": "trsut"}, 11, "services.ed.payer", "unknown payer 'trsut' for node 'ed'; did you mean 'trust'?"),
    ({"PRICE": "-30"}, 24, "costs.per_day.home_care", ">= 0, found -30"),
    ({"CAPNODE": "ed", "100": "-5"}, 23, "costs.capacity.ed", ">= 0, found -5"),
    ({"CAPNODE": "ward"}, 23, "costs.capacity.ward", "unknown node 'ward'"),
    ({"POOLED": "nhs_community"}, 3, "pools.bcf.1", "unknown payer 'nhs_community' for pool 'bcf'"),
    ({"UNMET": "-1"}, 25, "costs.unmet_demand.left_without_being_seen", ">= 0, found -1"),
    ({"DEATH": "dead"}, 4, "deaths.0", "unknown exit 'dead'"),
])
def test_bad_money_input_exits_2_with_place_and_key(tmp_path, capsys, bad, line, path, words):
    p = tmp_path / "bad.yaml"
    p.write_text(_text(**bad))
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"{p}:{line}:" in err and path in err and words in err, err


def test_a_node_whose_setting_has_no_declared_payer_must_name_one(tmp_path, capsys):
    p = tmp_path / "bad.yaml"
    p.write_text(_text().replace("    payer: trust\n", ""))
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert "services.ed.setting" in err and "add 'payer:'" in err


def test_a_reserved_payer_name_and_a_cost_per_thinned_patient_are_refused(tmp_path, capsys):
    p = tmp_path / "bad.yaml"
    p.write_text(_text().replace("[trust, council]", "[trust, council, capacity]"))
    assert main(["validate", str(p)]) == 2
    assert "payers.2" in capsys.readouterr().err
    p.write_text(_text() + "interventions:\n  prevent:\n    source: test\n    thin: {walk_in: 0.1}\n"
                 "    cost: {per_patient: 10}\n")
    assert main(["validate", str(p)]) == 2
    assert "interventions.prevent.cost.per_patient" in capsys.readouterr().err


def test_what_a_user_sees_no_traceback(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(_text(PAYER="nobody"))
    r = cli("run", str(p))
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stdout == ""
    assert f"{p}:11:" in r.stderr and "services.ed.payer" in r.stderr
