"""The compiled event loop: ``@njit`` kernels over plain arrays (see ``compiled.py``).

One binary heap of events held in preallocated arrays, keyed by
(time, sequence number of scheduling); servers, queues and per-patient state are
arrays. The loop mirrors ``simpy_engine`` step for step: every place where the SimPy
engine schedules an event that another patient's fate can depend on (a timeout, a
grant, the next arrival, a roster change) pushes an event here in the same order,
and every place where a SimPy process carries on without yielding is inline code.

Nothing here grows: when the log, the heap or a booking calendar is full, or a
patient needs a return column not drawn yet, the loop stops with a status code and
the caller enlarges the arrays (or calls ``Draws.extend_returns``) and runs the
replication again from the start. Draws are pure functions of (seed, replication,
stream, patient, visit), so the rerun gives the same result. Per-visit draws are
computed where they are read (``draw_tables``): any visit number works.
When no slot is free (``_slots``) it stops between two events instead, and resumes there
once the caller has added slots.

How the modules fit together. This one holds ``run_loop``, which pops events and
dispatches them, and the per-event blocks (an arrival, the end of a service, a
renege, a patient entering nodes until it must wait). They call kernels in modules
that each import only the ones before them in this list:

- ``_layout``: statuses, event kinds, the columns of the arrays, the Model, State and
  Interventions tuples, and ``njit`` (every kernel is compiled without reference counting);
- ``_heap``: the event heap; ``_log``: a row of the event log (tallied by ``_tally``);
- ``_queues``: queues by priority level, granting servers, escalation beds, kept servers;
- ``_visits``: a patient's visit number at a node (its draw column) and route choice;
- ``_interventions``: thinning, scales, route_scale and divert, assessments;
- ``_calendar``: booking slots and roster changes; ``_returns``: readmissions;
- ``_slots``: the rows of the per-patient state, taken on arrival and given back on leaving.

Everything per patient is indexed by the patient's slot (``_slots``): the heap's payloads and
the queues carry slots, ``p`` and ``who`` below are slots, and S[p, PID] is the patient (who
names the log's rows and indexes the model's per-patient arrays and draws).

The layout is re-exported here (``compiled.py`` builds ``_loop.Model`` with
``_loop.KIND`` and the like). Splitting the loop across modules is safe for the cache:
Numba's own cache invalidates a function by the file that defines it, but flowsim's
cache directory is per hash of all the package's sources (``kernels._source_fingerprint``),
so a change in any of these modules recompiles ``run_loop``; and Numba inlines at the IR
level (``inline=True``) across modules just as within one.
"""

from __future__ import annotations

from .. import draw_tables as _dt
from ..eventlog import DIVERTED, ELSEWHERE, NO_DEST, OTHER_ROUTE, RENEGED, SERVED
from ..network import BOOKING, DELAY, NO_NODE, QUEUE
from ._calendar import _booked, _first_free, _next_change, _roster_change
from ._heap import _payload, _push, _settle, _take
from ._interventions import _assess_begins, _assessed, _iv_end, _leave_kept, _referral_at, _scaled, _thinned
from ._layout import *  # noqa: F403 (re-exported: the layout is part of this module's interface)
from ._layout import (ALIVE, ARR, ASSESS, BUSY, CAP, CEN_FIT, CEN_WAITING, COH, DROW, ELSE_AFTER, ELSE_P, ELSE_TO,
                      END, EV_AEND, EV_ARRIVE, EV_BITS, EV_BOOK, EV_END, EV_GRANT, EV_HOLD, EV_MASK, EV_RENEGE,
                      EV_RETURN, EV_ROSTER, FULL_TO, GU_AFTER, GU_TO, HARR, HAS_PAT, HDEST, HEAP_LOW, HELD, HEND, HN, HPREV, HROOM,
                      HSEQ, HSTART, INF, J, KIND, MASK, NAN, NFREE, NODE, NWAIT, OK, PREV, QLIMIT, RNEXT, ROUTE, SCHED,
                      SEQ, SLOT, SLOTS_FULL, START, STATUS, VSEQ, WAITING, WTOK, njit)
from ._log import _censor, _log
from ._queues import _blocked_on, _enqueue, _escalate, _grant, _release_held, _unlink
from ._returns import _return_after
from ._slots import give as _give_slot, take as _take_slot
from ._tally import entered as _t_entered, held as _t_held, started as _t_started
from ._visits import _choose_route, _visit_number

