"""Rows only for the patients who can reach a node (``draws`` module docstring): the same
numbers as a row for every patient, so the same event logs and metrics on both engines."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim import build_network, parse_config
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.engines.compiled import run_compiled_streamed
from flowsim.eventlog import COLUMNS
from flowsim.stream_metrics import measure_streamed

# Two systems that never meet: source `a` reaches desk, ward (by cohort: holds and give-ups)
# and a go-elsewhere booking clinic; source `b` reaches only the clinic and its own review loop.
MODEL = """
name: two systems
run: {horizon: 20 days, warm_up: 2 days, seed: 5}
cohorts: [general, frail]
sources:
  a: {to: desk, rate: 60 per day, cohorts: {general: 0.7, frail: 0.3}}
  b: {to: clinic, rate: 25 per day, cohorts: {general: 0.4, frail: 0.6}}
services:
  desk: {kind: queue, setting: ed, servers: 2, duration: {exponential: {mean: 40 min}},
         patience: {exponential: {mean: 3 h}},
         routes: [{to: ward, p: 0.5, blocking: true, hold: {exponential: {mean: 1 h}},
                   give_up: {after: {exponential: {mean: 1 day}}, routes: [{to: home, p: 1}]}},
                  {to: home, p: 0.5}]}
  ward: {kind: queue, setting: acute, bed: true, servers: 6, duration: {exponential: {mean: 2 days}},
         routes: {general: [{to: home, p: 1, hold: {exponential: {mean: 2 h}}}],
                  frail: [{to: review, p: 0.5}, {to: home, p: 0.5}]}}
  clinic: {kind: booking, setting: primary, slots: {mon: 20, tue: 20, wed: 20, thu: 20, fri: 20},
           hours: {open: 8 h, close: 18 h}, duration: {exponential: {mean: 15 min}},
           elsewhere: {after: 1 day, p: 0.3, to: desk},
           routes: [{to: review, p: 0.3}, {to: home, p: 0.7}]}
  review: {kind: delay, setting: community, duration: {exponential: {mean: 1 day}},
           routes: [{to: review, p: 0.4}, {to: home, p: 0.6}]}
"""
# (the clinic's go-elsewhere leads b's patients to the desk, so every node is reachable from
# b; a second model below has a node only one source reaches)
ISLAND = MODEL.replace("elsewhere: {after: 1 day, p: 0.3, to: desk},", "").replace(
    "to: clinic, rate: 25 per day", "to: island, rate: 25 per day") + """
  island: {kind: queue, setting: community, servers: 3, duration: {exponential: {mean: 2 h}},
           routes: [{to: island, p: 0.3}, {to: home, p: 0.7}]}
"""


def _same_logs(a, b):
    oa, ob = np.lexsort((a.seq, a.patient)), np.lexsort((b.seq, b.patient))
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(a, name)[oa], getattr(b, name)[ob], err_msg=name)


@pytest.mark.parametrize("model", [MODEL, ISLAND], ids=["elsewhere", "island"])
def test_blocks_hold_the_same_numbers_for_the_patients_who_reach_them(model):
    net = build_network(parse_config(model))
    d, full = make_draws(net, 5, 0), make_draws(net, 5, 0, rows="all")
    src = {name: i for i, name in enumerate(net.source_names)}
    for n in range(net.n_nodes):
        reach = np.isin(d.source, np.flatnonzero(d._reach[:, n]))
        rows = [d.row(n, p) for p in np.flatnonzero(reach)]
        assert len(d.dur[n]) == reach.sum() and sorted(rows) == list(range(reach.sum()))
        for kind in ("dur", "route_u"):
            np.testing.assert_array_equal(getattr(d, kind)[n][rows], getattr(full, kind)[n][reach])
    for r in np.flatnonzero(net.route_has_hold):
        n, c = int(net.route_node[r]), int(net.route_cohort[r])
        own = np.isin(d.source, np.flatnonzero(d._reach[:, n])) & (d.cohort == c)
        rows = [d.route_row(r, p) for p in np.flatnonzero(own)]
        assert len(d.hold[r]) == own.sum()
        np.testing.assert_array_equal(d.hold[r][rows], full.hold[r][own])
        np.testing.assert_array_equal(d.per_patient("hold", r), full.hold[r])  # NaN where no row, as there
    if "island" in net.node_names:  # only b's patients have rows there, only a's at the desk
        assert len(d.dur[net.node_names.index("island")]) == (d.source == src["b"]).sum()
        assert len(d.dur[net.node_names.index("desk")]) == (d.source == src["a"]).sum()


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
@pytest.mark.parametrize("model", [MODEL, ISLAND], ids=["elsewhere", "island"])
def test_event_logs_are_identical_with_rows_for_every_patient(model, engine):
    net = build_network(parse_config(model))
    log = run_engine(net, make_draws(net, 5, 0), engine)
    assert len(log) > 500
    _same_logs(log, run_engine(net, make_draws(net, 5, 0, rows="all"), engine))


def test_streamed_metrics_are_identical_with_rows_for_every_patient():
    net = build_network(parse_config(ISLAND))
    a, _ = run_compiled_streamed(net, make_draws(net, 5, 0))
    b, _ = run_compiled_streamed(net, make_draws(net, 5, 0, rows="all"))
    ma, mb = measure_streamed(a, net), measure_streamed(b, net)
    assert list(ma) == list(mb)
    np.testing.assert_array_equal(np.array(list(ma.values())), np.array(list(mb.values())))  # NaN equal to NaN
