"""The draws' flat layout: every block a view of one buffer per kind, handed to the compiled
loop without a copy, holding the numbers each (node, visit column) stream gives."""

from __future__ import annotations

import numpy as np

from flowsim import build_network, parse_config
from flowsim.draws import _node_columns, make_draws, packed
from flowsim.engines.compiled import _flat

CYCLE = """
name: cycle
run: {horizon: 10 days, seed: 9}
cohorts: [a, b]
sources: {s: {to: desk, rate: 50 per day, cohorts: {a: 0.5, b: 0.5}}}
services:
  desk: {kind: queue, setting: primary, servers: 3, duration: {exponential: {mean: 20 min}},
         patience: {exponential: {mean: 2 h}},
         routes: [{to: ward, p: 0.4, blocking: true, hold: {exponential: {mean: 1 h}},
                   give_up: {after: {exponential: {mean: 1 day}}, routes: [{to: home, p: 1}]}},
                  {to: home, p: 0.6}]}
  ward: {kind: queue, setting: acute, bed: true, servers: 2, duration: {exponential: {mean: 1 day}},
         routes: [{to: ward, p: 0.6}, {to: home, p: 0.4, hold: {exponential: {mean: 2 h}}}]}
"""


def _check(d, net):
    for n in range(net.n_nodes):
        for j in range(d.dur[n].shape[1]):
            dur, route, pat, other, holds, give_ups = _node_columns(d, n, j)  # the streams' own draws
            for arr, col in ((d.dur, dur), (d.route_u, route), (d.patience, pat), (d.elsewhere_u, other)):
                np.testing.assert_array_equal(arr[n][:, j], col)
            for r, col in holds.items():
                np.testing.assert_array_equal(d.hold[r][:, j], col)
            for r, (wait, to) in give_ups.items():
                np.testing.assert_array_equal(d.give_up[r][:, j], wait)
                np.testing.assert_array_equal(d.give_up_to[r][:, j], to)
    for name in ("dur", "route_u", "patience", "elsewhere_u"):
        arrs = getattr(d, name)
        buf = packed(arrs)
        assert buf is not None and _flat(arrs) is buf  # the loop gets the buffer, not a copy
        np.testing.assert_array_equal(buf, np.concatenate([a.ravel() for a in arrs]))
    hr = np.flatnonzero(net.route_has_hold)
    assert packed([d.hold[r] for r in hr], lead=1) is d.hold[hr[0]].base


def test_blocks_hold_each_streams_numbers_before_and_after_extend():
    net = build_network(parse_config(CYCLE))
    d = make_draws(net, 9, 0)
    assert net.revisit[1] and d.dur[1].shape[1] == 4
    _check(d, net)
    first = [a.copy() for a in d.dur]
    d.extend(1)
    assert d.dur[1].shape[1] == 8
    np.testing.assert_array_equal(d.dur[1][:, :4], first[1])  # columns drawn before are kept
    np.testing.assert_array_equal(d.dur[0], first[0])
    _check(d, net)


def test_arrays_made_otherwise_are_copied():
    a, b = np.arange(6.0).reshape(3, 2), np.arange(3.0).reshape(3, 1)
    assert packed([a, b]) is None
    np.testing.assert_array_equal(_flat([a, b]), np.concatenate([a.ravel(), b.ravel()]))
