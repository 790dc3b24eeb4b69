"""The compiled engine against the SimPy engine.

Without simultaneous events (continuous distributions) both engines must write the
same event log: same rows, times equal to within 1e-9 relative, compared after a
canonical sort by (patient, node, arrive) since row order may differ. With ties
(fixed durations, rosters changing on the hour) they agree in distribution.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from equivalence_helpers import assert_same_log, assert_same_tally, dist, networks, short
from flowsim.config import load_config, validate_data
from flowsim.draws import make_draws
from flowsim.engines import resolve_engine, run_engine
from flowsim.engines.compiled import run_compiled
from flowsim.engines.simpy_engine import run_simpy
from flowsim.errors import ConfigError
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.cli import default_config_path

CONFIGS = "src/flowsim/data/configs"


@pytest.mark.parametrize("name, days", [("ed_single", 40), ("ed_ward_reablement", 150)])
def test_teaching_configs_identical_logs(name, days):
    net = build_network(short(load_config(f"{CONFIGS}/{name}.yaml"), days))
    for rep in (0, 1):
        draws = make_draws(net, 11, rep)
        a, b = run_simpy(net, draws), run_compiled(net, draws)
        assert_same_log(a, b)
        assert b.meta["engine"] == "compiled"
        assert measure(a, net) == pytest.approx(measure(b, net), rel=1e-9, nan_ok=True)


def test_auto_picks_compiled():
    assert resolve_engine("auto") == "compiled"
    assert resolve_engine("simpy") == "simpy"



@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=networks(), rep=st.integers(0, 3))
def test_random_networks_identical_logs(data, rep):
    try:
        cfg = validate_data(data)
    except ConfigError:  # a generated model the config checks refuse
        assume(False)
    net = build_network(cfg)
    draws = make_draws(net, 5, rep)
    assert_same_log(run_simpy(net, draws), run_compiled(net, draws))


@st.composite
def networks_with_interventions(draw):
    """A random network with 1-3 random interventions switched on (any kind, any mix)."""
    data = draw(networks())
    svc, names = data["services"], list(data["services"])
    queues = [n for n in names if svc[n]["kind"] == "queue"]
    cohorts = data["cohorts"]
    ivs = {}
    for k in range(draw(st.integers(1, 3))):
        iv = {"source": "test"}
        if draw(st.booleans()):
            iv["cohort"] = draw(st.sampled_from(cohorts))
        at = draw(st.sampled_from(names))
        dests = [r["to"] for r in svc[at]["routes"]]
        what = draw(st.sampled_from(["thin", "duration_scale", "route_scale", "divert", "assessment", "hold_scale",
                                     "scale_and_divert"]))
        if what == "hold_scale":
            held = [n for n in names if any("hold" in r for r in svc[n]["routes"])]
            assume(held)
            iv["hold_scale"] = {draw(st.sampled_from(held)): draw(st.floats(0.1, 1.5))}
        if what == "scale_and_divert":  # route_scale, then divert of what it chose, at one node
            assume(queues)
            iv["at"] = at
            iv["route_scale"] = {draw(st.sampled_from(dests)): draw(st.floats(0.0, 1.0))}
            iv["divert"] = {"instead_of": draw(st.sampled_from(dests)), "to": draw(st.sampled_from(queues)),
                            "eligible": draw(st.floats(0.0, 1.0))}
        if what == "thin":
            iv["thin"] = {draw(st.sampled_from(sorted(data["sources"]))): draw(st.floats(0.05, 0.6))}
        if what == "duration_scale" or draw(st.integers(0, 3)) == 0:
            iv["duration_scale"] = {draw(st.sampled_from(names)): draw(st.floats(0.3, 1.5))}
        if what in ("route_scale", "assessment") and "duration_scale" not in iv or what == "route_scale":
            iv["at"] = at
            iv["route_scale"] = {draw(st.sampled_from(dests)): draw(st.floats(0.0, 1.0))}
        if what == "divert":
            assume(queues)
            iv["at"] = at
            iv["divert"] = {"instead_of": draw(st.sampled_from(dests)), "to": draw(st.sampled_from(queues))}
            if draw(st.booleans()):
                iv["divert"]["eligible"] = draw(st.floats(0.0, 1.0))
        if what == "assessment":
            by = [n for n in queues if n != at and svc[n]["setting"] != "ed"
                  and "when_full" not in svc[n] and "patience" not in svc[n]]
            assume(by and svc[at]["kind"] != "booking")
            iv["at"] = at
            iv["assessment"] = {"by": draw(st.sampled_from(by)), "within": f"{draw(st.integers(0, 300))} min"}
            if draw(st.booleans()):  # a referral during the stay at `at`
                iv["assessment"]["referred_after"] = dist(draw, 200.0)
        ivs[f"iv{k}"] = iv
    data["interventions"] = ivs
    data["active_interventions"] = list(ivs)
    data["run"]["warm_up"] = f"{draw(st.integers(0, 3))} days"
    return data


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=networks_with_interventions(), rep=st.integers(0, 3))
def test_random_networks_with_interventions_identical_logs_and_tallies(data, rep):
    try:
        cfg = validate_data(data)
    except ConfigError:  # e.g. two interventions changing one route decision
        assume(False)
    net = build_network(cfg)
    assert net.interventions.any_active
    draws = make_draws(net, 5, rep)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert_same_log(a, b)
    assert_same_tally(a, b)


# ----------------------------------------------------------- interventions
IV_EXTRA = """
  combined_divert: {interventions: [social_worker, shorter_stays, prevention]}
  combined_raid: {interventions: [raid, shorter_stays, prevention]}
  prevention_fewer: {interventions: [prevention, fewer_admissions, shorter_stays]}