__all__ = ["Model", "State", "Interventions", "run_loop", "OK", "NEED_EXTEND", "LOG_FULL", "HEAP_FULL", "DAYS_FULL",
           "ESC_FULL", "SLOTS_FULL", "HEAP_LOW"]

# PERF: helpers take plain arrays, not the Model/State tuples: taking an array out
# of a tuple costs an atomic reference-count pair in Numba, which was >50% of the
# loop's time (perf, blocking chain, 1 year: 230 ms -> 75 ms) when every helper
# took the tuples. The small leaves are inlined at the Numba IR level (a further
# ~20%); inlining everything made the first compile take 68 s instead of ~8 s.
# PERF: with one call site for _enter, inlining _enter, _start and _release_held too
# took the blocking chain from ~69 ms to ~44 ms and the default economy from ~255 ms
# to ~181 ms (1 year, medians of 5), for an uncached compile of ~8.6 s instead of
# ~5.5 s; inlining _grant as well gained nothing and took the compile to 16 s.


@njit(inline=True)
def _start(mi, tab, iv, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, node, now):
    """Service begins now: free any upstream server, then schedule the end of service (or
    a referral during it)."""
    _release_held(mi, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, now)
    F[p, START] = now
    c = S[p, COH]
    if tl is not None:
        _t_started(tl, p, c, node, now)
    d = _dt.duration(tab, node, S[p, DROW], S[p, J])
    t = now + d
    if iv is not None:
        if iv.V[p, MASK] != 0:
            d = _scaled(mi, iv.dscale, iv.win, iv.tally_f, node, c, iv.V[p, MASK], d, now)
            t = now + d
        if iv.during_of[node, c] >= 0:
            t = _referral_at(mi, iv, S, F, p, node, c, d, now)
    _push(ht, hi, ctr, t, _payload(p, EV_END))


@njit(inline=True)
def _enter(mi, mf, slots, level, tab, iv,
           S, F, visits, ns, qh, qt, taken, ht, hi, li, lf, tl, ctr, el, p, node, prev, now):
    """The patient in slot ``p`` reaches ``node`` (a node, or an exit when < 0) at ``now`` and goes
    as far as it can without waiting (the body of ``_Engine.patient``)."""
    c = S[p, COH]
    while node >= 0:
        arrive = now
        j = _visit_number(mi, visits, p, node)
        S[p, VSEQ] += 1
        S[p, NODE] = node
        S[p, PREV] = prev
        S[p, J] = j
        F[p, ARR] = arrive
        if tl is not None:
            _t_entered(tl, p, c, node, prev, now)
        F[p, START] = NAN
        F[p, END] = NAN
        k = mi[node, KIND]
        if k == QUEUE:
            to = mi[node, FULL_TO]
            if to != NO_NODE and ns[node, BUSY] >= ns[node, CAP] and ns[node, NWAIT] >= mi[node, QLIMIT]:
                _log(li, lf, tl, ctr, S, p, node, prev, arrive, NAN, NAN, arrive, DIVERTED, to, S[p, VSEQ], to, False)
                prev = node
                node = to
                continue
            if ns[node, BUSY] < ns[node, CAP] and ns[node, NWAIT] == 0:
                ns[node, BUSY] += 1
                _escalate(ns, el, ctr, node, now)
                _start(mi, tab, iv, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, node, now)
            else:
                _enqueue(S, ns, qh, qt, p, node, level[node, c])
                if mi[node, HAS_PAT] and S[p, HELD] < 0:
                    wait = _dt.patience(tab, node, S[p, DROW], j)
                    S[p, WTOK] = _push(ht, hi, ctr, now + wait, _payload(p, EV_RENEGE))
                elif S[p, HELD] >= 0 and F[p, GU_AFTER] < INF:  # a blocked wait that can end another way
                    S[p, WTOK] = _push(ht, hi, ctr, now + F[p, GU_AFTER], _payload(p, EV_RENEGE))
            return
        if k == DELAY:
            _start(mi, tab, iv, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, node, now)
            return
        day, i, slot_t = _first_free(mf, slots, taken, ctr, node, arrive)
        if ctr[STATUS] != OK:
            return
        # a node that sends nobody elsewhere has no go-elsewhere draws
        if slot_t - arrive > mf[node, ELSE_AFTER] and mf[node, ELSE_P] > 0.0 and \
                _dt.elsewhere_u(tab, node, S[p, DROW], j) < mf[node, ELSE_P]:
            to = mi[node, ELSE_TO]
            _log(li, lf, tl, ctr, S, p, node, prev, arrive, NAN, NAN, arrive, ELSEWHERE, to, S[p, VSEQ], to, False)
            prev = node
            node = to
            continue
        _release_held(mi, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, arrive)
        if slot_t == INF:
            return  # a node with no slots at all: the request waits for ever
        taken[node, day] = i + 1
        F[p, SLOT] = slot_t
        _push(ht, hi, ctr, now + (slot_t - arrive), _payload(p, EV_BOOK))
        return
    _release_held(mi, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, now)
    S[p, ALIVE] = 0
    S[p, PREV] = prev  # gone: the node it left, and the exit, for _return_after
    S[p, NODE] = node


