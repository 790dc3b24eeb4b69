"""The compiled engine against the SimPy engine.

Without simultaneous events (continuous distributions) both engines must write the
same event log: same rows, times equal to within 1e-9 relative, compared after a
canonical sort by (patient, node, arrive) since row order may differ. With ties
(fixed durations, rosters changing on the hour) they agree in distribution.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flowsim.config import load_config, validate_data
from flowsim.attributes import FIRST_RETURNS
from flowsim.draws import make_draws
from flowsim.engines import resolve_engine, run_engine
from flowsim.engines.compiled import run_compiled
from flowsim.engines.simpy_engine import run_simpy
from flowsim.errors import ConfigError
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.cli import default_config_path
from flowsim.stats import half_width

CONFIGS = "src/flowsim/data/configs"


def _canonical(log):
    order = np.lexsort((log.arrive, log.node, log.patient))
    return {k: v[order] for k, v in log.columns().items()}


def assert_same_log(a, b):
    assert len(a) == len(b)
    assert a.patients == b.patients
    A, B = _canonical(a), _canonical(b)
    for k in A:
        if A[k].dtype.kind == "f":
            np.testing.assert_allclose(B[k], A[k], rtol=1e-9, atol=0, equal_nan=True, err_msg=k)
        else:
            np.testing.assert_array_equal(B[k], A[k], err_msg=k)


def assert_same_tally(a, b):
    """The intervention counts of both engines (``EventLog.meta["tally"]``) agree."""
    ta, tb = a.meta.get("tally"), b.meta.get("tally")
    assert (ta is None) == (tb is None)
    if ta is None:
        return
    for k in ("interventions", "avoided_admissions", "avoided_attendances"):
        assert list(ta[k]) == list(tb[k]), k
    assert tb["bed_days_saved"] == pytest.approx(ta["bed_days_saved"], rel=1e-9, abs=1e-12)
    assert tb["delayed_bed_days_saved"] == pytest.approx(ta["delayed_bed_days_saved"], rel=1e-9, abs=1e-12)


def _short(cfg, days):
    run = cfg.run.model_copy(update={"horizon": days * 1440.0, "warm_up": min(cfg.run.warm_up, days * 720.0)})
    return cfg.model_copy(update={"run": run})


@pytest.mark.parametrize("name, days", [("ed_single", 40), ("ed_ward_reablement", 150)])
def test_teaching_configs_identical_logs(name, days):
    net = build_network(_short(load_config(f"{CONFIGS}/{name}.yaml"), days))
    for rep in (0, 1):
        draws = make_draws(net, 11, rep)
        a, b = run_simpy(net, draws), run_compiled(net, draws)
        assert_same_log(a, b)
        assert b.meta["engine"] == "compiled"
        assert measure(a, net) == pytest.approx(measure(b, net), rel=1e-9, nan_ok=True)


def test_auto_picks_compiled():
    assert resolve_engine("auto") == "compiled"
    assert resolve_engine("simpy") == "simpy"


# ----------------------------------------------------------- random small networks
def _dist(draw, scale):
    kind = draw(st.sampled_from(["exponential", "lognormal", "uniform", "gamma"]))
    mean = draw(st.floats(0.2, 3.0)) * scale
    if kind == "exponential":
        return {"exponential": {"mean": f"{mean:.4f} min"}}
    if kind == "uniform":
        return {"uniform": {"min": f"{mean * 0.5:.4f} min", "max": f"{mean * 1.5:.4f} min"}}
    return {kind: {"mean": f"{mean:.4f} min", "sd": f"{mean * draw(st.floats(0.2, 1.5)):.4f} min"}}


@st.composite
def networks(draw):
    n_nodes = draw(st.integers(1, 4))
    cohorts = ["a", "b"][: draw(st.integers(1, 2))]
    names = [f"n{i}" for i in range(n_nodes)]
    kinds = [draw(st.sampled_from(["queue", "queue", "delay", "booking"])) for _ in names]
    services = {}
    for i, name in enumerate(names):
        kind = kinds[i]
        later = names[i + 1:]
        routes = []
        dests = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))  # cycles allowed
        weights = [draw(st.floats(0.1, 1.0)) for _ in dests] + [draw(st.floats(0.3, 1.0))]
        total = sum(weights)
        for d, w in zip(dests, weights):
            blocking = kinds[names.index(d)] != "booking" and draw(st.booleans())
            routes.append({"to": d, "p": w / total, "blocking": blocking})
            if blocking and draw(st.integers(0, 2)) == 0:  # the blocked wait can end another way
                alts = draw(st.lists(st.sampled_from(names + ["home"]), min_size=1, max_size=2, unique=True))
                routes[-1]["give_up"] = {"after": _dist(draw, 400.0),
                                         "routes": [{"to": a, "p": 1 / len(alts)} for a in alts]}
        routes.append({"to": draw(st.sampled_from(["home", "died"])), "p": 1 - sum(r["p"] for r in routes)})
        for r in routes:  # time to arrange the discharge, also on routes to an exit
            if draw(st.integers(0, 2)) == 0:
                r["hold"] = _dist(draw, 200.0)
        svc = {"kind": kind, "setting": draw(st.sampled_from(["ed", "acute", "social_care"])),
               "bed": draw(st.booleans()), "duration": _dist(draw, 300.0), "routes": routes}
        if kind == "queue":
            if draw(st.booleans()):
                svc["servers"] = draw(st.integers(0, 4))
            else:
                hours = draw(st.lists(st.integers(0, 4), min_size=24, max_size=24))
                svc["schedule"] = {"hours": hours}
                if draw(st.booleans()):
                    svc["schedule"]["weekdays"] = {"sat": draw(st.lists(st.integers(0, 3), min_size=24, max_size=24))}
            if draw(st.booleans()):
                svc["priority"] = {c: draw(st.integers(0, 2)) for c in cohorts}
            if draw(st.booleans()):
                svc["patience"] = _dist(draw, 600.0)
            if draw(st.booleans()):
                svc["when_full"] = {"to": draw(st.sampled_from(later + ["home", "elsewhere"])),
                                    "queue_limit": draw(st.integers(0, 3))}
        elif kind == "booking":
            svc["slots"] = {d: draw(st.integers(0, 12)) for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
            if draw(st.booleans()):
                svc["elsewhere"] = {"after": f"{draw(st.integers(60, 3000))} min", "p": draw(st.floats(0, 1)),
                                    "to": draw(st.sampled_from(later + ["home"]))}
        services[name] = svc
    sources = {}
    for s in range(draw(st.integers(1, 2))):
        src = {"to": draw(st.sampled_from(names)), "rate": f"{draw(st.floats(5.0, 40.0)):.3f} per day"}
        if draw(st.booleans()):
            src["by_hour"] = [draw(st.floats(0.0, 2.0)) for _ in range(23)] + [1.0]
        if len(cohorts) > 1:
            src["cohorts"] = {"a": 0.6, "b": 0.4}
        sources[f"s{s}"] = src
    return {"name": "random", "run": {"horizon": f"{draw(st.integers(5, 20))} days", "seed": 1},
            "cohorts": cohorts, "sources": sources, "services": services}


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
                iv["assessment"]["referred_after"] = _dist(draw, 200.0)
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
    net = build_network(_short(cfg, 30))
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


def test_default_economy_short():
    """The default economy has ties (fixed GP durations, ED roster on the hour, slots
    at fixed minutes); over a short run the logs still agree on everything that
    does not depend on the order of tied events: every patient's first arrival."""
    net = build_network(_short(load_config(default_config_path()), 20))
    draws = make_draws(net, 3, 0)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert a.patients == b.patients
    first = lambda log: np.sort(log.arrive[log.prev == -1])  # noqa: E731
    np.testing.assert_allclose(first(a), first(b), rtol=1e-12)