"""


def _tiny_variants(text):
    """The test model, and variants that stress each intervention: a one-server
    liaison team (assessments queue, many late), little home care (divert often
    finds it full), and ED routes with holds and blocking into home care."""
    base = text + IV_EXTRA
    queued = base.replace("servers: 2\n", "servers: 1\n").replace("within: 1 h", "within: 20 min")
    small = base.replace("servers: 8\n", "servers: 2\n")
    holds = base.replace("{to: ward, p: 0.3, blocking: true}",
                         "{to: ward, p: 0.3, blocking: true, hold: {exponential: {mean: 30 min}}}").replace(
        "{to: home, p: 0.7}", "{to: home, p: 0.6, hold: {exponential: {mean: 20 min}}}\n"
        "      - {to: home_care, p: 0.1, blocking: true}")
    return {"tiny": base, "queued_liaison": queued, "small_home_care": small, "holds": holds}


@pytest.mark.parametrize("variant", ["tiny", "queued_liaison", "small_home_care", "holds"])
def test_interventions_identical_logs_and_tallies(tmp_path, tiny_text, variant):
    from flowsim.config.scenarios import load_scenario

    path = tmp_path / "m.yaml"
    path.write_text(_tiny_variants(tiny_text)[variant], encoding="utf-8")
    for scenario in ("baseline", "fewer_admissions", "shorter_stays", "prevention", "social_worker", "raid",
                     "combined_divert", "combined_raid", "prevention_fewer"):
        net = build_network(load_scenario(path, scenario))
        draws = make_draws(net, 7, 1)
        a, b = run_simpy(net, draws), run_compiled(net, draws)
        assert_same_log(a, b)
        assert_same_tally(a, b)
        assert a.meta["tally"]["interventions"] == list(net.interventions.names)
        if scenario != "baseline" and variant == "tiny":
            t = b.meta["tally"]
            assert sum(t["avoided_admissions"]) + sum(t["avoided_attendances"]) + sum(t["bed_days_saved"]) > 0
        assert measure(a, net) == pytest.approx(measure(b, net), rel=1e-9, nan_ok=True)


@pytest.mark.parametrize("scenario", ["baseline", "raid"])
def test_raid_config_identical_logs_and_tallies(scenario):
    from flowsim.config.scenarios import load_scenario

    cfg = load_scenario(f"{CONFIGS}/raid.yaml", scenario)
    net = build_network(short(cfg, 30))
    draws = make_draws(net, 2026, 0)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert_same_log(a, b)
    assert_same_tally(a, b)
    if scenario == "raid":
        assert (a.node == net.node_names.index("liaison_team")).sum() > 50
        assert sum(b.meta["tally"]["avoided_admissions"]) > 0 and sum(b.meta["tally"]["bed_days_saved"]) > 0


def test_auto_and_compiled_accept_interventions(tiny_path):
    from flowsim.config.scenarios import load_scenario

    net = build_network(load_scenario(tiny_path, "raid"))
    assert resolve_engine("auto", net) == "compiled" == resolve_engine("compiled", net)
    log = run_engine(net, make_draws(net, 1, 0), "auto")
    assert log.meta["engine"] == "compiled" and sum(log.meta["tally"]["avoided_admissions"]) > 0


def test_default_economyshort():
    """The default economy has ties (fixed GP durations, ED roster on the hour, slots
    at fixed minutes); over a short run the logs still agree on everything that
    does not depend on the order of tied events: every patient's first arrival."""
    net = build_network(short(load_config(default_config_path()), 20))
    draws = make_draws(net, 3, 0)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert a.patients == b.patients
    first = lambda log: np.sort(log.arrive[log.prev == -1])  # noqa: E731
    np.testing.assert_allclose(first(a), first(b), rtol=1e-12)


