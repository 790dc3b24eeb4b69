"""Randomness contract v2 (docs/design.md, "Randomness contract"): per-visit draws computed on
demand from (seed, replication, stream, patient, visit) alone."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim import draw_tables as dt
from flowsim.config import parse_config
from flowsim.counter import stream_key, uniform
from flowsim.draws import RANDOMNESS_VERSION, make_draws
from flowsim.engines import run_engine
from flowsim.network import build_network
from flowsim.variates import flat_empirical, variate

MODEL = """
name: v2
run: {{horizon: {days} days, seed: 1}}
cohorts: [general, frail]
sources:
  a: {{to: ed, rate: {rate_a} per day, cohorts: {{general: 0.7, frail: 0.3}}}}
  b: {{to: ward, rate: 20 per day, cohorts: {{general: 0.5, frail: 0.5}}}}
services:
  ed:
    kind: queue
    setting: ed
    servers: {ed}
    duration: {{exponential: {{mean: 3 h}}}}
    patience: {{exponential: {{mean: 10 h}}}}
    routes:
      - {{to: ward, p: 0.4, blocking: true, hold: {{uniform: {{min: 1 h, max: 5 h}}}}}}
      - {{to: home, p: 0.6}}
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 300
    duration: {{lognormal: {{mean: 4 days, sd: 3 days}}}}
    routes:
      - {{to: ward, p: 0.5}}
      - {{to: home, p: 0.5}}
"""


def net_of(days=20, ed=10, rate_a=100):
    return build_network(parse_config(MODEL.format(days=days, ed=ed, rate_a=rate_a)))


KINDS = [("dur", 0), ("dur", 1), ("route_u", 0), ("route_u", 1), ("patience", 0), ("hold", 0)]


def by_identity(d, name, i, visits=3):
    """{(source, rank): the patient's values} of one kind at node (route) i."""
    vals = d.per_patient(name, i, visits)
    return {(int(s), int(k)): v for s, k, v in zip(d.source, d.rank, vals)}


def test_version_is_three():
    assert RANDOMNESS_VERSION == 3  # v3: v2's counters, AS 241's normal quantile (draws.py)


def test_prefix_property_a_longer_horizon_keeps_earlier_patients_numbers():
    short, long = make_draws(net_of(20), 4, 1), make_draws(net_of(40), 4, 1)
    assert long.n_patients > 1.8 * short.n_patients
    for name, i in KINDS:
        a, b = by_identity(short, name, i), by_identity(long, name, i)
        assert set(a) <= set(b)
        for who, v in a.items():
            np.testing.assert_array_equal(v, b[who], err_msg=f"{name} {i} {who}")


def test_draws_do_not_depend_on_capacities_or_other_patients():
    base = make_draws(net_of(), 4, 1)
    fewer_servers = make_draws(net_of(ed=2), 4, 1)
    busier_a = make_draws(net_of(rate_a=300), 4, 1)  # source a's patients change, source b's do not
    for name, i in KINDS:
        a, f, c = (by_identity(d, name, i) for d in (base, fewer_servers, busier_a))
        assert a.keys() == f.keys()
        for (s, k), v in a.items():
            np.testing.assert_array_equal(v, f[(s, k)])
            if s == 1:
                np.testing.assert_array_equal(v, c[(s, k)])


def test_a_value_is_the_variate_of_its_named_stream_at_rank_and_visit():
    """The key derivation and counter of the contract, spelt out for one patient of each kind."""
    net = net_of()
    d = make_draws(net, 8, 3)
    ev, es, ec = flat_empirical(list(net.emp_values), list(net.emp_cum))
    for p in (0, 7, d.n_patients - 1):
        s, c, k = int(d.source[p]), int(d.cohort[p]), int(d.rank[p])
        src, coh = net.source_names[s], net.cohorts[c]
        for n, node in enumerate(net.node_names):
            for j in (0, 5):
                key = stream_key(8, 3, f"duration:{node}:{src}:{coh}")
                want = variate(int(net.dur_code[n, c]), net.dur_params[n].astype(float), c, ev, es, ec, key, k, j)
                assert d.duration(n, p, j) == want
                assert d.route_u(n, p, j) == uniform(stream_key(8, 3, f"route:{node}:{src}"), k, j, 0)


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_both_engines_read_the_drawn_value(engine):
    """Every ED service in the log lasts exactly the patient's drawn visit-0 duration, and every
    ward stay (a cycle: visits 0, 1, ...) its visit-j duration, on either engine."""
    net = net_of(days=60, ed=40)
    d = make_draws(net, 2, 0)
    log = run_engine(net, d, engine)
    done = np.flatnonzero(~np.isnan(log.end) & ~np.isnan(log.start))
    seen = {}
    n_ward = 0
    for row in done[np.lexsort((log.seq[done], log.patient[done]))]:
        p, n = int(log.patient[row]), int(log.node[row])
        j = seen.get((p, n), 0)
        seen[(p, n)] = j + 1 if n == 1 else 0
        n_ward += j > 0
        assert log.end[row] - log.start[row] == pytest.approx(d.duration(n, p, j), rel=1e-9, abs=1e-6)
    assert n_ward > 100  # visits beyond the first on the cycle were read too


def test_durations_follow_their_distribution():
    """Mean of 20 days of exponential(3 h) ED durations within 4 standard errors (~1,400 patients)."""
    d = make_draws(net_of(), 5, 0)
    x = d.per_patient("dur", 0, 1)[:, 0]
    assert abs(x.mean() - 180.0) < 4 * 180.0 / np.sqrt(len(x))
    u = d.per_patient("route_u", 0, 4).ravel()
    assert ((u > 0) & (u < 1)).all() and abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / len(u))


def test_readers_from_python_and_compiled_code_agree():
    """Compiled code (``per_patient``'s loop, as the engine's) and Python (``Draws``, the SimPy
    engine's way) call the same readers and get the same numbers."""
    d = make_draws(net_of(), 6, 2)
    rng = np.random.default_rng(0)
    for p in rng.integers(0, d.n_patients, 20):
        for j in (0, 3):
            assert d.per_patient("dur", 1, 4)[p, j] == d.duration(1, int(p), j) == \
                dt.duration(d.tables, 1, d.drow[p], j)
            assert d.per_patient("hold", 0, 4)[p, j] == d.hold(0, int(p), j)
