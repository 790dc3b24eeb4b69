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
from .network import Network
from .variates import first_above, flat_empirical, variate

__all__ = ["Tables", "tables", "duration", "route_u", "patience", "elsewhere_u", "hold", "give_up", "referral",
           "duration_of", "route_u_of", "patience_of", "elsewhere_u_of", "hold_of", "give_up_of", "referral_of",
           "ARGS", "args", "block", "KINDS"]

_RANK = 0xFFFFFFFF

# Key tables (rows: node, route or intervention; columns: key = source * C + cohort,
# census keys last): dkey duration, pkey patience, rkey route, ekey go-elsewhere (the last
# two per source: the same key in each cohort's column), hkey hold, gkey give-up time,
# gtkey give-up destination, fkey referral during the stay. Distributions: (code, params)
# of duration and patience per node x cohort (codes (N, C), params row node * C + cohort), of holds and give-ups
# per route, of referrals per intervention; give-up destinations (gstart, glen, gdest,
# gcum as ``GiveUps``); ev, es, ec the empirical distributions flat (``variates``).
# Census: cen the first census key (the number of keys when none), and per census row its
# node, its census visit's duration (NaN: drawn), route uniform (NaN: drawn), the route
# whose hold is given (-1: none) and that hold.
Tables = namedtuple("Tables", [
    "dkey", "pkey", "rkey", "ekey", "hkey", "gkey", "gtkey", "fkey",
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
        dkey=key(_node_names(net, "duration", True, np.ones(N, bool), cen), N),
        pkey=key(_node_names(net, "patience", True, net.has_patience, cen), N),
        rkey=key(_node_names(net, "route", False, np.ones(N, bool), cen), N),
        ekey=key(_node_names(net, "elsewhere", False, net.elsewhere_p > 0, cen), N),
        hkey=key(_route_names(net, "hold", has_hold, cen), R),
        gkey=key(_route_names(net, "give_up", g_has, cen), R),
        gtkey=key(_route_names(net, "give_up_route", g_has, cen), R),
        fkey=key(_referral_names(net), n_iv),
        dcode=net.dur_code.astype(i8), dpar=net.dur_params.astype(f8).reshape(N * C, -1),
        pcode=net.pat_code.astype(i8), ppar=net.pat_params.astype(f8).reshape(N * C, -1),
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


# Each reader is written once over the arrays it needs (``*_of``: what the SimPy engine calls,
# through ``Draws``, with ``args``: PERF, unboxing the whole Tables tuple for each call from
# Python cost ~2.5 us, the arrays of one kind ~0.3 us) and called by the loop through the Tables
# tuple (``duration`` etc.).
ARGS = {
    "dur": ("dkey", "dcode", "dpar", "ev", "es", "ec", "cen", "cen_node", "cen_dur"),
    "route_u": ("rkey", "cen", "cen_node", "cen_rte"),
    "patience": ("pkey", "pcode", "ppar", "ev", "es", "ec"),
    "elsewhere_u": ("ekey",),
    "hold": ("hkey", "hcode", "hpar", "ev", "es", "ec", "cen", "cen_node", "cen_hroute", "cen_hold"),
    "give_up": ("gkey", "gtkey", "gcode", "gpar", "ev", "es", "ec", "gstart", "glen", "gdest", "gcum"),
    "referral": ("fkey", "fcode", "fpar", "ev", "es", "ec", "cen"),
}


def args(t: Tables) -> dict[str, tuple]:
    """The arrays each ``*_of`` reader takes, by kind (``ARGS``)."""
    return {kind: tuple(getattr(t, f) for f in fields) for kind, fields in ARGS.items()}


@njit
def duration_of(dkey, dcode, dpar, ev, es, ec, cen, cen_node, cen_dur, node, kr, j):
    """Minutes of service of visit j at ``node`` of the patient ``kr`` (a census patient's
    census visit, visit 0 at its node: the duration it was given, unless NaN)."""
    k, rank = kr >> 32, kr & _RANK
    if k >= cen and j == 0 and cen_node[rank] == node and cen_dur[rank] == cen_dur[rank]:
        return cen_dur[rank]
    C = dcode.shape[1]
    return variate(dcode[node, k % C], dpar, node * C + k % C, ev, es, ec, dkey[node, k], rank, j)


@njit
def route_u_of(rkey, cen, cen_node, cen_rte, node, kr, j):
    """The uniform that picks the route after visit j at ``node`` (census visit: as given)."""
    k, rank = kr >> 32, kr & _RANK
    if k >= cen and j == 0 and cen_node[rank] == node and cen_rte[rank] == cen_rte[rank]:
        return cen_rte[rank]
    return uniform(rkey[node, k], rank, j, 0)


@njit
def patience_of(pkey, pcode, ppar, ev, es, ec, node, kr, j):
    """Minutes the patient waits at ``node`` (with patience) on visit j before leaving."""
    k = kr >> 32
    C = pcode.shape[1]
    return variate(pcode[node, k % C], ppar, node * C + k % C, ev, es, ec, pkey[node, k], kr & _RANK, j)


@njit
def elsewhere_u_of(ekey, node, kr, j):
    """The uniform of the go-elsewhere decision at booking ``node`` on visit j."""
    return uniform(ekey[node, kr >> 32], kr & _RANK, j, 0)


@njit
def hold_of(hkey, hcode, hpar, ev, es, ec, cen, cen_node, cen_hroute, cen_hold, r, node, kr, j):
    """Minutes of route r's hold after visit j at ``node`` (the route's node; census visit:
    the rest of the hold it was given on its onward route)."""
    k, rank = kr >> 32, kr & _RANK
    if k >= cen and j == 0 and cen_hroute[rank] == r and cen_node[rank] == node:
        return cen_hold[rank]
    return variate(hcode[r], hpar, r, ev, es, ec, hkey[r, k], rank, j)


@njit
def give_up_of(gkey, gtkey, gcode, gpar, ev, es, ec, gstart, glen, gdest, gcum, r, kr, j):
    """(minutes, destination) of a blocked wait on give_up route r after visit j at its
    node (census patients too, from their own streams)."""
    k, rank = kr >> 32, kr & _RANK
    wait = variate(gcode[r], gpar, r, ev, es, ec, gkey[r, k], rank, j)
    u = uniform(gtkey[r, k], rank, j, 0)
    a = gstart[r]
    return wait, gdest[first_above(gcum, a, a + glen[r], u)]


@njit
def referral_of(fkey, fcode, fpar, ev, es, ec, cen, w, kr, j):
    """Minutes from the start of visit j to the referral of assessment-during-the-stay w
    (census patients: NaN, never referred during the stay they are in)."""
    k = kr >> 32
    if k >= cen:
        return np.nan
    return variate(fcode[w], fpar, w, ev, es, ec, fkey[w, k], kr & _RANK, j)


@njit
def duration(t, node, kr, j):
    """``duration_of`` through the Tables tuple (the loop's reads)."""
    return duration_of(t.dkey, t.dcode, t.dpar, t.ev, t.es, t.ec, t.cen, t.cen_node, t.cen_dur, node, kr, j)


@njit
def route_u(t, node, kr, j):
    """``route_u_of`` through the Tables tuple."""
    return route_u_of(t.rkey, t.cen, t.cen_node, t.cen_rte, node, kr, j)


@njit
def patience(t, node, kr, j):
    """``patience_of`` through the Tables tuple."""
    return patience_of(t.pkey, t.pcode, t.ppar, t.ev, t.es, t.ec, node, kr, j)


@njit
def elsewhere_u(t, node, kr, j):
    """``elsewhere_u_of`` through the Tables tuple."""
    return elsewhere_u_of(t.ekey, node, kr, j)


@njit
def hold(t, r, node, kr, j):
    """``hold_of`` through the Tables tuple."""
    return hold_of(t.hkey, t.hcode, t.hpar, t.ev, t.es, t.ec, t.cen, t.cen_node, t.cen_hroute, t.cen_hold,
                   r, node, kr, j)


@njit
def give_up(t, r, kr, j):
    """``give_up_of`` through the Tables tuple."""
    return give_up_of(t.gkey, t.gtkey, t.gcode, t.gpar, t.ev, t.es, t.ec, t.gstart, t.glen, t.gdest,
                      t.gcum, r, kr, j)


@njit
def referral(t, w, kr, j):
    """``referral_of`` through the Tables tuple."""
    return referral_of(t.fkey, t.fcode, t.fpar, t.ev, t.es, t.ec, t.cen, w, kr, j)


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