@njit
def _census_enter(mi, tab, cen_state, cen_node, cen_since, cen_fit_at, cen_onward, S, F, visits, ns, ht, hi, ctr,
                  el, p, now):
    """The census patient in slot p at minute 0 (``_Engine.census_enter``; its census row is that
    of patient S[p, PID]): takes its server, beyond capacity if need be. In service: the rest of
    its stay (its visit-0 duration, drawn conditioned on the time spent) ends by an EV_END.
    Medically fit: keeps its bed, blocked, and goes on to its onward node. Waiting: just
    arrives. Returns (node to go on at, previous node), NO_NODE when it stays put."""
    q = S[p, PID]
    n = cen_node[q]
    state = cen_state[q]
    if state == CEN_WAITING:
        return n, -1
    j = _visit_number(mi, visits, p, n)
    S[p, VSEQ] += 1
    if mi[n, KIND] == QUEUE:
        ns[n, BUSY] += 1
        _escalate(ns, el, ctr, n, now)
    if state == CEN_FIT:
        S[p, J] = j  # the visit it is blocked after (``_blocked_on``)
        S[p, HELD] = n
        S[p, HPREV] = -1
        S[p, HDEST] = cen_onward[q]
        S[p, HSEQ] = S[p, VSEQ]
        F[p, HARR] = cen_since[q]
        F[p, HSTART] = cen_since[q]
        F[p, HEND] = cen_fit_at[q]
        return cen_onward[q], n
    S[p, NODE] = n
    S[p, PREV] = -1
    S[p, J] = j
    F[p, ARR] = cen_since[q]
    F[p, START] = cen_since[q]
    F[p, END] = NAN
    _push(ht, hi, ctr, now + _dt.duration(tab, n, S[p, DROW], j), _payload(p, EV_END))
    return NO_NODE, -1


@njit(inline=True)
def _route_at_end(m, s, iv, who, node, c, now):
    """EV_END: the route decision (returns route, destination), or the route's hold scheduled as an
    EV_HOLD or an assessment begun (route -1: the patient moves on later)."""
    mi, S, F = m.mi, s.S, s.F
    u = _dt.route_u(m.tab, node, S[who, DROW], S[who, J])
    if iv is not None:
        r, dest = _iv_end(m, s, iv, who, node, c, u, now)
        if r < 0:  # assessed first
            return -1, NO_DEST
    else:
        r = _choose_route(m.route_start, m.route_len, m.route_cum, node, c, u)
        dest = m.route_dest[r]
    if m.route_hold[r]:
        S[who, ROUTE] = r
        S[who, HDEST] = dest
        F[who, END] = now
        h = _dt.hold(m.tab, r, node, S[who, DROW], S[who, J])
        if iv is not None and iv.V[who, MASK] != 0:  # time to arrange it shortened (hold_scale)
            h = _scaled(mi, iv.hscale, iv.win, iv.tally_h, node, c, iv.V[who, MASK], h, now)
        _push(s.ht, s.hi, s.ctr, now + h, _payload(who, EV_HOLD))
        return -1, NO_DEST
    return r, dest


