"""Loading configs: good input gives a Config, bad input a ConfigError that says where and why."""

from __future__ import annotations

import textwrap

import pytest

import flowsim.config as fc
from flowsim.config import Config, load_config, load_data, parse_config, validate_data
from flowsim.config.yaml_loader import load_yaml
from flowsim.errors import ConfigError

MINIMAL = """\
name: Minimal
run: {horizon: 30 days, warm_up: 2 days, seed: 7}
cohorts: [general, frail_elderly]
sources:
  walk_in:
    to: ed
    rate: 100 per day
    cohorts: {general: 0.9, frail_elderly: 0.1}
services:
  ed:
    kind: queue
    setting: ed
    servers: 10
    duration: {lognormal: {mean: 3 h, sd: 2 h}}
    routes:
      - {to: ward, p: 0.3, blocking: true}
      - {to: home, p: 0.7}
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 40
    duration:
      general: {lognormal: {mean: 5 days, sd: 6 days}}
      default: {gamma: {mean: 11 days, sd: 10 days}}
    routes: [{to: home, p: 0.95}, {to: died, p: 0.05}]
"""


def error_for(text: str, filename: str = "model.yaml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(textwrap.dedent(text), filename)
    return info.value


def replace(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


# ---------------------------------------------------------------- good input
def test_minimal_config_loads_with_units_resolved():
    cfg = parse_config(MINIMAL)
    assert isinstance(cfg, Config)
    assert cfg.run.horizon == 30 * 1440 and cfg.run.warm_up == 2 * 1440
    assert cfg.sources["walk_in"].rate == pytest.approx(100 / 1440)
    assert cfg.services["ed"].duration.lognormal.mean == 180
    assert cfg.services["ward"].duration["default"].gamma.sd == 10 * 1440
    assert [r.to for r in cfg.services["ed"].routes] == ["ward", "home"]


def test_load_config_reads_a_file(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MINIMAL)
    assert load_config(path).name == "Minimal"
    assert load_config(str(path)) == parse_config(MINIMAL)


def test_load_data_then_validate_data_allows_overlays(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MINIMAL)
    data, positions = load_data(path)
    assert data["services"]["ed"]["servers"] == 10            # YAML types kept
    assert data["services"]["ed"]["duration"]["lognormal"]["mean"] == "3 h"
    assert positions.values[("services", "ed", "servers")] == (13, 14)
    assert positions.values[("services", "ed", "routes", 1, "p")] == (17, 23)
    assert positions.keys[("services", "ed", "servers")] == (13, 5)
    data["services"]["ed"]["servers"] = 12
    assert validate_data(data, positions, str(path)).services["ed"].servers == 12
    data["services"]["ed"]["servers"] = -1
    with pytest.raises(ConfigError) as info:
        validate_data(data, positions, str(path))
    assert str(info.value) == f"{path}:13:14: services.ed.servers: expected a whole number >= 0, found -1"


def test_public_names():
    assert sorted(fc.__all__) == ["Config", "load_config", "load_data", "parse_config", "validate_data"]
    for name in fc.__all__:
        assert getattr(fc, name) is not None


# ------------------------------------------------------------ YAML problems
def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert str(missing) in str(info.value)
    assert "no file" in str(info.value)


def test_yaml_syntax_error_has_position_and_problem():
    err = error_for("name: x\nservices:\n  ed: {kind: queue\n  ward: 3\n")
    assert (err.file, err.line) == ("model.yaml", 4)
    assert str(err).startswith("model.yaml:4:")
    assert "expected valid YAML" in str(err) and "expected ',' or '}'" in str(err)


def test_duplicate_key_points_at_second_and_names_first():
    err = error_for(replace("    setting: acute\n", "    setting: acute\n    setting: ed\n"))
    assert str(err).startswith("model.yaml:21:5: services.ward.setting: duplicate key 'setting'")
    assert "first given on line 20" in str(err)


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['true']", "!!python/name:os.system",
                                 "!!python/object:builtins.dict {}"])
def test_python_object_tags_are_refused(tag):
    err = error_for(replace("name: Minimal", f"name: {tag}"))
    assert str(err).startswith("model.yaml:1:7: name: expected plain YAML data")
    assert "!!python/" in str(err) and "not allowed" in str(err)


def test_top_level_must_be_a_mapping():
    assert "found a list" in str(error_for("- a\n- b\n"))
    err = error_for("")
    assert str(err) == ("model.yaml: expected a mapping of keys (name, services, sources, ...) "
                        "at the top level, found an empty file")


