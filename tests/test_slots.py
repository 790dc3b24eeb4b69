"""The compiled loop's state indexed by reusable slots (engines._slots, engines.slot_room): a
run that starts with too few slots (and so too small a heap) grows them and gives byte-identical logs, streamed sums and
tallies to one with ample room, on every kind of model; the room is sized for the patients in
the system, not for every patient of the run; and the horizon's patients are logged in patient
order whatever slots they hold."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from equivalence_helpers import short
from flowsim.cli import default_config_path
from flowsim.config import load_config, parse_config
from flowsim.config.scenarios import load_scenario
from flowsim.draws import make_draws
from flowsim.engines import _loop, _slots, compiled
from flowsim.engines.compiled import run_compiled, run_compiled_streamed
from flowsim.memory import expected_in_system, slots_for
from flowsim.network import build_network
from flowsim.streamed import streamable

sys.path.insert(0, str(Path(__file__).parent / "warmstart"))
from chain_model import chain_network  # noqa: E402

CONFIGS = default_config_path().parent


def _log_bytes(log):
    return [np.ascontiguousarray(v).tobytes() for v in log.columns().values()] + [log.patients, repr(log.meta)]


def _sums_bytes(st):
    arrays = (st.na, st.cf, st.chold, st.od, st.tot, st.wait_node, st.wait)
    return [a.tobytes() for a in arrays] + [st.patients, repr(st.meta)]


def _returns_net():
    from test_population import RETURNS
    return build_network(parse_config(RETURNS))


def _tiny_raid(path):
    from conftest import TINY
    path.write_text(TINY, encoding="utf-8")
    return build_network(load_scenario(path, "raid"))  # assessments, thinning, route scaling


def _warm():
    from flowsim.engines.simpy_engine import run_simpy
    from flowsim.warmstart import census_draws
    from flowsim.warmstart.snapshot import census_at
    first = chain_network(20)
    census = census_at(run_simpy(first, make_draws(first, 3, 0)), first)
    net = chain_network(30)
    return net, lambda: census_draws(net, census, 5, 0)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """(name, network, draws maker) of the models: default economy (bookings, rosters, holds,
    give-ups, priorities), the calendar-free chain with escalation-free blocking, readmissions,
    interventions with assessments, a warm start."""
    out = []
    for name, path, days in (("default", CONFIGS / "default.yaml", 30), ("raid", CONFIGS / "raid.yaml", 20)):
        net = build_network(short(load_config(path), days))
        out.append((name, net, lambda net=net: make_draws(net, 4, 1)))
    net = _returns_net()
    out.append(("readmissions", net, lambda net=net: make_draws(net, 4, 0)))
    net = _tiny_raid(tmp_path_factory.mktemp("slots") / "tiny.yaml")
    out.append(("interventions", net, lambda net=net: make_draws(net, 7, 1)))
    net, draws = _warm()
    out.append(("warm start", net, draws))
    return out


@pytest.mark.parametrize("i", range(5), ids=["default", "raid", "readmissions", "interventions", "warm start"])
def test_tiny_room_grows_to_byte_identical_results(models, i):
    """Starting from 1 slot (every arrival finds none free: the loop stops, the slots double
    and it resumes, ~log2(in system) times; the heap, sized by the slots, likewise) gives the
    same bytes as room for every patient."""
    name, net, draws = models[i]
    P = draws().n_patients
    ample, tiny = run_compiled(net, draws(), slots=P), run_compiled(net, draws(), slots=1)
    assert len(ample.patient) > 100
    assert _log_bytes(tiny) == _log_bytes(ample), name
    s = compiled._run(net, draws(), None, slots=1)[0]
    assert s.S.shape[0] > 8  # grown, resuming
    if name == "default":  # the heap, sized by the slots, too
        assert len(s.ht) > compiled._heap_cap(net, 1)
    if streamable(net, getattr(draws(), "n_census", 0)):
        for keep in (False, True):
            a, la = run_compiled_streamed(net, draws(), keep, slots=P)
            b, lb = run_compiled_streamed(net, draws(), keep, slots=1)
            assert _sums_bytes(b) == _sums_bytes(a), name
            if keep:
                assert _log_bytes(lb) == _log_bytes(la) == _log_bytes(ample)


def test_room_is_for_the_patients_in_the_system(models):
    """The default economy over 30 days: ~22,000 patients, ~900 in the system at once (Little's
    law); the state has a row per slot (2 x that + 1,024), and the loop needed no more than it
    started with. Over a year the same room serves ~340,000 patients."""
    _, net, draws = models[0]
    d = draws()
    s = compiled._run(net, d, False)[0]
    L = expected_in_system(net, d.n_patients)
    assert 100 < L < d.n_patients / 20
    assert s.S.shape[0] == slots_for(net, d.n_patients) < d.n_patients / 5
    used = s.S.shape[0] - int(s.ctr[_loop.NFREE])  # slots held at the horizon
    assert 0.5 * L < used < s.S.shape[0]


def test_a_return_keeps_its_slot_until_it_comes_back(models):
    """Readmissions: a patient who will come back holds its slot while away, so with a return
    mean of 15 days the slots held at the end exceed the patients in the ED (1 minute stays)."""
    _, net, draws = models[2]
    s = compiled._run(net, draws(), None, slots=1)[0]
    held = s.S.shape[0] - int(s.ctr[_loop.NFREE])
    alive = int(s.S[:, _loop.ALIVE].sum())
    assert alive <= 2 and held > 100  # p 0.6 of returning after a mean of 15 days: ~40/day x 0.6 x 15 away


def test_in_patient_order_twin():
    """``_slots.in_patient_order`` (an in-place heapsort) against numpy's sort, on random slots."""
    rng = np.random.default_rng(12)
    for n in (0, 1, 2, 3, 17, 500):
        S = np.zeros((n, _loop.N_INT), dtype=np.int64)
        S[:, _loop.PID] = rng.permutation(10 * n + 1)[:n]
        S[:, _loop.ALIVE] = rng.random(n) < 0.7
        order = np.full(n, -7, dtype=np.int64)
        k = _slots.in_patient_order(S, order)
        alive = np.flatnonzero(S[:, _loop.ALIVE] == 1)
        want = alive[np.argsort(S[alive, _loop.PID])]
        assert k == len(alive) and order[:k].tolist() == want.tolist()