@njit(inline=True)
def _service_end(m, s, iv, tl, who, ev, now):
    """EV_END, EV_HOLD, EV_AEND: service ended: route, hold the server while the discharge is
    arranged (a route with a hold: an EV_HOLD at end + hold resumes here), then keep the server
    (blocking) or free it, and move on. With an assessment (interventions), the patient keeps its
    server and queues at the assessment node; at the end of the assessment (EV_AEND) the route is
    chosen, and after any hold the kept server is freed unless the route blocks (as
    ``_Engine.patient`` after ``assess``). Returns (node to enter, node it comes from), NO_NODE
    when the patient does not move now."""
    mi, S, F, ns = m.mi, s.S, s.F, s.ns
    c = S[who, COH]
    assessed = False
    if ev == EV_END:
        node = S[who, NODE]
        r, dest = _route_at_end(m, s, iv, who, node, c, now)
        if r < 0:
            return NO_NODE, -1
        end = now
    elif ev == EV_HOLD:
        r = S[who, ROUTE]
        dest = S[who, HDEST]
        node = S[who, NODE]
        if node < 0:  # a hold after an assessment: only the kept server remains
            node = S[who, HELD]
            assessed = True
        end = F[who, END]
    elif iv is not None:  # EV_AEND
        node, r, dest = _assessed(m, s, iv, tl, who, now)
        if node < 0:  # holds the kept server while the discharge is arranged
            return NO_NODE, -1
        assessed = True
        end = now
    else:  # pragma: no cover  (no EV_AEND without interventions)
        return NO_NODE, -1
    k = mi[node, KIND]
    if assessed:
        _leave_kept(m, S, F, ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.el, s.li, s.lf, tl, who, r, dest, now)
    elif m.route_block[r] and dest >= 0 and k != BOOKING and mi[dest, KIND] != BOOKING:
        S[who, HELD] = node
        S[who, HPREV] = S[who, PREV]
        S[who, HDEST] = dest
        S[who, HSEQ] = S[who, VSEQ]
        F[who, HARR] = F[who, ARR]
        F[who, HSTART] = F[who, START]
        F[who, HEND] = end
        if tl is not None:
            _t_held(tl, who)
        _blocked_on(m, S, F, who, node, r)
    else:
        _log(s.li, s.lf, tl, s.ctr, S, who, node, S[who, PREV], F[who, ARR], F[who, START], end, now, SERVED, dest,
             S[who, VSEQ], dest, False)
        if k == QUEUE:
            ns[node, BUSY] -= 1
            _grant(S, ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.el, node, now)
    return dest, node


@njit(inline=True)
def _arrival(m, s, iv, tl, who, ev, now):
    """EV_ARRIVE: patient ``who`` arrives from its source (the next arrival is scheduled) and takes a
    slot, or EV_RETURN: the patient in slot ``who`` comes back (a readmission). Returns (node to
    enter, node it comes from) as ``_service_end``, and the slot."""
    S, arrive = s.S, m.arrive
    if ev == EV_RETURN:  # a readmission: the same patient walks in again
        S[who, ALIVE] = 1
        return m.rd_i[0], -1, who
    if who + 1 < len(arrive):
        _push(s.ht, s.hi, s.ctr, now + (arrive[who + 1] - now), _payload((who + 1), EV_ARRIVE))
    if iv is not None and _thinned(iv, s.ctr, arrive[who], who):  # never enters (Effects.thinned_by)
        return NO_NODE, -1, -1
    slot = _take_slot(m, s, iv, tl, who)
    if who < len(m.cen_state):  # a warm start's census patient
        to, frm = _census_enter(m.mi, m.tab, m.cen_state, m.cen_node, m.cen_since, m.cen_fit_at, m.cen_onward,
                                S, s.F, s.visits, s.ns, s.ht, s.hi, s.ctr, s.el, slot, now)
        if m.cen_route[who] >= 0:  # starts blocked: its wait may end another way (a give_up)
            _blocked_on(m, S, s.F, slot, frm, m.cen_route[who])
        return to, frm, slot
    return m.entry[m.source[who]], -1, slot


@njit(inline=True)
def _renege(m, s, tl, who, seq, now, lwbs):
    """EV_RENEGE: a waiting patient's patience ran out (it leaves by ``lwbs``), or a blocked wait
    ended another way (its give_up: it frees the kept server and goes on). Returns (node to enter,
    node it comes from) as ``_service_end``. ``seq``: the event's sequence number; it is the
    patient's WTOK while the wait it was scheduled for lasts."""
    S, F = s.S, s.F
    if not (S[who, WAITING] == 1 and S[who, WTOK] == seq):
        return NO_NODE, -1
    node = S[who, NODE]
    c = S[who, COH]
    _unlink(S, s.ns, s.qh, s.qt, who, node, m.level[node, c])
    if S[who, HELD] >= 0:  # blocked patients never renege: the wait ended another way
        to = S[who, GU_TO]
        _log(s.li, s.lf, tl, s.ctr, S, who, node, S[who, PREV], F[who, ARR], NAN, NAN, now, OTHER_ROUTE, to,
             S[who, VSEQ], to, False)
        _release_held(m.mi, S, F, s.ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.el, s.li, s.lf, tl, who, now)
        return to, node
    _log(s.li, s.lf, tl, s.ctr, S, who, node, S[who, PREV], F[who, ARR], NAN, NAN, now, RENEGED, lwbs, S[who, VSEQ],
         -1, False)
    S[who, ALIVE] = 0
    _give_slot(s, who)  # reneged: gone for good (no return follows)
    return NO_NODE, -1