# ----------------------------------------------------------- ties: in distribution
TIES = """
name: ties
run: {horizon: 28 days, warm_up: 4 days, seed: 3}
cohorts: [general, frail]
sources:
  walk_in: {to: ed, rate: 120 per day, cohorts: {general: 0.7, frail: 0.3}}
services:
  ed:
    kind: queue
    setting: ed
    schedule: {hours: [3, 3, 3, 3, 3, 3, 3, 3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5, 4, 4, 3, 3]}
    priority: {frail: 0, general: 1}
    duration: {fixed: {value: 30 min}}
    routes:
      - {to: ward, p: 0.3, blocking: true}
      - {to: home, p: 0.7}
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 12
    duration: {fixed: {value: 1 day}}
    routes: [{to: home, p: 1}]
"""


def test_ties_statistically_equivalent():
    from flowsim.config import parse_config

    net = build_network(parse_config(TIES))
    keys = ["ed.breaches_4h", "bed_days.total"]
    out = {"simpy": [], "compiled": []}
    for rep in range(12):
        draws = make_draws(net, 9, rep)
        for eng in out:
            out[eng].append(measure(run_engine(net, draws, eng), net))
    names = [k for k in out["simpy"][0] if any(w in k for w in ("breach", "bed_days", "wait_mean", "served"))]
    assert names, sorted(out["simpy"][0])[:20]
    for k in names:
        d = np.array([c[k] - s[k] for s, c in zip(out["simpy"], out["compiled"])], dtype=float)
        d = d[~np.isnan(d)]
        if len(d) < 2 or np.all(d == 0):
            continue
        hw = half_width(d)
        # paired on common random numbers: the mean difference's 95% CI covers 0
        assert abs(d.mean()) <= hw + 1e-9, (k, d.mean(), hw)
    del keys


