"""Scenario overlays: values set by key path, errors pointing at the scenario's line."""

from __future__ import annotations

import pytest

from flowsim.config.load import load_data
from flowsim.config.scenarios import load_scenario, validate_scenario
from flowsim.errors import ConfigError


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_baseline_is_the_model_as_written(tiny_path):
    cfg = load_scenario(tiny_path)
    assert cfg.services["ward"].servers == 400 and cfg.active_interventions == []


def test_set_overlays_a_value_and_interventions_switch_on(tiny_path):
    assert load_scenario(tiny_path, "small_ward").services["ward"].servers == 195
    assert load_scenario(tiny_path, "raid").active_interventions == ["raid"]


def test_list_items_by_index(tiny_path, tiny_text):
    text = tiny_text + "  half: {set: {services.ed.routes.0.p: 0.15, services.ed.routes.1.p: 0.85}}\n"
    tiny_path.write_text(text)
    cfg = load_scenario(tiny_path, "half")
    assert [r.p for r in cfg.services["ed"].routes] == [0.15, 0.85]


def test_invalid_value_points_at_the_scenario_line(tiny_path, tiny_text):
    text = tiny_text + "  broken:\n    set: {services.ward.servers: -3}\n"
    tiny_path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_path, "broken")
    e = info.value
    assert e.line == line_of(text, "services.ward.servers: -3") and e.path == "services.ward.servers"
    assert "-3" in e.message
    load_scenario(tiny_path)  # the model as written is still fine


def test_routes_that_no_longer_sum_to_one_point_at_the_scenario(tiny_path, tiny_text):
    text = tiny_text + "  lopsided:\n    set: {services.ed.routes.0.p: 0.5}\n"
    tiny_path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_path, "lopsided")
    assert "summing to 1" in info.value.message


def test_unknown_key_in_a_path_suggests_the_name(tiny_path, tiny_text):
    text = tiny_text + "  typo:\n    set: {services.reablment.servers: 3}\n"
    tiny_path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_path, "typo")
    assert "unknown key 'reablment'" in str(info.value) and info.value.line == line_of(text, "reablment")


def test_unknown_scenario_and_intervention_names(tiny_path, tiny_text):
    with pytest.raises(ConfigError, match="did you mean 'small_ward'"):
        load_scenario(tiny_path, "smal_ward")
    text = tiny_text + "  oops: {interventions: [raid, fewer_admision]}\n"
    tiny_path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_path, "oops")
    assert "did you mean 'fewer_admissions'" in str(info.value)
    assert info.value.line == line_of(text, "fewer_admision")


def test_scenarios_from_another_file_point_at_that_file(tiny_path):
    data, pos = load_data(tiny_path)
    from flowsim.config.yaml_loader import load_yaml
    exp_text = "scenarios:\n  big:\n    set:\n      services.ward.servers: 2.5\n"
    exp, exp_pos = load_yaml(exp_text, "exp.yaml")
    with pytest.raises(ConfigError) as info:
        validate_scenario(data, pos, str(tiny_path), "big", extra=exp["scenarios"], extra_positions=exp_pos,
                          extra_file="exp.yaml")
    assert info.value.file == "exp.yaml" and info.value.line == 4


def test_intervention_checks_name_the_key(tiny_path, tiny_text):
    bad = tiny_text.replace("route_scale: {ward: 0.5}}", "route_scale: {wrd: 0.5}}")
    tiny_path.write_text(bad)
    with pytest.raises(ConfigError) as info:
        load_scenario(tiny_path)
    assert "no route to 'wrd'" in str(info.value) and "did you mean 'ward'" in str(info.value)
    bad = tiny_text.replace("assessment: {by: liaison", "assessment: {by: ed")
    tiny_path.write_text(bad)
    with pytest.raises(ConfigError, match="other than 'at'"):
        load_scenario(tiny_path)
    bad = tiny_text.replace("route_scale: {ward: 0.5}}", "route_scale: {ward: 5}}")
    tiny_path.write_text(bad)
    with pytest.raises(ConfigError, match="keeps the probability <= 1"):
        load_scenario(tiny_path)


def test_two_route_changes_at_one_node_cannot_be_on_together(tiny_path, tiny_text):
    tiny_path.write_text(tiny_text + "  both: {interventions: [fewer_admissions, raid]}\n")
    load_scenario(tiny_path, "raid")
    # raid has an assessment too, but both change the route at ed for mental_health
    with pytest.raises(ConfigError, match=r"both change the route \(route_scale\) at 'ed'"):
        load_scenario(tiny_path, "both")