@njit(inline=True)
def _first_events(m, s):
    """The first arrival and each rostered node's first change of servers."""
    mi, ht, hi, ctr = m.mi, s.ht, s.hi, s.ctr
    if len(m.arrive) > 0:
        _push(ht, hi, ctr, 0.0 + (m.arrive[0] - 0.0), _payload(0, EV_ARRIVE))
    for n in range(mi.shape[0]):
        if mi[n, SCHED]:
            nxt = _next_change(m.cap_week, n, 0)
            s.ns[n, RNEXT] = nxt
            _push(ht, hi, ctr, 0.0 + (nxt * 60.0 - 0.0), _payload(n, EV_ROSTER))


@njit
def run_loop(m, s, iv, tl, horizon, lwbs):
    """Run one replication until ``horizon``; returns the status (``ctr[STATUS]``).
    ``iv`` is an ``Interventions`` tuple, or None when no intervention is active; ``tl`` a
    ``streamed.Tally`` when the loop measures as it runs, or None (log only). After SLOTS_FULL
    (no free slot) or HEAP_LOW it is called again with more room and resumes where it stopped."""
    S, ht, hi, ctr = s.S, s.ht, s.hi, s.ctr
    if ctr[SEQ] == 0:  # not a resumed run (one that scheduled nothing has nothing to resume)
        _first_events(m, s)
    while ctr[HN] > 0 and ctr[STATUS] == OK:
        if ht[0] >= horizon:
            break
        if ctr[NFREE] == 0:  # the next event may need a slot: stop here, before it
            ctr[STATUS] = SLOTS_FULL
            break
        if len(ht) - ctr[HN] < ctr[HROOM]:  # or more heap than is left
            ctr[STATUS] = HEAP_LOW
            break
        now, seq, pay = _take(ht, hi, ctr)  # at the root until _settle
        ev = pay & EV_MASK
        who = pay >> EV_BITS
        # PERF: one call site for _enter (the patient walks into ``to`` from ``frm``), after
        # the dispatch, so that it can be inlined.
        to = NO_NODE
        frm = -1
        if ev == EV_END or ev == EV_HOLD or ev == EV_AEND:
            to, frm = _service_end(m, s, iv, tl, who, ev, now)
        elif ev == EV_ARRIVE or ev == EV_RETURN:
            to, frm, who = _arrival(m, s, iv, tl, who, ev, now)
        elif ev == EV_GRANT:
            if iv is not None and iv.V[who, ASSESS] >= 0:
                _assess_begins(m.mi, m.tab, S, s.F, ht, hi, ctr, iv.V, who, now)
            else:
                _start(m.mi, m.tab, iv, S, s.F, s.ns, s.qh, s.qt, ht, hi, ctr, s.el, s.li, s.lf, tl, who,
                       S[who, NODE], now)
        elif ev == EV_RENEGE:
            to, frm = _renege(m, s, tl, who, seq, now, lwbs)
        elif ev == EV_BOOK:
            _booked(m.mi, m.tab, iv, tl, S, s.F, ht, hi, ctr, who, now)
        else:  # EV_ROSTER
            _roster_change(m.cap_week, S, s.ns, s.qh, s.qt, ht, hi, ctr, s.el, who, now)
        if to != NO_NODE:
            _enter(m.mi, m.mf, m.slots, m.level, m.tab, iv,
                   S, s.F, s.visits, s.ns, s.qh, s.qt, s.taken, ht, hi, s.li, s.lf, tl, ctr, s.el, who, to, frm, now)
            # gone by an exit: the slot is free unless a return is due (the patient keeps it meanwhile)
            if S[who, ALIVE] == 0 and not (m.rd_i[0] >= 0 and _return_after(m, s, iv, who, now)):
                _give_slot(s, who)
        _settle(ht, hi, ctr)
    if ctr[STATUS] != OK:
        return ctr[STATUS]
    _censor(S, s.F, s.li, s.lf, tl, ctr, s.order)
    return ctr[STATUS]