def _default_without_ties(days):
    """The default economy with its sources of simultaneous events removed: a
    continuous GP appointment duration instead of the fixed 10 minutes, and constant
    ED and reablement servers instead of rosters changing on the hour."""
    import yaml

    with open(default_config_path()) as f:
        data = yaml.safe_load(f)
    svc = data["services"]
    svc["gp_same_day"]["duration"] = {"lognormal": {"mean": "10 min", "sd": "4 min"}}
    for name, servers in (("ed", 33), ("reablement", 212)):
        svc[name].pop("schedule", None)   # reablement has constant servers since the h-calib2 calibration
        svc[name]["servers"] = servers
    data["run"].update({"horizon": f"{days} days", "warm_up": f"{days // 3} days"})
    return validate_data(data)


@pytest.mark.parametrize("rep", [0, 1])
def test_default_economy_without_ties_identical_logs(rep):
    net = build_network(_default_without_ties(45))
    assert not net.scheduled.any()
    draws = make_draws(net, 2026, rep)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert a.patients > 30_000
    assert_same_log(a, b)
    assert measure(a, net) == pytest.approx(measure(b, net), rel=1e-9, nan_ok=True)


POPULATION = """\
name: population, targeting and readmissions
run: {horizon: 90 days, warm_up: 10 days, seed: 21}
cohorts: [general, frail]
population:
  size: 8000
  age_bands:
    under_65: {share: 0.8}
    over_65: {share: 0.2, risk_sd: 1.2}
  prediction: {auc: 0.75}
sources:
  ed_in: {to: ed, per_1000: {under_65: 250 per year, over_65: 800 per year}, cohorts: {general: 0.8, frail: 0.2}}
  gp_in: {to: ed, rate: 3 per day, by_risk: false}
services:
  ed:
    kind: queue
    setting: ed
    servers: 3
    duration: {lognormal: {mean: 2 h, sd: 1 h}}
    routes: [{to: ward, p: 0.35, blocking: true}, {to: home, p: 0.65}]
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 25
    duration: {lognormal: {mean: 4 days, sd: 3 days}}
    routes: [{to: reablement, p: 0.3, blocking: true}, {to: home, p: 0.7}]
  reablement:
    kind: queue
    setting: social_care
    servers: 4
    duration: {exponential: {mean: 8 days}}
    routes: [{to: home, p: 1}]
readmission:
  after: [ward, reablement]
  p: {under_65: 0.3, over_65: 0.6}
  time_to_return: {frail: {exponential: {mean: 6 days}}, default: {exponential: {mean: 12 days}}}
  to: ed
interventions:
  case_management:
    source: equivalence test
    thin: {ed_in: 0.6}
    target: {top: 10%}
  older_shorter:
    source: equivalence test
    duration_scale: {ward: 0.8}
    target: {tier: [2%, 30%], age_band: over_65}
  follow_up:
    source: equivalence test
    readmission_scale: 0.5
    target: {age_band: [over_65]}
scenarios:
  all: {interventions: [case_management, older_shorter, follow_up]}
"""