# ---------------------------------------------------------- schema problems
def test_bare_number_duration_names_the_parameter_and_unit():
    err = error_for(replace("{lognormal: {mean: 3 h, sd: 2 h}}", "{exponential: {mean: 30}}"))
    assert err.path == "services.ed.duration.exponential.mean"
    assert (err.line, err.column) == (14, 36)
    assert "expected a duration with a unit" in str(err) and "found the bare number 30" in str(err)


def test_negative_servers():
    err = error_for(replace("servers: 10", "servers: -3"))
    assert str(err) == "model.yaml:13:14: services.ed.servers: expected a whole number >= 0, found -3"


def test_fractional_servers():
    err = error_for(replace("servers: 10", "servers: 2.5"))
    assert str(err) == "model.yaml:13:14: services.ed.servers: expected a whole number, found 2.5"


def test_unknown_key_points_at_key_and_suggests():
    err = error_for(replace("    servers: 10\n", "    servrs: 10\n"))
    assert str(err).startswith(
        "model.yaml:13:5: services.ed.servrs: unknown key 'servrs'; did you mean 'servers'?")


def test_unknown_key_without_close_match_lists_allowed_keys():
    err = error_for(replace("run: {horizon", "run: {zzz: 1, horizon"))
    assert err.path == "run.zzz" and (err.line, err.column) == (2, 7)
    assert "unknown key 'zzz'; expected one of horizon, warm_up, replications, seed, engine" in str(err)


def test_missing_key():
    err = error_for(replace("    routes: [{to: home, p: 0.95}, {to: died, p: 0.05}]\n", ""))
    assert err.path == "services.ward.routes"
    assert (err.line, err.column) == (19, 5)      # the mapping that lacks it
    assert "missing required key 'routes'" in str(err)


def test_wrong_kind_suggests():
    err = error_for(replace("kind: queue\n    setting: ed", "kind: queu\n    setting: ed"))
    assert str(err) == ("model.yaml:11:11: services.ed.kind: expected kind to be one of queue, booking, "
                        "delay, found 'queu'; did you mean 'queue'?")


def test_bad_setting_lists_choices():
    err = error_for(replace("setting: ed", "setting: a_and_e"))
    assert err.path == "services.ed.setting" and err.line == 12
    assert "expected one of primary, ed, acute, community, social_care, found 'a_and_e'" in str(err)


def test_misspelt_distribution():
    err = error_for(replace("{lognormal: {mean: 3 h", "{lognormel: {mean: 3 h"))
    assert err.path == "services.ed.duration.lognormel"
    assert "unknown distribution 'lognormel'; did you mean 'lognormal'?" in str(err)


def test_probability_above_one():
    err = error_for(replace("{to: home, p: 0.7}", "{to: home, p: 1.7}"))
    assert str(err).startswith("model.yaml:17:23: services.ed.routes.1.p: expected a probability <= 1, found 1.7")


def test_first_error_in_file_order_and_count_of_others():
    text = replace("servers: 40", "servers: -40")
    text = text.replace("servers: 10", "servers: x").replace("seed: 7", "seed: -7")
    err = error_for(text)
    assert err.path == "run.seed" and err.line == 2
    assert str(err).endswith("expected a whole number >= 0, found -7 (and 2 more errors)")


def test_yes_is_not_a_probability():
    # YAML 1.1 reads `yes` as true; it must not pass as p = 1.
    err = error_for(replace("{to: home, p: 0.7}", "{to: home, p: yes}"))
    assert str(err) == "model.yaml:17:23: services.ed.routes.1.p: expected a number, found true"


# ----------------------------------------------------------- model problems
def test_routes_not_summing_to_one():
    err = error_for(replace("{to: home, p: 0.7}", "{to: home, p: 0.65}"))
    assert str(err) == ("model.yaml:16:7: services.ed.routes: expected route probabilities "
                        "summing to 1, found 0.95")


def test_cohort_mix_not_summing_to_one():
    err = error_for(replace("frail_elderly: 0.1}", "frail_elderly: 0.2}"))
    assert err.path == "sources.walk_in.cohorts" and (err.line, err.column) == (8, 14)
    assert "expected cohort shares summing to 1, found 1.1" in str(err)


def test_unknown_node_in_route_suggests():
    text = replace("{to: ward, p: 0.3", "{to: wrd, p: 0.3")
    err = error_for(text)
    assert str(err) == "model.yaml:16:14: services.ed.routes.0.to: unknown node 'wrd'; did you mean 'ward'?"


