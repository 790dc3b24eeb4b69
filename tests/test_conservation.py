"""Conservation: every patient who arrives is accounted for, per node and overall.

Per node: visits arriving (counted from where patients came from: the source
arrival table and other nodes' rows sent to this node) = rows at the node =
visits that left, by outcome (served, diverted, reneged, went elsewhere, took
another route after a blocked wait) + rows
still IN_SYSTEM at the horizon. Overall: patients from sources = patients who
reached an exit + patients with an IN_SYSTEM row, the two sets disjoint.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from flowsim.cli import default_config_path
from flowsim.config import load_data, parse_config, validate_data
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.eventlog import DIVERTED, ELSEWHERE, IN_SYSTEM, NO_DEST, OTHER_ROUTE, RENEGED, SERVED
from flowsim.network import build_network

OUTCOMES = (SERVED, DIVERTED, RENEGED, ELSEWHERE, IN_SYSTEM, OTHER_ROUTE)

# patience, when_full to a node and to an exit, booking with go-elsewhere,
# blocking chains, and a cycle (reablement -> follow-up -> GP -> ED -> ward)
BUSY_MODEL = """
name: everything at once
run: {{horizon: {horizon}, warm_up: 2 days, seed: 5}}
cohorts: [general, frail]
sources:
  walk_in: {{to: ed, rate: 90 per day, by_hour: [1,1,1,1,1,1,1,2,3,3,3,3,3,3,3,3,3,2,2,2,2,1,1,1],
             cohorts: {{general: 0.8, frail: 0.2}}}}
  gp_requests: {{to: gp, rate: 60 per day, cohorts: {{general: 0.7, frail: 0.3}}}}
services:
  gp:
    kind: booking
    setting: primary
    slots: {{mon: 50, tue: 50, wed: 50, thu: 50, fri: 50}}
    duration: {{fixed: {{value: 10 min}}}}
    elsewhere: {{after: 1 day, p: 0.5, to: ed}}
    routes: [{{to: home, p: 0.9}}, {{to: ed, p: 0.1}}]
  ed:
    kind: queue
    setting: ed
    servers: {ed}
    priority: {{frail: 0}}
    patience: {{exponential: {{mean: 4 h}}}}
    when_full: {{to: transferred, queue_limit: 15}}
    duration: {{lognormal: {{mean: 3 h, sd: 2 h}}}}
    routes:
      general: [{{to: ward, p: 0.25, blocking: true}}, {{to: home, p: 0.75}}]
      frail: [{{to: ward, p: 0.6, blocking: true}}, {{to: home, p: 0.4}}]
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: {ward}
    when_full: {{to: outlier, queue_limit: 3}}
    duration: {{lognormal: {{mean: 4 days, sd: 4 days}}}}
    routes: [{{to: home, p: 0.6}}, {{to: died, p: 0.05}},
             {{to: reablement, p: 0.35, blocking: true,
               give_up: {{after: {{exponential: {{mean: 2 days}}}}, routes: [{{to: home, p: 0.5}}, {{to: follow_up, p: 0.5}}]}}}}]
  outlier:
    kind: queue
    setting: acute
    bed: true
    servers: 5
    duration: {{gamma: {{mean: 5 days, sd: 3 days}}}}
    routes: [{{to: home, p: 0.7}}, {{to: reablement, p: 0.3, blocking: true}}]
  reablement:
    kind: queue
    setting: social_care
    servers: {reablement}
    duration: {{lognormal: {{mean: 10 days, sd: 8 days}}}}
    routes: [{{to: home, p: 0.8}}, {{to: follow_up, p: 0.2}}]
  follow_up:
    kind: delay
    setting: community
    duration: {{exponential: {{mean: 3 days}}}}
    routes: [{{to: home, p: 0.7}}, {{to: gp, p: 0.3}}]