@pytest.mark.parametrize("scenario", [None, "all"])
def test_population_targets_and_readmissions_identical_logs_and_tallies(scenario):
    cfg = validate_data(__import__("yaml").safe_load(POPULATION))
    if scenario:
        cfg = cfg.model_copy(update={"active_interventions": list(cfg.scenarios[scenario].interventions)})
    net = build_network(cfg)
    db = make_draws(net, 21, 0)
    a, b = run_simpy(net, make_draws(net, 21, 0)), run_compiled(net, db)
    assert db.ret_u.shape[1] > FIRST_RETURNS  # the compiled loop asked for more return columns
    assert_same_log(a, b)
    assert_same_tally(a, b)
    returned = (a.prev == -1) & (a.seq > 0)  # re-entries of the same patient, numbering on
    assert returned.sum() > 20 and measure(a, net)["readmissions_30d"] > 0


# ----------------------------------------------------------- the calendar
@st.composite
def networks_on_calendar(draw):
    """A random network on dates: a start near bank holidays, month profiles, growth,
    bank-holiday rosters and slots, capacity on date ranges (both kinds)."""
    data = draw(networks())
    start = draw(st.sampled_from(["2025-12-18", "2026-03-27", "2026-08-27", "2025-10-01"]))
    data["run"]["start"] = start
    for src in data["sources"].values():
        if draw(st.booleans()):
            src["by_month"] = [draw(st.floats(0.2, 2.0)) for _ in range(12)]
        if draw(st.booleans()):
            src["growth"] = draw(st.floats(-0.5, 1.0))
        if draw(st.booleans()):
            src["bank_holidays"] = draw(st.sampled_from(["sat", "sun"]))
    for svc in data["services"].values():
        if svc["kind"] == "booking" and draw(st.booleans()):
            svc["bank_holidays"] = "sun"
        if svc["kind"] != "queue":
            continue
        if draw(st.booleans()):
            svc["bank_holidays"] = draw(st.sampled_from(["sat", "sun"]))
        ranges = []
        for _ in range(draw(st.integers(0, 2))):
            day = draw(st.integers(0, 15))
            a = (np.datetime64(start) + day).item()
            b = (np.datetime64(start) + day + draw(st.integers(0, 6))).item()
            rng = {"from": a.isoformat(), "to": b.isoformat()}
            if draw(st.booleans()):
                rng["servers"] = draw(st.integers(0, 5))
            else:
                rng["schedule"] = {"hours": draw(st.lists(st.integers(0, 4), min_size=24, max_size=24))}
            ranges.append(rng)
        if draw(st.booleans()):
            ranges.append({"from": "12-20", "to": "01-10", "servers": draw(st.integers(0, 5))})  # wraps the year
        if ranges:
            svc["dates"] = ranges
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=networks_on_calendar(), rep=st.integers(0, 3))
def test_random_calendar_networks_identical_logs(data, rep):
    try:
        cfg = validate_data(data)
    except ConfigError:
        assume(False)
    net = build_network(cfg)
    draws = make_draws(net, 5, rep)
    assert_same_log(run_simpy(net, draws), run_compiled(net, draws))


# ------------------------------------------------- warm start and escalation beds (issue 11)
@st.composite
def warm_started_networks(draw):
    """A random network, escalation beds on some queue nodes, and the census of a run of it."""
    data = draw(networks())
    for svc in data["services"].values():
        if svc["kind"] == "queue" and svc.get("servers", 0) >= 1 and draw(st.booleans()):
            open_at = draw(st.integers(1, svc["servers"]))
            svc["escalation"] = {"beds": draw(st.integers(1, 3)), "open_at": open_at,
                                 "close_below": draw(st.integers(0, open_at))}
    return data, draw(st.integers(1, 6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=warm_started_networks(), rep=st.integers(0, 3))
def test_random_networks_from_a_census_identical_logs_and_openings(case, rep):
    from flowsim.warmstart import census_draws
    from flowsim.warmstart.snapshot import census_at
    data, census_day = case
    try:
        cfg = validate_data(data)
    except ConfigError:
        assume(False)
    net = build_network(cfg)
    first = dataclasses.replace(net, horizon=census_day * 1440.0, warm_up=0.0)
    d0 = make_draws(first, 3, rep)
    census = census_at(run_simpy(first, d0), first, draws=d0)
    draws = census_draws(net, census, 5, rep)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert_same_log(a, b)
    if net.escalation is not None:
        ea, eb = a.meta["escalation"], b.meta["escalation"]
        assert ea["node"] == eb["node"]
        np.testing.assert_allclose(eb["open"], ea["open"], rtol=1e-9)
        np.testing.assert_allclose(eb["close"], ea["close"], rtol=1e-9, equal_nan=True)
