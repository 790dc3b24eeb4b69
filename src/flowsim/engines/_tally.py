"""Metrics measured as the compiled loop runs: ``@njit`` kernels the loop calls at each log row,
each visit entered and each service start (see ``compiled.py`` and ``flowsim.streamed``).

``metrics.measure`` reads a finished event log; this is the same arithmetic done row by
row as the loop writes (or, without ``--events``, instead of writing) each row, so a
replication never builds and re-scans the log. Every figure is a sum over rows, a sum
over ED attendances or acute stays, or (the wait quantiles) computed exactly from the
waits kept in a buffer; ``flowsim.stream_metrics`` turns the sums into the metrics.

Linking visits without sorting the log. ``metrics`` links a patient's visit to the one
before it (by ``seq``) when it came from that visit's node; runs of linked ED visits are
attendances, runs of linked acute-bed visits are stays. Here the same test is made when
a visit is entered (``_entered``: ``prev`` equals the node of the patient's previous
visit, kept in ``pi[p, LASTN]``), and whether a row ends its run is known when the row
is written: its successor (the next visit, if linked) is the node the patient moves on
to at once (``dest``), or for a kept (blocked) bed the node it waits at (``HDEST``).
This holds for every construct the streaming path runs (``streamed.streamable``);
assessments, readmissions and warm starts keep to the log path.
"""

from __future__ import annotations

import numpy as np

from ..codes import NO_NODE
from ..eventlog import DIVERTED, ELSEWHERE, IN_SYSTEM, OTHER_ROUTE, RENEGED
from ..kernels import njit
from ..streamed import (A_ARR, A_BUSY, A_COST, A_DCOST, A_DEATHS, A_DEL, A_DIV, A_OTHER, A_Q1N, A_Q1S, A_Q4N,
                        A_Q4S, A_REN, A_ROWS, A_SERVED, A_STILL, A_UNMET, A_SVCN, A_SVCS, A_BOOKED, A_WN, A_WPOS, A_WSUM,
                        C_ADM, C_ATT, C_BED, C_BREACH, C_COST, C_DEATHS, C_DEL, T_ADM, T_ATT, T_BREACH, T_CENS,
                        T_DTA, T_TWELVE, EDARR, HEDARR, LASTN, ADMD, W_LO, W_HI, W_D0, W_D1, W_EDCOST, W_Q,
                        P_DAY, P_VISIT, P_LWBS, P_DIV, P_ADM, P_DELAY, N_A, N_C, N_P, X_ACUTE, X_BED,
                        X_CF, X_CHOLD, X_DEATH, X_ED, X_N, X_NA, X_OD, X_OD_W, X_PRICE, X_TOT, X_WK)
from ..units import MINUTES_PER_DAY

__all__ = ["row", "entered", "started", "held"]

FOUR_HOURS, TWELVE_HOURS = 240.0, 720.0

@njit(inline=True, refcount=False)
def _overlap(a, b, lo, hi):
    """Length of [a, b) inside [lo, hi); 0 when ``a`` is NaN (``metrics._overlap``)."""
    if a != a:
        return 0.0
    x = min(b, hi) - max(a, lo)
    return x if x > 0.0 else 0.0


# ``_row`` and its helpers address the packed sums directly (``streamed``: fs, ix): ``na`` is the
# offset of the node's row of per-node sums, ``cf`` of the cohort's row, ``tot`` of the totals;
# a flag of node ``n`` is ``ix[ix[X_ED] + n]``. PERF: rebuilding the named 2-D views inside the
# call instead (``reshape``: a C helper call each) made the tally ~2x dearer.

@njit(inline=True, refcount=False)
def _ed_done(fs, ix, cf, c, depart, end, dest, succ, arrival):
    """The last row of an ED attendance (``metrics._ed_attendances``, ``_waits_from_decision``)."""
    lo, hi = fs[W_LO], fs[W_HI]
    if not (arrival >= lo and arrival < hi):
        return
    tot = ix[X_TOT]
    still = depart != depart
    elapsed = hi - arrival if still else depart - arrival
    if elapsed > FOUR_HOURS:
        fs[tot + T_BREACH] += 1.0
        fs[cf + C_BREACH] += 1.0
    elif still:
        fs[tot + T_CENS] += 1.0
    if elapsed > TWELVE_HOURS:
        fs[tot + T_TWELVE] += 1.0
    to = succ if succ >= 0 else dest
    if to >= 0 and ix[ix[X_ACUTE] + to] and end == end:
        leave = hi if still else depart
        if leave - end > TWELVE_HOURS:
            fs[tot + T_DTA] += 1.0


