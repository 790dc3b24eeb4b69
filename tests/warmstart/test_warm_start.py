"""Warm start in both engines: census patients, the randomness contract, engine equivalence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.engines.simpy_engine import run_simpy
from flowsim.eventlog import IN_SYSTEM
from flowsim.metrics import measure
from flowsim.warmstart import census_draws, read_census, write_census
from flowsim.warmstart.census_file import FIT, IN_SERVICE, WAITING, Census
from flowsim.warmstart.snapshot import census_at

from chain_model import chain_network
from test_engine_equivalence import assert_same_log


@pytest.fixture(scope="module")
def census_and_net():
    """The census of the chain at day 80 (medically fit, in service and waiting patients), and a 30-day net."""
    net80 = chain_network(80)
    census = census_at(run_simpy(net80, make_draws(net80, 3, 0)), net80)
    return census, chain_network(30)


def test_census_has_every_state(census_and_net):
    census, _ = census_and_net
    counts = np.bincount(census.state, minlength=3)
    assert counts[IN_SERVICE] > 30 and counts[FIT] > 0, counts


def test_census_changes_no_source_patient_draws(census_and_net):
    census, net = census_and_net
    d0, d1 = make_draws(net, 9, 1), census_draws(net, census, 9, 1)
    K = len(census)
    np.testing.assert_array_equal(d1.arrive[K:], d0.arrive)
    np.testing.assert_array_equal(d1.cohort[K:], d0.cohort)
    np.testing.assert_array_equal(d1.thin_u[K:], d0.thin_u)
    for name in ("dur", "route_u", "patience", "elsewhere_u"):
        for n in range(net.n_nodes):
            np.testing.assert_array_equal(d1.per_patient(name, n, 2)[K:], d0.per_patient(name, n, 2), err_msg=name)
    assert np.all(d1.arrive[:K] == 0.0)


def test_census_patient_draws_depend_only_on_the_census(census_and_net):
    # the census rows come from census streams: a longer run (more source patients) leaves them alone
    census, net = census_and_net
    longer = dataclasses.replace(net, horizon=2 * net.horizon)
    a, b = census_draws(net, census, 9, 1), census_draws(longer, census, 9, 1)
    K = len(census)
    for n in range(net.n_nodes):
        for name in ("dur", "route_u"):
            np.testing.assert_array_equal(a.per_patient(name, n, 2)[:K], b.per_patient(name, n, 2)[:K])


@pytest.mark.parametrize("rep", [0, 1, 2])
def test_engines_identical_logs_from_a_census(census_and_net, rep):
    census, net = census_and_net
    draws = census_draws(net, census, 21, rep)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert_same_log(a, b)
    assert a.patients == b.patients == len(draws.arrive) - len(census) - int(np.sum(draws.arrive >= net.horizon))


def test_census_rows_in_the_log(census_and_net):
    census, net = census_and_net
    log = run_simpy(net, census_draws(net, census, 21, 0))
    K = len(census)
    first = (log.patient < K) & (log.seq == 0)
    rows = np.flatnonzero(first)
    k = log.patient[rows]
    assert len(rows) == K
    started_before = census.state[k] != WAITING
    # in service and medically fit patients started days_in_node before minute 0
    np.testing.assert_allclose(log.start[rows][started_before], -census.spent[k][started_before])
    fit = census.state[k] == FIT
    np.testing.assert_allclose(log.end[rows][fit], -census.fit_for[k][fit])
    assert np.all(log.node[rows] == census.node[k])
    # census patients in a ward were admitted before the run; those waiting elsewhere (in ED)
    # are admitted when they take a ward bed in it
    ward = net.node_names.index("ward")
    in_run = np.unique(log.patient[(log.patient < K) & (log.node == ward) & (log.start >= 0)])
    admitted_in_run = int(np.sum(census.node[in_run] != ward))
    assert measure(log, net)["admissions"] == measure_admissions_of_sources(log, net, K) + admitted_in_run


def measure_admissions_of_sources(log, net, K):
    keep = log.patient >= K
    sub = dataclasses.replace(log, **{c: v[keep] for c, v in log.columns().items()})
    return measure(sub, net)["admissions"]


def test_over_capacity_census_runs_over_and_admits_nobody_until_below(tmp_path, census_and_net):
    _, net = census_and_net
    ward = net.node_names.index("ward")
    cap = int(net.capacity[ward, 0])
    K = cap + 5
    census = Census(state=np.zeros(K, dtype=np.int8), node=np.full(K, ward), cohort=np.zeros(K, dtype=np.int16),
                    spent=np.full(K, 1440.0), fit_for=np.zeros(K), onward=np.full(K, -1))
    path = tmp_path / "over.csv"
    write_census(path, census, net)
    read = read_census(path, net)
    assert len(read.notes) == 1 and "5 over capacity" in read.notes[0]
    draws = census_draws(net, read, 4, 0)
    log = run_simpy(net, draws)
    assert_same_log(log, run_compiled(net, draws))
    at_ward = log.node == ward
    census_leave = np.sort(np.where(np.isnan(log.depart), np.inf, log.depart)[at_ward & (log.patient < K)])
    first_new = np.nanmin(log.start[at_ward & (log.patient >= K)])
    # the first source patient starts in the ward only once six census patients have left
    assert first_new >= census_leave[5]


def test_census_round_trips_through_csv(tmp_path, census_and_net):
    census, net = census_and_net
    path = tmp_path / "c.csv"
    write_census(path, census, net)
    back = read_census(path, net)
    np.testing.assert_array_equal(back.state, census.state)
    np.testing.assert_array_equal(back.node, census.node)
    np.testing.assert_array_equal(back.onward, census.onward)
    np.testing.assert_allclose(back.spent, census.spent, atol=0.1)
    np.testing.assert_allclose(back.fit_for, census.fit_for, atol=0.1)
    np.testing.assert_array_equal(back.blocked, census.blocked)


HELD = """
name: a ward whose discharges to reablement are arranged (a hold), then wait for a place
run: {horizon: 80 days, warm_up: 0 days, seed: 5}
sources:
  arrivals: {to: ward, rate: 8 per day}