@pytest.mark.parametrize("old,new,path,found", [
    ("to: ed\n", "to: eed\n", "sources.walk_in.to", "unknown node 'eed'; did you mean 'ed'?"),
    ("to: ed\n", "to: home\n", "sources.walk_in.to", "expected a service node, found the exit 'home'"),
    ("    servers: 40\n", "    servers: 40\n    when_full: {to: edd}\n", "services.ward.when_full.to",
     "unknown node 'edd'; did you mean 'ed'?"),
])
def test_unknown_destinations(old, new, path, found):
    err = error_for(replace(old, new))
    assert err.path == path and found in str(err)


def test_unknown_node_in_costs():
    err = error_for(MINIMAL + "costs: {per_day: {wardd: 395}}\n")
    assert str(err) == "model.yaml:27:19: costs.per_day.wardd: unknown node 'wardd'; did you mean 'ward'?"


def test_unknown_cohort_in_mix_suggests():
    err = error_for(replace("frail_elderly: 0.1}", "frail_eldery: 0.1}"))
    assert err.path == "sources.walk_in.cohorts.frail_eldery"
    assert "unknown cohort 'frail_eldery'; did you mean 'frail_elderly'?" in str(err)


def test_by_cohort_spec_must_cover_cohorts():
    err = error_for(replace("      default: {gamma: {mean: 11 days, sd: 10 days}}\n", ""))
    assert str(err) == ("model.yaml:24:7: services.ward.duration: no duration for cohort "
                        "'frail_elderly' and no 'default'")


def test_reserved_and_duplicate_cohort_names():
    assert "found 'default'" in str(error_for(replace("[general, frail_elderly]", "[general, default]")))
    err = error_for(replace("[general, frail_elderly]", "[general, frail_elderly, general]"))
    assert err.path == "cohorts.2" and "found 'general' twice" in str(err)


def test_node_named_like_an_exit():
    err = error_for(MINIMAL + "  died: {kind: delay, setting: acute, duration: {fixed: {value: 1 h}}, "
                    "routes: [{to: home, p: 1}]}\n")
    assert err.path == "services.died" and (err.line, err.column) == (27, 3)
    assert "distinct from exit names" in str(err)


def test_cycle_with_no_exit():
    text = replace("routes: [{to: home, p: 0.95}, {to: died, p: 0.05}]",
                   "routes: [{to: ed, p: 0.5}, {to: ward, p: 0.5}]")
    text = text.replace("{to: home, p: 0.7}", "{to: ward, p: 0.7}")
    err = error_for(text)
    assert err.path == "services.ed.routes" and err.line == 16
    assert ("patients entering 'ed' can never leave: routes from 'ed' only lead back to ed, ward; "
            "add a route to an exit (and 1 more error)") in str(err)


def test_when_full_loop():
    text = replace("    servers: 10\n", "    servers: 10\n    when_full: {to: ward}\n")
    text = text.replace("    servers: 40\n", "    servers: 40\n    when_full: {to: ed}\n")
    err = error_for(text)
    assert err.path == "services.ed.when_full.to"
    assert "found a loop: ed -> ward -> ed" in str(err)


def test_blocking_route_to_booking_node():
    text = replace("{to: home, p: 0.7}", "{to: gp, p: 0.7, blocking: true}")
    text += ("  gp: {kind: booking, setting: primary, slots: {mon: 20}, duration: {fixed: {value: 10 min}}, "
             "routes: [{to: home, p: 1}]}\n")
    err = error_for(text)
    assert err.path == "services.ed.routes.1.blocking"
    assert "blocking routes need a queue or delay node" in str(err)


def test_example_in_docs_loads():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "config.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    cfg = parse_config(example, "docs/config.md")
    assert cfg.exit_names[-1] == "care_home"
    assert cfg.services["ward"].routes["frail_elderly"][1].blocking is True


def test_a_merged_mapping_reused_through_an_alias_is_not_a_duplicate():
    # `one` overrides a merged key; reusing `one` through an alias once read the
    # merged keys (already resolved in place) as duplicates of the override.
    data, _ = load_yaml("b: &b {p: 1, q: 2}\none: &o {<<: *b, q: 3}\ntwo: *o\n")
    assert data["one"] == data["two"] == {"p": 1, "q": 3}


def test_a_duplicate_beside_a_merge_key_is_still_refused():
    with pytest.raises(ConfigError) as info:
        load_yaml("b: &b {p: 1}\none: {<<: *b, q: 3, q: 4}\n")
    err = info.value
    assert "duplicate key 'q'" in str(err) and err.line == 2