@njit(inline=True, refcount=False)
def _window_counts(fs, ix, wn, wv, na, pr, cf, node, arrive, start, depart, outcome, dest):
    """Counts and waits of a visit arriving in the window (``metrics._per_node``, ``stability``),
    and its unmet-demand cost (``ledger._unmet``); ``pr``: the offset of the node's prices."""
    fs[na + A_ARR] += 1.0
    if outcome == DIVERTED or outcome == ELSEWHERE:
        fs[na + A_DIV] += 1.0
        if dest < 0:
            fs[na + A_UNMET] += fs[pr + P_DIV]
            fs[cf + C_COST] += fs[pr + P_DIV]
    else:
        if outcome == RENEGED:
            fs[na + A_REN] += 1.0
            fs[na + A_UNMET] += fs[pr + P_LWBS]
            fs[cf + C_COST] += fs[pr + P_LWBS]
        elif outcome == OTHER_ROUTE:
            fs[na + A_OTHER] += 1.0
            fs[ix[X_OD] + node * ix[X_OD_W] + dest + ix[X_OD_W] - ix[X_N]] += 1.0
        elif outcome == IN_SYSTEM and start != start:
            fs[na + A_STILL] += 1.0
        hi = fs[W_HI]
        left = depart if depart == depart else hi
        until = min(start if start == start else left, hi)
        if arrive < fs[W_LO] + fs[W_Q]:
            fs[na + A_Q1S] += until - arrive
            fs[na + A_Q1N] += 1.0
        if arrive >= hi - fs[W_Q]:
            fs[na + A_Q4S] += until - arrive
            fs[na + A_Q4N] += 1.0
    if start == start:
        w = start - arrive
        fs[na + A_WSUM] += w
        fs[na + A_WN] += 1.0
        if w > 0.0:
            fs[na + A_WPOS] += 1.0
        k = ix[X_WK]
        wn[k] = node
        wv[k] = w
        ix[X_WK] = k + 1


# PERF: a real call, not inlined at the IR level: ``_log`` (inlined) calls it at ~14 sites, and
# Numba deep-copies an inlined callee's IR once per block per site, so inlining it made one
# loop specialisation take ~107 s of CPU to compile instead of ~34 s; the run is no slower
# (perf anchors' chain, min of 15, same session: engine 52-60 vs 53-57 ms, whole 79-89 vs 77-86 ms).
# PERF: its arrays packed in five (``streamed``): the tally (streamed loop minus log loop) ~7 -> ~3 ms
# a replication of the perf chain (process time, min of 9, alternately with the 17-array call).
@njit(refcount=False)
def _row(fs, ix, pe, wn, wv, p, c, node, arrive, start, end, depart, outcome, dest, succ, was_held):
    """Tally one log row into the packed sums ``fs`` (constants and counts ``ix``, per-patient
    ``pe``, waits ``wn``, ``wv``: ``streamed.new_tally``). ``succ``: the node of the patient's next
    visit when it is linked to this one (see the module docstring), else < 0; ``was_held``: the
    row of a kept bed (its attendance began at ``HEDARR``). The wait buffer has room for every
    row (the caller sizes it as the log)."""
    lo, hi = fs[W_LO], fs[W_HI]
    na, pr, cf = ix[X_NA] + node * N_A, ix[X_PRICE] + node * N_P, ix[X_CF] + c * N_C
    fs[na + A_ROWS] += 1.0
    if arrive >= lo and arrive < hi:
        _window_counts(fs, ix, wn, wv, na, pr, cf, node, arrive, start, depart, outcome, dest)
    if start >= lo and start < hi:
        fs[na + A_SERVED] += 1.0
        fs[na + A_COST] += fs[pr + P_VISIT]
        fs[cf + C_COST] += fs[pr + P_VISIT]
    if start == start:
        day = np.floor(start / MINUTES_PER_DAY)
        if day >= fs[W_D0] and day < fs[W_D1]:
            fs[na + A_BOOKED] += 1.0
        if end == end:
            fs[na + A_SVCS] += end - start
            fs[na + A_SVCN] += 1.0
    dep = depart if depart == depart else hi
    held = _overlap(start, dep, lo, hi)
    fs[na + A_BUSY] += held
    fs[ix[X_CHOLD] + c * ix[X_N] + node] += held
    cost = fs[pr + P_DAY] * held / MINUTES_PER_DAY
    fs[na + A_COST] += cost
    fs[cf + C_COST] += cost
    if ix[ix[X_BED] + node]:
        fs[cf + C_BED] += held
        d = _overlap(end, dep, lo, hi)
        fs[na + A_DEL] += d
        fs[cf + C_DEL] += d
        fs[na + A_DCOST] += d * fs[pr + P_DELAY]
    if dest < 0 and dest != NO_NODE and ix[ix[X_DEATH] - dest - 1] and depart >= lo and depart < hi:
        fs[na + A_DEATHS] += 1.0
        fs[cf + C_DEATHS] += 1.0
    if ix[ix[X_ED] + node] and not (succ >= 0 and ix[ix[X_ED] + succ]):
        _ed_done(fs, ix, cf, c, depart, end, dest, succ, pe[p, HEDARR if was_held else EDARR])