"""


def busy_model(ed=6, ward=12, reablement=4, horizon="60 days"):
    return build_network(parse_config(BUSY_MODEL.format(ed=ed, ward=ward, reablement=reablement,
                                                        horizon=horizon)))


def run(net, seed=1, replication=0):
    draws = make_draws(net, seed, replication)
    return draws, run_engine(net, draws, "simpy")


def check_conservation(net, draws, log) -> dict:
    horizon = log.horizon
    in_sys = log.outcome == IN_SYSTEM
    # outcomes and times are consistent with each other
    assert set(np.unique(log.outcome).tolist()) <= set(OUTCOMES)
    assert np.all(np.isnan(log.depart[in_sys])) and np.all(log.dest[in_sys] == NO_DEST)
    assert np.all(log.depart[~in_sys] <= horizon) and np.all(log.arrive[~in_sys] <= log.depart[~in_sys])
    assert np.all(log.arrive < horizon)

    # a patient blocked at the horizon keeps an IN_SYSTEM bed row (dest NO_DEST); where it
    # was going is the row it opened when its service ended: same patient, prev = the bed's
    # node, arriving at the bed row's end
    # node, arriving at the bed row's end (or at end + hold on a route with a hold; a patient
    # still in its hold at the horizon has opened no row yet)
    held = np.flatnonzero(in_sys & ~np.isnan(log.end))
    opened = {}
    for p, pv, a, nd in zip(log.patient, log.prev, log.arrive, log.node):
        opened.setdefault((int(p), int(pv)), []).append((float(a), int(nd)))
    held_to = []
    for i in held:
        later = [(a, nd) for a, nd in opened.get((int(log.patient[i]), int(log.node[i])), [])
                 if a >= log.end[i]]
        if later:
            held_to.append(min(later)[1])
    held_to = np.array(held_to, dtype=np.int64)

    arrived_from_sources = draws.arrive < horizon
    counts = {}
    for n, name in enumerate(net.node_names):
        rows = log.node == n
        inflow = (int(((net.source_to[draws.source] == n) & arrived_from_sources).sum())
                  + int((log.dest == n).sum()) + int((held_to == n).sum()))
        by_outcome = {o: int((rows & (log.outcome == o)).sum()) for o in OUTCOMES}
        left = int((rows & ~np.isnan(log.depart)).sum())
        assert inflow == rows.sum() == sum(by_outcome.values()), name
        assert left == sum(v for o, v in by_outcome.items() if o != IN_SYSTEM), name
        counts[name] = by_outcome

    # overall: every patient from a source either reached an exit or is still in the system
    P = int(arrived_from_sources.sum())
    assert log.patients == P
    exited = log.patient[(log.dest < 0) & (log.dest != NO_DEST)]
    assert len(np.unique(exited)) == len(exited), "a patient reached an exit twice"
    still_in = np.unique(log.patient[in_sys])
    assert len(np.intersect1d(exited, still_in)) == 0
    assert len(exited) + len(still_in) == P
    np.testing.assert_array_equal(np.union1d(exited, still_in), np.arange(P))
    # nobody still in the system holds more than a bed and a queue place
    assert np.bincount(log.patient[in_sys]).max() <= 2
    return counts


def test_default_config_conserves_patients():
    data, pos = load_data(default_config_path())
    data["run"].update(horizon="60 days", warm_up="10 days")
    net = build_network(validate_data(data, pos, "default.yaml"))
    draws, log = run(net, seed=2026)
    counts = check_conservation(net, draws, log)
    assert sum(c[IN_SYSTEM] for c in counts.values()) > 0
    assert counts["gp_same_day"][ELSEWHERE] > 0 and counts["ed"][RENEGED] > 0


def test_busy_model_conserves_patients_and_exercises_every_outcome():
    net = busy_model()
    draws, log = run(net)
    counts = check_conservation(net, draws, log)
    # the model is busy enough that every mechanism happened
    assert counts["ed"][RENEGED] > 0 and counts["ed"][DIVERTED] > 0
    assert counts["ward"][DIVERTED] > 0 and counts["gp"][ELSEWHERE] > 0
    assert counts["gp"][SERVED] > 0 and counts["follow_up"][SERVED] > 0
    held = (log.outcome == IN_SYSTEM) & ~np.isnan(log.end)
    assert held.sum() > 0, "expected blocked patients at the horizon"
    assert (log.depart - log.end > 0).sum() > 0, "expected delayed discharges"


@settings(max_examples=20, deadline=None)
@given(ed=st.integers(0, 8), ward=st.integers(0, 15), reablement=st.integers(0, 5),
       seed=st.integers(0, 2**32 - 1))
def test_conservation_holds_for_any_capacities(ed, ward, reablement, seed):
    net = busy_model(ed=ed, ward=ward, reablement=reablement, horizon="15 days")
    draws, log = run(net, seed=seed)
    check_conservation(net, draws, log)
