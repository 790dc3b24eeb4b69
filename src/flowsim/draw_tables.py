"""The per-visit draws of randomness contract v2, computed on demand (``draws`` module docstring).

``tables`` builds, once per replication, the stream keys of every per-visit kind (one
int64 Philox key per stream name, ``counter.stream_keys``) and the distributions they
are drawn from, as one ``Tables`` tuple of plain arrays. The readers below (``duration``,
``route_u``, ``patience``, ``elsewhere_u``, ``hold``, ``give_up``, ``referral``) return
the value of one (stream, patient, visit): both engines call these same compiled
functions, the compiled loop at each read site and the SimPy engine through ``Draws``,
so they read the same number by construction.

A patient is named by ``kr = key << 32 | rank`` (``Draws.drow``): ``key = source * C +
cohort`` picks the column of a key table, ``rank`` is its arrival number within its
source, the counter's first word. A warm start's census patients have keys from ``cen``
on (source ``census``; rank = census row) and, at their census visit (visit 0 at their
node), the pre-drawn residual duration, route uniform and hold of ``warmstart.census_draws``.

A stage of ``draws``: it decides what the numbers are, never what a run does with them.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .counter import stream_keys, uniform
from .kernels import njit as _njit
from .network import NO_NODE, Network
from .variates import flat_empirical, variate

__all__ = ["Tables", "tables", "duration", "route_u", "patience", "elsewhere_u", "hold", "give_up", "referral",
           "block", "KINDS"]

_RANK = 0xFFFFFFFF

# Key tables (rows: node, route or intervention; columns: key = source * C + cohort,
# census keys last): dkey duration, pkey patience, rkey route, ekey go-elsewhere (the last
# two per source: the same key in each cohort's column), hkey hold, gkey give-up time,
# gtkey give-up destination, fkey referral during the stay. Distributions: (code, params)
# of duration and patience per node x cohort (row node * C + cohort), of holds and give-ups
# per route, of referrals per intervention; give-up destinations (gstart, glen, gdest,
# gcum as ``GiveUps``); ev, es, ec the empirical distributions flat (``variates``).
# Census: cen the first census key (the number of keys when none), and per census row its
# node, its census visit's duration (NaN: drawn), route uniform (NaN: drawn), the route
# whose hold is given (-1: none) and that hold.
Tables = namedtuple("Tables", [
    "C", "dkey", "pkey", "rkey", "ekey", "hkey", "gkey", "gtkey", "fkey",
    "dcode", "dpar", "pcode", "ppar", "hcode", "hpar", "gcode", "gpar", "gstart", "glen", "gdest", "gcum",
    "fcode", "fpar", "ev", "es", "ec",
    "cen", "cen_node", "cen_dur", "cen_rte", "cen_hroute", "cen_hold",
])


def njit(fn):
    """Readers: compiled without reference counting (the loop's kernels call them), not inlined.
    PERF: inlined at every read site they added ~15 s to the first compile of the loop's four
    specialisations (97 -> 112 s) and no measurable run time (streamed engine, default economy
    161-164 vs 164-166 ms, the perf anchors' chain 54-56 vs 54-55 ms; medians of 9, alternated)."""
    return _njit(fn, refcount=False)


def _keys(seed: int, replication: int, names: list[str], shape) -> np.ndarray:
    """Keys of ``names`` (None: no stream, key 0) in a table of ``shape``."""
    out = np.zeros(len(names), dtype=np.int64)
    have = [i for i, n in enumerate(names) if n is not None]
    if have:
        out[have] = stream_keys(seed, replication, [names[i] for i in have])
    return out.reshape(shape)


def _node_names(net: Network, kind: str, per_cohort: bool, has, census: bool) -> list:
    """Stream names of a node kind, by node then key (sources, then the census pseudo-source)."""
    out = []
    for n, node in enumerate(net.node_names):
        for src in net.source_names:
            for coh in net.cohorts:
                out.append((f"{kind}:{node}:{src}:{coh}" if per_cohort else f"{kind}:{node}:{src}") if has[n] else None)
        for coh in net.cohorts:
            name = f"census:{kind}:{node}:{coh}" if per_cohort else f"census:{kind}:{node}"
            out.append(name if has[n] and census else None)
    return out


def _route_names(net: Network, kind: str, has, census: bool) -> list:
    """Stream names of a route kind, by route then key: the route's own cohort only."""
    out = []
    for r in range(len(net.route_dest)):
        tag = f"{net.node_names[net.route_node[r]]}:{int(net.route_index[r])}"
        own = int(net.route_cohort[r])
        for src in net.source_names:
            for c, coh in enumerate(net.cohorts):
                out.append(f"{kind}:{tag}:{src}:{coh}" if has[r] and c == own else None)
        for c, coh in enumerate(net.cohorts):
            out.append(f"census:{kind}:{tag}:{coh}" if has[r] and c == own and census else None)
    return out


def _referral_names(net: Network) -> list:
    """Stream names of the referral times of assessments during the stay (census: none)."""
    iv = net.interventions
    out = []
    for i in range(len(iv.names) if iv is not None else 0):
        for src in net.source_names:
            for coh in net.cohorts:
                out.append(f"referral:{iv.names[i]}:{src}:{coh}" if iv.during[i] else None)
        out.extend([None] * len(net.cohorts))
    return out


def tables(net: Network, seed: int, replication: int, census=None) -> Tables:
    """The key tables and distributions of one replication (module docstring).

    Parameters
    ----------
    net : Network
    seed, replication : int
    census : tuple of 5 arrays, optional
        A warm start's census rows: node, duration, route uniform, hold route, hold
        (``warmstart.census_draws``; NaN or -1 where none is given); None on a cold start.

    Returns
    -------
    Tables
    """
    N, R, C, S = net.n_nodes, len(net.route_dest), len(net.cohorts), len(net.source_names)
    K = (S + 1) * C
    f8, i8 = np.float64, np.int64
    has_hold = net.route_has_hold
    g = net.give_up
    g_has = g.has if g is not None else np.zeros(R, dtype=bool)
    iv = net.interventions
    n_iv = len(iv.names) if iv is not None else 0
    key = lambda names, rows: _keys(seed, replication, names, (rows, K))  # noqa: E731
    ev, es, ec = flat_empirical(list(net.emp_values), list(net.emp_cum))
    cen = census is not None
    if census is None:
        census = (np.zeros(0, i8), np.zeros(0), np.zeros(0), np.zeros(0, i8), np.zeros(0))
    return Tables(
        C=C, dkey=key(_node_names(net, "duration", True, np.ones(N, bool), cen), N),
        pkey=key(_node_names(net, "patience", True, net.has_patience, cen), N),
        rkey=key(_node_names(net, "route", False, np.ones(N, bool), cen), N),
        ekey=key(_node_names(net, "elsewhere", False, net.elsewhere_p > 0, cen), N),
        hkey=key(_route_names(net, "hold", has_hold, cen), R),
        gkey=key(_route_names(net, "give_up", g_has, False), R),
        gtkey=key(_route_names(net, "give_up_route", g_has, False), R),
        fkey=key(_referral_names(net), n_iv),
        dcode=net.dur_code.astype(i8).ravel(), dpar=net.dur_params.astype(f8).reshape(N * C, -1),
        pcode=net.pat_code.astype(i8).ravel(), ppar=net.pat_params.astype(f8).reshape(N * C, -1),
        hcode=net.route_hold_code.astype(i8), hpar=net.route_hold_params.astype(f8),
        gcode=(g.code if g is not None else np.zeros(R)).astype(i8),
        gpar=(g.params if g is not None else np.zeros((R, 4))).astype(f8),
        gstart=(g.start if g is not None else np.zeros(R)).astype(i8),
        glen=(g.length if g is not None else np.zeros(R)).astype(i8),
        gdest=(g.dest if g is not None else np.zeros(1)).astype(i8),
        gcum=(g.cum if g is not None else np.ones(1)).astype(f8),
        fcode=(iv.ref_code if iv is not None else np.zeros(0)).astype(i8),
        fpar=(iv.ref_params if iv is not None else np.zeros((0, 4))).astype(f8),
        ev=ev, es=es, ec=ec, cen=S * C,
        cen_node=census[0].astype(i8), cen_dur=census[1].astype(f8), cen_rte=census[2].astype(f8),
        cen_hroute=census[3].astype(i8), cen_hold=census[4].astype(f8))


@njit
def _given(t, cen_x, node, kr, j):
    """A census patient's value at its census visit (visit 0 at its node), else NaN."""
    k = kr >> 32
    if k < t.cen or j != 0:
        return np.nan
    i = kr & _RANK
    if t.cen_node[i] != node:
        return np.nan
    return cen_x[i]


@njit
def duration(t, node, kr, j):
    """Minutes of service of visit j at ``node`` of the patient ``kr``."""
    x = _given(t, t.cen_dur, node, kr, j)
    if x == x:
        return x
    k = kr >> 32
    i = node * t.C + k % t.C
    return variate(t.dcode[i], t.dpar, i, t.ev, t.es, t.ec, t.dkey[node, k], kr & _RANK, j)


@njit
def route_u(t, node, kr, j):
    """The uniform that picks the route after visit j at ``node``."""
    x = _given(t, t.cen_rte, node, kr, j)
    if x == x:
        return x
    return uniform(t.rkey[node, kr >> 32], kr & _RANK, j, 0)


@njit
def patience(t, node, kr, j):
    """Minutes the patient waits at ``node`` (with patience) on visit j before leaving."""
    k = kr >> 32
    i = node * t.C + k % t.C
    return variate(t.pcode[i], t.ppar, i, t.ev, t.es, t.ec, t.pkey[node, k], kr & _RANK, j)


@njit
def elsewhere_u(t, node, kr, j):
    """The uniform of the go-elsewhere decision at booking ``node`` on visit j."""
    return uniform(t.ekey[node, kr >> 32], kr & _RANK, j, 0)


@njit
def hold(t, r, node, kr, j):
    """Minutes of route r's hold after visit j at ``node`` (the route's node)."""
    k = kr >> 32
    if k >= t.cen and j == 0 and t.cen_hroute[kr & _RANK] == r and t.cen_node[kr & _RANK] == node:
        return t.cen_hold[kr & _RANK]
    return variate(t.hcode[r], t.hpar, r, t.ev, t.es, t.ec, t.hkey[r, k], kr & _RANK, j)


@njit
def give_up(t, r, kr, j):
    """(minutes, destination) of a blocked wait on give_up route r after visit j at its
    node; census patients' waits do not end another way (NaN, NO_NODE)."""
    k = kr >> 32
    if k >= t.cen:
        return np.nan, NO_NODE
    rank = kr & _RANK
    wait = variate(t.gcode[r], t.gpar, r, t.ev, t.es, t.ec, t.gkey[r, k], rank, j)
    u = uniform(t.gtkey[r, k], rank, j, 0)
    a, n = t.gstart[r], t.glen[r]
    i = 0
    while i < n - 1 and not u < t.gcum[a + i]:  # searchsorted(cum, u, "right"), at most the last
        i += 1
    return wait, t.gdest[a + i]


@njit
def referral(t, w, kr, j):
    """Minutes from the start of visit j to the referral of assessment-during-the-stay w
    (census patients: NaN, never referred during the stay they are in)."""
    k = kr >> 32
    if k >= t.cen:
        return np.nan
    return variate(t.fcode[w], t.fpar, w, t.ev, t.es, t.ec, t.fkey[w, k], kr & _RANK, j)


KINDS = ("dur", "route_u", "patience", "elsewhere_u", "hold", "give_up", "give_up_to", "referral")


@_njit
def block(t, kind, i, node, drow, visits):
    """(P, visits) values of ``KINDS[kind]`` for node (route, intervention) i, one row per patient."""
    out = np.empty((drow.shape[0], visits))
    for p in range(drow.shape[0]):
        for j in range(visits):
            kr = drow[p]
            if kind == 0:
                out[p, j] = duration(t, i, kr, j)
            elif kind == 1:
                out[p, j] = route_u(t, i, kr, j)
            elif kind == 2:
                out[p, j] = patience(t, i, kr, j)
            elif kind == 3:
                out[p, j] = elsewhere_u(t, i, kr, j)
            elif kind == 4:
                out[p, j] = hold(t, i, node, kr, j)
            elif kind == 5:
                out[p, j] = give_up(t, i, kr, j)[0]
            elif kind == 6:
                out[p, j] = give_up(t, i, kr, j)[1]
            else:
                out[p, j] = referral(t, i, kr, j)
    return out