@njit(inline=True, refcount=False)
def row(tl, p, c, node, arrive, start, end, depart, outcome, dest, succ, was_held):
    """Tally one log row (``_row``), its arguments passed as int64, float64 and bool."""
    # COMPILE: the loop passes constants here (an outcome, NO_NODE, True) from ~14 call sites, and
    # Numba compiles a called function once per combination of literal argument types: 8 copies
    # of ``_row`` per loop specialisation. Converted, they share one.
    i8, f8 = np.int64, np.float64
    _row(tl.fs, tl.ix, tl.pe, tl.wn, tl.wv, i8(p), i8(c), i8(node), f8(arrive), f8(start), f8(end), f8(depart),
         i8(outcome), i8(dest), i8(succ), bool(was_held))


@njit(inline=True, refcount=False)
def entered(tl, p, c, node, prev, now):
    """Patient p enters a visit at ``node`` from ``prev``: an ED attendance or an acute stay
    begins unless the visit continues one (linked to a visit of the same kind)."""
    last = tl.pi[p, LASTN]
    linked = prev >= 0 and prev == last
    if tl.ed[node] and not (linked and tl.ed[last]):
        tl.pe[p, EDARR] = now
        if now >= tl.win[W_LO] and now < tl.win[W_HI]:
            tl.tot[T_ATT] += 1.0
            tl.cf[c, C_ATT] += 1.0
            tl.na[node, A_COST] += tl.win[W_EDCOST]
            tl.cf[c, C_COST] += tl.win[W_EDCOST]
    if tl.acute[node] and not (linked and tl.acute[last]):
        tl.pi[p, ADMD] = 0
    tl.pi[p, LASTN] = node


@njit(inline=True, refcount=False)
def started(tl, p, c, node, start):
    """Service starts: the first start in an acute stay is its admission (``metrics._admission_rows``)."""
    if tl.acute[node] and tl.pi[p, ADMD] == 0:
        tl.pi[p, ADMD] = 1
        if start >= tl.win[W_LO] and start < tl.win[W_HI]:
            tl.tot[T_ADM] += 1.0
            tl.cf[c, C_ADM] += 1.0
            tl.na[node, A_COST] += tl.price[node, P_ADM]
            tl.cf[c, C_COST] += tl.price[node, P_ADM]


@njit(inline=True, refcount=False)
def held(tl, p):
    """The patient keeps its bed (blocked): its row, written later, ends the attendance begun at EDARR."""
    tl.pe[p, HEDARR] = tl.pe[p, EDARR]