services:
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 60
    duration: {lognormal: {mean: 4 days, sd: 3 days}}
    routes:
      - {to: home, p: 0.5}
      - {to: reablement, p: 0.5, blocking: true, hold: {lognormal: {mean: 2 days, sd: 2 days}}}
  reablement:
    kind: queue
    setting: social_care
    servers: 12
    duration: {exponential: {mean: 14 days}}
    routes:
      - {to: home, p: 1}
"""


def test_a_blocked_census_patient_queues_at_once_and_one_in_its_hold_finishes_it():
    # the census of a run knows which medically fit patients have finished their hold and wait for
    # a place (``blocked``): they join reablement's queue at minute 0; without the flag they would
    # first sit out a hold drawn again, conditioned on the time since fit (the bias that made the
    # default economy's warm start hold ~2% too many elderly-care beds)
    from flowsim.config import parse_config
    from flowsim.network import build_network

    net = build_network(parse_config(HELD, "held.yaml"))
    d80 = make_draws(net, 3, 0)
    census = census_at(run_compiled(net, d80), net, draws=d80)
    reab = net.node_names.index("reablement")
    blocked = np.flatnonzero(census.blocked)
    in_hold = np.flatnonzero((census.state == FIT) & ~census.blocked & (census.onward == reab))
    assert len(blocked) > 5 and len(in_hold) > 0
    warm = dataclasses.replace(net, horizon=20 * 1440.0)
    for flags, at_once in ((census.blocked, True), (np.zeros(len(census), dtype=bool), False)):
        log = run_compiled(warm, census_draws(warm, dataclasses.replace(census, blocked=flags), 4, 0))
        first = {int(p): a for p, a in zip(log.patient[log.node == reab], log.arrive[log.node == reab])}
        arrived = np.array([first.get(int(k), np.inf) for k in blocked])
        assert np.all(arrived == 0.0) == at_once
    # in their hold, they reach reablement's queue after the rest of it
    assert all(first.get(int(k), np.inf) > 0.0 for k in in_hold)


def test_nobody_is_lost(census_and_net):
    census, net = census_and_net
    log = run_compiled(net, census_draws(net, census, 8, 0))
    K = len(census)
    assert set(np.unique(log.patient[log.patient < K])) == set(range(K))
    last = np.zeros(len(log), dtype=bool)
    order = np.lexsort((log.seq, log.patient))
    last[order[np.append(log.patient[order][1:] != log.patient[order][:-1], True)]] = True
    # every patient's last row either left the system or is still in it at the horizon
    assert np.all((log.dest[last] < 0) | (log.outcome[last] == IN_SYSTEM))



def test_patients_in_a_discharge_hold_are_medically_fit_and_finish_their_hold():
    from chain_model import CHAIN
    text = CHAIN.replace("        - {to: home, p: 0.7}\n",
                         "        - {to: home, p: 0.1}\n        - {to: home, p: 0.6, hold: {exponential: {mean: 4 days}}}\n")
    net80, net = chain_network(80, text), chain_network(20, text)
    d80 = make_draws(net80, 6, 0)
    census = census_at(run_simpy(net80, d80), net80, draws=d80)
    home = -(1 + net.exit_names.index("home"))
    in_hold = np.flatnonzero((census.state == FIT) & (census.onward == home))
    assert len(in_hold) > 3
    draws = census_draws(net, census, 2, 0)
    a, b = run_simpy(net, draws), run_compiled(net, draws)
    assert_same_log(a, b)
    rows = np.flatnonzero(np.isin(a.patient, in_hold) & (a.seq == 0))
    # they keep the bed for the rest of their hold (not the route that leaves at once), then go home
    assert np.all(a.end[rows] == 0.0) and np.all(np.nan_to_num(a.depart[rows], nan=np.inf) > 0.0)
    assert np.all(a.dest[rows][~np.isnan(a.depart[rows])] == home)


def test_blocked_census_patients_wait_their_give_up_in_both_engines():
    # census patients blocked at minute 0, waiting for a reablement place that seldom frees (2 places,
    # 10-day stays), leave another way after their give_up (exponential, mean 1 day general, 4 days
    # frail): over 20 days all but the few a place frees for, as the continuing run's would; both
    # engines alike. (Before census patients had give_up streams, none of them left.)
    from test_give_up import net_of

    from flowsim.eventlog import OTHER_ROUTE

    net = net_of(2)
    at40 = dataclasses.replace(net, horizon=40 * 1440.0, warm_up=0.0)
    d40 = make_draws(at40, 3, 0)
    census = census_at(run_compiled(at40, d40), at40, draws=d40)
    blocked = np.flatnonzero(census.blocked)
    assert len(blocked) >= 5
    warm = dataclasses.replace(net, horizon=20 * 1440.0, warm_up=0.0)
    draws = census_draws(warm, census, 4, 0)
    np.testing.assert_array_equal(draws.census_route[blocked] >= 0, True)
    log = run_simpy(warm, draws)
    assert_same_log(log, run_compiled(warm, draws))
    gave_up = np.isin(blocked, log.patient[log.outcome == OTHER_ROUTE])
    # in 20 days a few reablement places free (2 places, 10-day stays): the rest give up
    assert gave_up.sum() >= len(blocked) - 5 and gave_up.sum() > 0, (gave_up.sum(), len(blocked))
