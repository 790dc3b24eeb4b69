"""The compiled event loop: ``@njit`` kernels over plain arrays (see ``compiled.py``).

One binary heap of events held in preallocated arrays, keyed by
(time, sequence number of scheduling); servers, queues and per-patient state are
arrays. The loop mirrors ``simpy_engine`` step for step: every place where the SimPy
engine schedules an event that another patient's fate can depend on (a timeout, a
grant, the next arrival, a roster change) pushes an event here in the same order,
and every place where a SimPy process carries on without yielding is inline code.

Nothing here grows: when the log, the heap or a booking calendar is full, or a
patient needs a visit column its node has not drawn yet, the loop stops with a
status code and the caller enlarges the arrays (or calls ``Draws.extend``) and
runs the replication again from the start. Draws are pure functions of
(seed, replication, stream, patient), so the rerun gives the same result.

Why one module of ~950 lines, against the house rule of ~450: history, no longer
need. Numba's own cache invalidates ``run_loop`` by the file that defines it, not by
the files its inlined helpers come from; but flowsim's cache directory is per hash of
all the package's sources (``kernels._source_fingerprint``), so a helper in another
module is recompiled whenever it changes (``_tally`` is one). Splitting the rest
(heap, queues, interventions, booking) into modules is safe and still to do.

PERF: every kernel here is compiled without Numba's reference counting (``njit``
below, ``kernels.njit(refcount=False)``): the loop never allocates, and each array
passed to a helper, taken out of the Model/State tuples or copied to a local was an
atomic increment and decrement (~1,200 such calls in run_loop's machine code). Without
them the engine-only run of the perf anchors' chain went from ~170 to ~60 ms CPU (same
run), and helpers can take the tuples: run_loop's blocks are inlined helpers that do.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..eventlog import DIVERTED, ELSEWHERE, IN_SYSTEM, NO_DEST, OTHER_ROUTE, RENEGED, SERVED
from ..kernels import njit as _njit
from ._tally import entered as _t_entered, held as _t_held, row as _t_row, started as _t_started
from ..network import BOOKING, DELAY, NO_NODE, QUEUE
from ..units import MINUTES_PER_DAY

__all__ = ["Model", "State", "Interventions", "run_loop", "OK", "NEED_EXTEND", "LOG_FULL", "HEAP_FULL", "DAYS_FULL",
           "ESC_FULL"]


def njit(fn=None, *, inline: bool = False):
    """The loop's kernels: cached, and compiled without reference counting (they never
    allocate). PERF: see the module docstring."""
    return _njit(fn, inline=inline, refcount=False)


# statuses
OK, NEED_EXTEND, LOG_FULL, HEAP_FULL, DAYS_FULL, ESC_FULL = 0, 1, 2, 3, 4, 5
# event kinds (low 3 bits of the payload; the rest is the patient or node)
EV_ARRIVE, EV_END, EV_GRANT, EV_RENEGE, EV_BOOK, EV_ROSTER, EV_HOLD, EV_AEND = 0, 1, 2, 3, 4, 5, 6, 7
EV_BITS = 3
EV_MASK = (1 << EV_BITS) - 1
# columns of the per-patient integer state S (ROUTE: the route chosen, during a hold, whose
# destination is in HDEST; GU_TO: where a blocked wait that ends another way goes; DROW: the
# patient's rows in the draws, ``Draws.row_key`` << 32 | ``row_rank``, set before the loop runs)
NODE, PREV, HELD, HPREV, HDEST, J, ALIVE, WAITING, WTOK, QNEXT, QPREV, ROUTE, VSEQ, HSEQ, GU_TO, DROW = range(16)
N_INT = 16
# columns of the per-patient intervention state V (``Interventions.V``): the bit mask
# of the interventions that apply to the patient, the intervention assessing
# it (or -1), its visit number at the assessment node, and the phase of an assessment
# during the stay (0 none, 1 referral due at the next EV_END, 2 being assessed, 3 the
# rest of the stay, which ends by an EV_AEND)
MASK, ASSESS, AJ, DURING = range(4)
N_V = 4
# columns of the per-patient float state F (END: clinical end, during a hold; GU_AFTER: minutes
# a blocked wait lasts before it ends another way, inf when it does not)
ARR, START, HARR, HSTART, HEND, SLOT, END, GU_AFTER, WDUR = range(9)
N_FLOAT = 9
# (WDUR: the whole duration of a stay with a referral during it)
# columns of the per-node model integers mi and floats mf
KIND, SCHED, FULL_TO, QLIMIT, HAS_PAT, REV, ELSE_TO, D_OFF, D_K, BED, ACUTE_BED, P_OFF, E_OFF = range(13)
N_MI = 13
OPEN, CLOSE, ELSE_AFTER, ELSE_P = range(4)
N_MF = 4
# columns of the per-node state ns; escalation beds (``ServerPool._escalate``): ESC_BEDS
# beds (0: none), opened when ESC_OPEN servers are held, closed below ESC_CLOSE; ESC_ON is
# 0 while closed, else 1 + the row of the escalation log ``el`` the opening is in
BUSY, CAP, NWAIT, RNEXT, ESC_BEDS, ESC_OPEN, ESC_CLOSE, ESC_ON = range(8)
N_NS = 8
# counters ctr: heap size, next sequence number, status, status detail, log rows, patients
# thinned, escalation log rows
HN, SEQ, STATUS, DETAIL, ROWS, THINNED, ESC_ROWS = range(7)
N_CTR = 7
# columns of the per-intervention integers ivi, and of the integer tallies tally_i
DIV_FROM, DIV_TO, ASSESS_BY = range(3)
N_IVI = 3
T_ADM, T_ATT = range(2)
NAN = np.nan
INF = np.inf

# The model as arrays, plus the replication's draws packed flat (``Draws``'s blocks, rows only
# for the patients who can reach a node): visit j of patient p at node n is
# dur[mi[n, D_OFF] + mi[n, N_MI + key] + rank * mi[n, D_K] + j] with key, rank from S[p, DROW]
# (``_drawn``; mi[n, N_MI + key] is the key's first row x D_K); likewise rte, and pat and els from
# P_OFF and E_OFF (a node without patience, or without go-elsewhere, has no rows there); the hold of
# route r (from node n) is hold[hoff[r, key] + rank * mi[n, D_K] + j] (``_route_drawn``); likewise
# the give-up time and destination of a blocking route with a give_up: gu[guoff[r, key] + ...],
# gu_to[guoff[r, key] + ...]. Referral times (``Interventions.ref``) keep a row per patient.
# cohort and source (P,) int16 are the draws' own arrays; entry (S,) each source's first node.
Model = namedtuple("Model", [
    "mi", "mf", "cap_week", "slots", "level", "route_start", "route_len", "route_dest", "route_cum",
    "route_block", "dur", "rte", "pat", "els", "arrive", "cohort", "source", "entry", "route_hold", "hold", "hoff",
    "gu_has", "gu", "gu_to", "guoff",
    # readmissions (``engines.returns``): rd_from (N,) and rd_exit (E,) 0/1, rd_i = (node returned
    # to or -1 without readmission, K return columns), rd_p (P,), rd_u and rd_t (P * K,) return k
    # of patient p at p * K + k, rd_scale (I,) the factor of each intervention on the probability
    "rd_from", "rd_exit", "rd_i", "rd_p", "rd_u", "rd_t", "rd_scale",
    # a warm start (``_census_enter``)
    "cen_state", "cen_node", "cen_since", "cen_fit_at", "cen_onward",
])
# A warm start's census patients are patients 0 .. K-1 (K = len(cen_state), 0 on a cold
# start): their state (CEN_IN_SERVICE, CEN_FIT, CEN_WAITING as in warmstart.census_file), node,
# minute started there, minute medically fit, onward node (see ``_census_enter``).
CEN_IN_SERVICE, CEN_FIT, CEN_WAITING = 0, 1, 2
# Mutable state: per patient (S, F, visits), per node (ns, queue heads/tails qh/qt
# by priority level, booking calendar taken), the heap (ht times; hi rows seq,
# payload, token), the log (li rows patient, cohort, node, prev, outcome, dest, seq;
# lf rows arrive, start, end, depart), the counters ctr, ret_k (P,) the discharges of each
# patient that could have led to a return so far ((1,) without readmissions; visits is (1, 1)
# without nodes on a cycle), and the escalation log el (rows node, minute opened, minute closed or NaN).
State = namedtuple("State", ["S", "F", "visits", "ns", "qh", "qt", "taken", "ht", "hi", "li", "lf", "ctr",
                             "ret_k", "el"])
# Interventions (``flowsim.interventions``, applied as in ``engines.effects``), passed to
# run_loop as this tuple when any is active and as None otherwise. Model part: start_mask
# (P,) (the mask of each patient on arrival: only the targeted interventions it may get), thin_by (P,) the intervention thinning each patient
# or -1, route_of and assess_of (N, C), ivi (I, N_IVI), within (I,), iv_cum (I, R), dscale
# (I, N, C), win (2,) the window [warm-up, horizon), divert_of (N, C), eligible (I,), elig_u (I, P)
# (``Draws.eligible_u``), hscale (I, N, C) hold factors, during_of (N, C), ref and refoff (the
# referral times of assessments during the stay, packed as holds); state part: V (P, N_V), see MASK,
# tally_i (I, 2) avoided admissions and attendances, tally_f (I,) bed days saved, tally_h (I,)
# delayed bed days saved.
# PERF: the argument's type (None or this tuple) picks one of two compiled specialisations
# of run_loop; in the None one Numba prunes every ``iv is not None`` branch before typing,
# so a model without interventions runs the loop as it was before they existed
# (1 year, medians of 15, same session: M/M/c 252 -> 220 ms, blocking chain 47 -> 43 ms,
# default economy 195 -> 184 ms; before interventions 218, 42, 181 ms). Uncached compile:
# 8.6 s without interventions, 13.5 s with (both in one process: ~22 s), instead of 14 s.
Interventions = namedtuple("Interventions", [
    "start_mask", "thin_by", "route_of", "assess_of", "ivi", "within", "iv_cum", "dscale", "win",
    "divert_of", "eligible", "elig_u", "hscale", "during_of", "ref", "refoff",
    "V", "tally_i", "tally_f", "tally_h",
])

# PERF: helpers take plain arrays, not the Model/State tuples: taking an array out
# of a tuple costs an atomic reference-count pair in Numba, which was >50% of the
# loop's time (perf, blocking chain, 1 year: 230 ms -> 75 ms) when every helper
# took the tuples. The small leaves are inlined at the Numba IR level (a further
# ~20%); inlining everything made the first compile take 68 s instead of ~8 s.
# PERF: with one call site for _enter, inlining _enter, _start and _release_held too
# took the blocking chain from ~69 ms to ~44 ms and the default economy from ~255 ms
# to ~181 ms (1 year, medians of 5), for an uncached compile of ~8.6 s instead of
# ~5.5 s; inlining _grant as well gained nothing and took the compile to 16 s.


# ----------------------------------------------------------------------- draws
@njit(inline=True)
def _drawn(mi, S, node, p, j, at):
    """Index of visit j of patient p at ``node`` in the flat node draws whose blocks start at
    column ``at`` of mi (D_OFF: dur, rte; P_OFF: pat; E_OFF: els)."""
    kr = S[p, DROW]
    return mi[node, at] + mi[node, N_MI + (kr >> 32)] + (kr & 0xFFFFFFFF) * mi[node, D_K] + j


@njit(inline=True)
def _route_drawn(off, mi, S, r, node, p, j):
    """Index of visit j of patient p at ``node`` in route r's flat draws (``off``: hoff or guoff)."""
    kr = S[p, DROW]
    return off[r, kr >> 32] + (kr & 0xFFFFFFFF) * mi[node, D_K] + j


# ------------------------------------------------------------------------ heap
@njit(inline=True)
def _payload(who, ev):
    """An event's payload: the patient or node ``who`` above the low EV_BITS bits of the kind ``ev``."""
    return (who << EV_BITS) | ev


@njit(inline=True)
def _push(ht, hi, ctr, t, pay, tok):
    n = ctr[HN]
    if n >= len(ht):
        ctr[STATUS] = HEAP_FULL
        return
    seq = ctr[SEQ]
    ctr[SEQ] = seq + 1
    ctr[HN] = n + 1
    i = n
    while i > 0:
        up = (i - 1) >> 1
        if ht[up] < t or (ht[up] == t and hi[up, 0] < seq):
            break
        ht[i] = ht[up]
        hi[i, 0] = hi[up, 0]
        hi[i, 1] = hi[up, 1]
        hi[i, 2] = hi[up, 2]
        i = up
    ht[i] = t
    hi[i, 0] = seq
    hi[i, 1] = pay
    hi[i, 2] = tok


@njit(inline=True)
def _pop(ht, hi, ctr):
    t0, p0, k0 = ht[0], hi[0, 1], hi[0, 2]
    n = ctr[HN] - 1
    ctr[HN] = n
    if n > 0:
        t, q, pay, tok = ht[n], hi[n, 0], hi[n, 1], hi[n, 2]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            r = c + 1
            if r < n and (ht[r] < ht[c] or (ht[r] == ht[c] and hi[r, 0] < hi[c, 0])):
                c = r
            if ht[c] < t or (ht[c] == t and hi[c, 0] < q):
                ht[i] = ht[c]
                hi[i, 0] = hi[c, 0]
                hi[i, 1] = hi[c, 1]
                hi[i, 2] = hi[c, 2]
                i = c
            else:
                break
        ht[i] = t
        hi[i, 0] = q
        hi[i, 1] = pay
        hi[i, 2] = tok
    return t0, p0, k0


# ------------------------------------------------------------------------- log
@njit(inline=True)
def _log(li, lf, tl, ctr, p, c, node, prev, arrive, start, end, depart, outcome, dest, seq, succ, was_held):
    """Write a row of the log; with metrics measured as the loop runs (``tl`` not None), tally it
    (``_tally.row``: ``succ`` the node of the next visit if linked, ``was_held`` a kept bed's row)
    and write it only if the log is kept."""
    if tl is not None:
        if tl.wk[0] >= tl.wv.shape[0]:
            ctr[STATUS] = LOG_FULL
            return
        _t_row(tl, p, c, node, arrive, start, end, depart, outcome, dest, succ, was_held)
        if tl.keep[0] == 0:
            return
    n = ctr[ROWS]
    if n >= li.shape[1]:
        ctr[STATUS] = LOG_FULL
        return
    li[0, n] = p
    li[1, n] = c
    li[2, n] = node
    li[3, n] = prev
    li[4, n] = outcome
    li[5, n] = dest
    li[6, n] = seq
    lf[0, n] = arrive
    lf[1, n] = start
    lf[2, n] = end
    lf[3, n] = depart
    ctr[ROWS] = n + 1


# ---------------------------------------------------------------- queues, pools
@njit(inline=True)
def _enqueue(S, ns, qh, qt, p, node, lv):
    """Join the FIFO of priority level ``lv`` at ``node``."""
    tail = qt[node, lv]
    S[p, QNEXT] = -1
    S[p, QPREV] = tail
    if tail >= 0:
        S[tail, QNEXT] = p
    else:
        qh[node, lv] = p
    qt[node, lv] = p
    ns[node, NWAIT] += 1
    S[p, WAITING] = 1
    S[p, WTOK] += 1


@njit(inline=True)
def _unlink(S, ns, qh, qt, p, node, lv):
    a, b = S[p, QPREV], S[p, QNEXT]
    if a >= 0:
        S[a, QNEXT] = b
    else:
        qh[node, lv] = b
    if b >= 0:
        S[b, QPREV] = a
    else:
        qt[node, lv] = a
    ns[node, NWAIT] -= 1
    S[p, WAITING] = 0


@njit(inline=True)
def _escalate(ns, el, ctr, node, now):
    """Open the node's escalation beds when ESC_OPEN servers are held, close them below
    ESC_CLOSE (``ServerPool._escalate``); True when it opened them."""
    beds = ns[node, ESC_BEDS]
    if beds == 0:
        return False
    if ns[node, ESC_ON] == 0 and ns[node, BUSY] >= ns[node, ESC_OPEN]:
        k = ctr[ESC_ROWS]
        if k >= el.shape[0]:
            ctr[STATUS] = ESC_FULL
            return False
        el[k, 0] = node
        el[k, 1] = now
        el[k, 2] = NAN
        ctr[ESC_ROWS] = k + 1
        ns[node, ESC_ON] = k + 1
        ns[node, CAP] += beds
        return True
    if ns[node, ESC_ON] > 0 and ns[node, BUSY] < ns[node, ESC_CLOSE]:
        el[ns[node, ESC_ON] - 1, 2] = now
        ns[node, ESC_ON] = 0
        ns[node, CAP] -= beds
    return False


@njit
def _grant(S, ns, qh, qt, ht, hi, ctr, el, node, now):
    """Free servers go to waiting patients, best priority level first; each resumes by
    an event at ``now`` (as a SimPy event succeeded on release). Escalation beds open or
    close after (and if they open, they are granted too)."""
    while True:
        lv = 0
        while ns[node, BUSY] < ns[node, CAP] and ns[node, NWAIT] > 0:
            while qh[node, lv] < 0:
                lv += 1
            p = qh[node, lv]
            _unlink(S, ns, qh, qt, p, node, lv)
            ns[node, BUSY] += 1
            _push(ht, hi, ctr, now, _payload(p, EV_GRANT), 0)
        if not _escalate(ns, el, ctr, node, now):
            return


@njit(inline=True)
def _release_held(mi, cohort, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, t):
    """The patient has room downstream (or left): free the server it kept upstream."""
    held = S[p, HELD]
    if held < 0:
        return
    _log(li, lf, tl, ctr, p, cohort[p], held, S[p, HPREV], F[p, HARR], F[p, HSTART], F[p, HEND], t, SERVED,
         S[p, HDEST], S[p, HSEQ], S[p, HDEST], True)
    S[p, HELD] = -1
    if mi[held, KIND] == QUEUE:
        ns[held, BUSY] -= 1
        _grant(S, ns, qh, qt, ht, hi, ctr, el, held, t)


@njit(inline=True)
def _start(mi, dur, cohort, iv, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, node, now):
    """Service begins now: free any upstream server, then schedule the end of service (or
    a referral during it)."""
    _release_held(mi, cohort, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, now)
    F[p, START] = now
    if tl is not None:
        _t_started(tl, p, cohort[p], node, now)
    d = dur[_drawn(mi, S, node, p, S[p, J], D_OFF)]
    t = now + d
    if iv is not None:
        if iv.V[p, MASK] != 0:
            d = _scaled(mi, iv.dscale, iv.win, iv.tally_f, node, cohort[p], iv.V[p, MASK], d, now)
            t = now + d
        if iv.during_of[node, cohort[p]] >= 0:
            t = _referral_at(mi, iv, S, F, p, node, cohort[p], d, now)
    _push(ht, hi, ctr, t, _payload(p, EV_END), 0)


@njit
def _referral_at(mi, iv, S, F, p, node, c, d, now):
    """When the EV_END of a stay with an assessment during it runs: at the referral when it
    falls inside the stay (phase 1), else at the end (``_Engine.stay``)."""
    w = iv.during_of[node, c]
    ref = iv.ref[iv.refoff[w] + p * mi[node, D_K] + S[p, J]]
    if not ref < d:
        return now + d
    iv.V[p, DURING] = 1
    F[p, WDUR] = d
    return now + ref


@njit(inline=True)
def _visit_number(mi, visits, ctr, p, node):
    """Visit number j of patient p at ``node`` (always 0 off cycles); -1 and a
    NEED_EXTEND status when the node has not drawn that visit yet."""
    r = mi[node, REV]
    if r < 0:
        return 0
    j = visits[p, r]
    visits[p, r] = j + 1
    if j >= mi[node, D_K]:
        ctr[STATUS] = NEED_EXTEND
        ctr[DETAIL] = node
        return -1
    return j


# ---------------------------------------------------------------- interventions
@njit
def _scaled(mi, dscale, win, tally_f, node, c, mask, d, start):
    """The duration (or hold) with the scales in ``mask`` applied; on a bed node the minutes
    saved inside the window are tallied as bed days (or delayed bed days) saved
    (``Effects.duration``, ``Effects.hold``)."""
    for i in range(dscale.shape[0]):
        if (mask >> i) & 1:
            f = dscale[i, node, c]
            if f != 1.0:
                new = d * f
                if mi[node, BED]:
                    a = max(start + new, win[0])
                    b = min(start + d, win[1])
                    if b > a:
                        tally_f[i] += (b - a) / MINUTES_PER_DAY
                d = new
    return d


@njit(inline=True)
def _avoided(mi, win, tally_i, i, node, d0, d1, t):
    """A decision that would have admitted the patient and does not (``Effects._avoided``)."""
    if (d0 >= 0 and mi[d0, ACUTE_BED] and not mi[node, ACUTE_BED] and not (d1 >= 0 and mi[d1, ACUTE_BED])
            and win[0] <= t and t < win[1]):
        tally_i[i, T_ADM] += 1


@njit
def _iv_route(mi, route_start, route_len, route_dest, route_cum, iv, ns, node, c, mask, u, t, p):
    """(route, destination) of patient p's decision at ``node`` with interventions: route_scale,
    then divert (``Effects.route``)."""
    r = _choose_route(route_start, route_len, route_cum, node, c, u)
    d = route_dest[r]
    i = iv.route_of[node, c]
    if i >= 0 and (mask >> i) & 1:
        r1 = _choose_route(route_start, route_len, iv.iv_cum[i], node, c, u)
        _avoided(mi, iv.win, iv.tally_i, i, node, d, route_dest[r1], t)
        r = r1
        d = route_dest[r1]
    k = iv.divert_of[node, c]
    if k >= 0 and (mask >> k) & 1 and d == iv.ivi[k, DIV_FROM] and iv.elig_u[k, p] < iv.eligible[k]:
        to = iv.ivi[k, DIV_TO]
        if ns[to, BUSY] < ns[to, CAP] and ns[to, NWAIT] == 0:
            _avoided(mi, iv.win, iv.tally_i, k, node, d, to, t)
            return r, to
    return r, d


@njit
def _refer(mi, level, dur, S, F, visits, ns, qh, qt, ht, hi, ctr, el, V, p, c, node, by, i, now):
    """Service at ``node`` ended: the patient keeps its server and queues for assessment at
    ``by`` (``_Engine.assess`` up to the first wait)."""
    S[p, HELD] = node
    S[p, HPREV] = S[p, PREV]
    S[p, HDEST] = NO_DEST
    F[p, HARR] = F[p, ARR]
    F[p, HSTART] = F[p, START]
    F[p, HEND] = now
    j = _visit_number(mi, visits, ctr, p, by)
    if j < 0:
        return
    S[p, HSEQ] = S[p, VSEQ]
    S[p, VSEQ] += 1
    S[p, NODE] = by
    S[p, PREV] = node
    V[p, ASSESS] = i
    V[p, AJ] = j
    F[p, ARR] = now
    F[p, START] = NAN
    if ns[by, BUSY] < ns[by, CAP] and ns[by, NWAIT] == 0:
        ns[by, BUSY] += 1
        _escalate(ns, el, ctr, by, now)
        F[p, START] = now
        _push(ht, hi, ctr, now + dur[_drawn(mi, S, by, p, j, D_OFF)], _payload(p, EV_AEND), 0)
    else:
        _enqueue(S, ns, qh, qt, p, by, level[by, c])


@njit
def _assess_begins(mi, dur, S, F, ht, hi, ctr, V, p, now):
    """A waiting patient is granted an assessor: the assessment ends by an EV_AEND."""
    by = S[p, NODE]
    F[p, START] = now
    _push(ht, hi, ctr, now + dur[_drawn(mi, S, by, p, V[p, AJ], D_OFF)], _payload(p, EV_AEND), 0)


@njit(inline=True)
def _blocked_on(m, S, F, p, node, r):
    """Patient p keeps its server at ``node`` on blocking route r: note when its wait ends
    another way (``_Engine.blocked_on``)."""
    if m.gu_has[r]:
        i = _route_drawn(m.guoff, m.mi, S, r, node, p, S[p, J])
        F[p, GU_AFTER] = m.gu[i]
        S[p, GU_TO] = m.gu_to[i]
    else:
        F[p, GU_AFTER] = INF


@njit
def _rest_of_stay(mi, iv, S, F, ht, hi, ctr, p, at, c, i, timely, now):
    """After an assessment during the stay, the stay ends by an EV_AEND (phase 3) at the start
    + referral + rest (scaled when timely; ``_Engine.stay``); only the kept bed is censored."""
    ref = iv.ref[iv.refoff[i] + p * mi[at, D_K] + S[p, J]]
    start = F[p, HSTART]
    rest = F[p, WDUR] - ref
    if timely:
        rest = _scaled(mi, iv.dscale, iv.win, iv.tally_f, at, c, 1 << i, rest, start + ref)
    iv.V[p, DURING] = 3
    S[p, NODE] = -1
    _push(ht, hi, ctr, now + max(0.0, start + ref + rest - now), _payload(p, EV_AEND), 0)


@njit
def _leave_kept(m, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, r, dest, now):
    """After an assessment (and any hold), free the server kept at the assessing node
    unless route ``r`` to ``dest`` blocks. PERF: not inlined, to keep the hot loop small."""
    mi = m.mi
    if not (m.route_block[r] and dest >= 0 and mi[dest, KIND] != BOOKING):
        _release_held(mi, m.cohort, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, now)
    else:
        _blocked_on(m, S, F, p, S[p, HELD], r)


@njit
def _thinned(iv, ctr, t, p):
    """Whether patient p arriving at ``t`` is thinned (counted as an avoided attendance in the window)."""
    i = iv.thin_by[p]
    if i < 0:
        return False
    win = iv.win
    ctr[THINNED] += 1
    if win[0] <= t and t < win[1]:
        iv.tally_i[i, T_ATT] += 1
    return True


@njit
def _iv_end(m, s, iv, p, node, c, u, now):
    """Service at ``node`` ended, with interventions on: refer for assessment (returns
    route -1) or make the route decision (returns route, destination)."""
    i = iv.assess_of[node, c]
    if iv.V[p, DURING] == 1:  # the referral during the stay: keep the bed, the clinical end unknown
        i = iv.during_of[node, c]
        iv.V[p, DURING] = 2
    if i >= 0:
        _refer(m.mi, m.level, m.dur, s.S, s.F, s.visits, s.ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.el, iv.V, p, c, node,
               iv.ivi[i, ASSESS_BY], i, now)
        if iv.V[p, DURING] == 2:
            s.F[p, HEND] = NAN
        return -1, NO_DEST
    return _iv_route(m.mi, m.route_start, m.route_len, m.route_dest, m.route_cum, iv, s.ns, node, c,
                     iv.V[p, MASK], u, now, p)


@njit
def _assessed(m, s, iv, tl, p, now):
    """The assessment ended: log it, free the assessor, and if it started in time the
    intervention applies from now on; then the route decision at the node the patient
    kept. Returns (that node, route, destination), or node -1 when the route has a hold
    (an EV_HOLD is then scheduled, and censoring logs only the kept server meanwhile)."""
    cohort, within, rte, route_hold, hold, hoff = m.cohort, iv.within, m.rte, m.route_hold, m.hold, m.hoff
    mi = m.mi
    S, F, ns, qh, qt, ht, hi, ctr, li, lf, el = s.S, s.F, s.ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.li, s.lf, s.el
    V = iv.V
    at = S[p, HELD]
    if V[p, DURING] == 3:  # the rest of the stay after an assessment during it has ended
        V[p, DURING] = 0
        F[p, HEND] = now
        S[p, NODE] = at
    else:
        by = S[p, NODE]
        i = V[p, ASSESS]
        _log(li, lf, tl, ctr, p, cohort[p], by, at, F[p, ARR], F[p, START], now, now, SERVED, at, S[p, VSEQ], -1, False)
        ns[by, BUSY] -= 1
        _grant(S, ns, qh, qt, ht, hi, ctr, el, by, now)
        timely = F[p, START] - F[p, ARR] <= within[i]
        if timely:
            V[p, MASK] |= 1 << i
        V[p, ASSESS] = -1
        S[p, NODE] = at
        F[p, START] = NAN
        if V[p, DURING] == 2:  # assessed during the stay: the rest of it, scaled if timely
            _rest_of_stay(mi, iv, S, F, ht, hi, ctr, p, at, cohort[p], i, timely, now)
            return -1, -1, NO_DEST
    u = rte[_drawn(mi, S, at, p, S[p, J], D_OFF)]
    r, dest = _iv_route(mi, m.route_start, m.route_len, m.route_dest, m.route_cum, iv, ns, at, cohort[p],
                        V[p, MASK], u, F[p, HEND], p)
    S[p, HDEST] = dest
    if route_hold[r]:
        S[p, ROUTE] = r
        S[p, NODE] = -1
        h = hold[_route_drawn(hoff, mi, S, r, at, p, S[p, J])]
        h = _scaled(mi, iv.hscale, iv.win, iv.tally_h, at, cohort[p], V[p, MASK], h, now)
        _push(ht, hi, ctr, now + h, _payload(p, EV_HOLD), 0)
        return -1, r, dest
    return at, r, dest


# ---------------------------------------------------------------------- booking
@njit
def _first_free(mf, slots, taken, ctr, node, t):
    """(day, slot index, slot minute) of the first free slot at or after ``t``
    (the arithmetic of ``simpy_engine._Booking.first_free``)."""
    total = 0
    D = slots.shape[1]  # 7 weekdays, or the run's days on the calendar
    for d in range(D):
        total += slots[node, d]
    if total == 0:
        return -1, -1, INF
    day = int(t // MINUTES_PER_DAY)
    while True:
        k = slots[node, day % D]
        if k > 0:
            if day >= taken.shape[1]:
                ctr[STATUS] = DAYS_FULL
                return -1, -1, INF
            gap = (mf[node, CLOSE] - mf[node, OPEN]) / k
            base = day * MINUTES_PER_DAY + mf[node, OPEN]
            i = max(0, int(np.ceil((t - base) / gap)), taken[node, day])
            if i < k:
                return day, i, base + i * gap
        day += 1


# ---------------------------------------------------------------------- patients
@njit(inline=True)
def _enter(mi, mf, slots, level, dur, pat, els, cohort, iv,
           S, F, visits, ns, qh, qt, taken, ht, hi, li, lf, tl, ctr, el, p, node, prev, now):
    """Patient ``p`` reaches ``node`` (a node, or an exit when < 0) at ``now`` and goes
    as far as it can without waiting (the body of ``_Engine.patient``)."""
    c = cohort[p]
    while node >= 0:
        arrive = now
        j = _visit_number(mi, visits, ctr, p, node)
        if j < 0:
            return
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
                _log(li, lf, tl, ctr, p, c, node, prev, arrive, NAN, NAN, arrive, DIVERTED, to, S[p, VSEQ], to, False)
                prev = node
                node = to
                continue
            if ns[node, BUSY] < ns[node, CAP] and ns[node, NWAIT] == 0:
                ns[node, BUSY] += 1
                _escalate(ns, el, ctr, node, now)
                _start(mi, dur, cohort, iv, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, node, now)
            else:
                _enqueue(S, ns, qh, qt, p, node, level[node, c])
                if mi[node, HAS_PAT] and S[p, HELD] < 0:
                    wait = pat[_drawn(mi, S, node, p, j, P_OFF)]
                    _push(ht, hi, ctr, now + wait, _payload(p, EV_RENEGE), S[p, WTOK])
                elif S[p, HELD] >= 0 and F[p, GU_AFTER] < INF:  # a blocked wait that can end another way
                    _push(ht, hi, ctr, now + F[p, GU_AFTER], _payload(p, EV_RENEGE), S[p, WTOK])
            return
        if k == DELAY:
            _start(mi, dur, cohort, iv, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, node, now)
            return
        day, i, slot_t = _first_free(mf, slots, taken, ctr, node, arrive)
        if ctr[STATUS] != OK:
            return
        # a node that sends nobody elsewhere has no go-elsewhere draws
        if slot_t - arrive > mf[node, ELSE_AFTER] and mf[node, ELSE_P] > 0.0 and \
                els[_drawn(mi, S, node, p, j, E_OFF)] < mf[node, ELSE_P]:
            to = mi[node, ELSE_TO]
            _log(li, lf, tl, ctr, p, c, node, prev, arrive, NAN, NAN, arrive, ELSEWHERE, to, S[p, VSEQ], to, False)
            prev = node
            node = to
            continue
        _release_held(mi, cohort, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, arrive)
        if slot_t == INF:
            return  # a node with no slots at all: the request waits for ever
        taken[node, day] = i + 1
        F[p, SLOT] = slot_t
        _push(ht, hi, ctr, now + (slot_t - arrive), _payload(p, EV_BOOK), 0)
        return
    _release_held(mi, cohort, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, now)
    S[p, ALIVE] = 0
    S[p, PREV] = prev  # gone: the node it left, and the exit, for _return_after
    S[p, NODE] = node


@njit
def _census_enter(mi, dur, cen_state, cen_node, cen_since, cen_fit_at, cen_onward, S, F, visits, ns, ht, hi, ctr,
                  el, p, now):
    """Census patient p at minute 0 (``_Engine.census_enter``): takes its server, beyond
    capacity if need be. In service: the rest of its stay (its visit-0 duration, drawn
    conditioned on the time spent) ends by an EV_END. Medically fit: keeps its bed,
    blocked, and goes on to its onward node. Waiting: just arrives. Returns (node to go
    on at, previous node), NO_NODE when it stays put."""
    n = cen_node[p]
    state = cen_state[p]
    if state == CEN_WAITING:
        return n, -1
    j = _visit_number(mi, visits, ctr, p, n)
    if j < 0:
        return NO_NODE, -1
    S[p, VSEQ] += 1
    if mi[n, KIND] == QUEUE:
        ns[n, BUSY] += 1
        _escalate(ns, el, ctr, n, now)
    if state == CEN_FIT:
        S[p, HELD] = n
        S[p, HPREV] = -1
        S[p, HDEST] = cen_onward[p]
        S[p, HSEQ] = S[p, VSEQ]
        F[p, HARR] = cen_since[p]
        F[p, HSTART] = cen_since[p]
        F[p, HEND] = cen_fit_at[p]
        return cen_onward[p], n
    S[p, NODE] = n
    S[p, PREV] = -1
    S[p, J] = j
    F[p, ARR] = cen_since[p]
    F[p, START] = cen_since[p]
    F[p, END] = NAN
    _push(ht, hi, ctr, now + dur[_drawn(mi, S, n, p, j, D_OFF)], _payload(p, EV_END), 0)
    return NO_NODE, -1


@njit(inline=True)
def _choose_route(route_start, route_len, route_cum, node, c, u):
    a = route_start[node, c]
    last = a + route_len[node, c] - 1
    for r in range(a, last):
        if u < route_cum[r]:
            return r
    return last


@njit(inline=True)
def _next_change(cap_week, node, h):
    nxt = h + 1
    P = cap_week.shape[1]  # 168, or the run's hours on the calendar
    while cap_week[node, nxt % P] == cap_week[node, h % P]:
        nxt += 1
    return nxt


# ---------------------------------------------------------------------- returns
@njit
def _return_after(m, s, iv, p, now):
    """Patient p has just left by an exit: schedule its return, as an EV_ARRIVE with token 1,
    if it comes back (the compiled twin of ``returns.Returns.after_leaving``)."""
    S = s.S
    last, e = S[p, PREV], S[p, NODE]
    if last < 0 or e >= 0 or m.rd_from[last] == 0 or m.rd_exit[-e - 1] == 0:
        return
    k = s.ret_k[p]
    s.ret_k[p] = k + 1
    K = m.rd_i[1]
    if k >= K:
        s.ctr[STATUS] = NEED_EXTEND
        s.ctr[DETAIL] = -1
        return
    prob = m.rd_p[p]
    if iv is not None:
        mask = iv.V[p, MASK]
        for i in range(len(m.rd_scale)):
            if (mask >> i) & 1:
                prob *= m.rd_scale[i]
    if m.rd_u[p * K + k] < prob:
        _push(s.ht, s.hi, s.ctr, now + m.rd_t[p * K + k], _payload(p, EV_ARRIVE), 1)


# ------------------------------------------------------------------------- loop
@njit(inline=True)
def _booked(mi, dur, cohort, iv, tl, S, F, ht, hi, ctr, who, now):
    """EV_BOOK: the patient's booked slot has come; its service starts."""
    node = S[who, NODE]
    F[who, START] = F[who, SLOT]
    if tl is not None:
        _t_started(tl, who, cohort[who], node, F[who, SLOT])
    d = dur[_drawn(mi, S, node, who, S[who, J], D_OFF)]
    if iv is not None and iv.V[who, MASK] != 0:
        d = _scaled(mi, iv.dscale, iv.win, iv.tally_f, node, cohort[who], iv.V[who, MASK], d, F[who, SLOT])
    _push(ht, hi, ctr, now + d, _payload(who, EV_END), 0)


@njit(inline=True)
def _roster_change(cap_week, S, ns, qh, qt, ht, hi, ctr, el, n, now):
    """EV_ROSTER: node n's servers change to the roster's next level; the next change is scheduled."""
    h = ns[n, RNEXT]
    ns[n, CAP] = cap_week[n, h % cap_week.shape[1]]
    _grant(S, ns, qh, qt, ht, hi, ctr, el, n, now)
    nxt = _next_change(cap_week, n, h)
    ns[n, RNEXT] = nxt
    _push(ht, hi, ctr, now + (nxt * 60.0 - now), _payload(n, EV_ROSTER), 0)


@njit
def _censor(cohort, S, F, li, lf, tl, ctr, P):
    """Log every patient still in the system at the horizon: its held row, then its current row."""
    for p in range(P):
        if S[p, ALIVE] == 1:
            c = cohort[p]
            if S[p, HELD] >= 0:
                _log(li, lf, tl, ctr, p, c, S[p, HELD], S[p, HPREV], F[p, HARR], F[p, HSTART], F[p, HEND], NAN,
                     IN_SYSTEM, NO_DEST, S[p, HSEQ], S[p, HDEST], True)
            if S[p, NODE] >= 0:  # -1 during a hold after an assessment
                _log(li, lf, tl, ctr, p, c, S[p, NODE], S[p, PREV], F[p, ARR], F[p, START], F[p, END], NAN,
                     IN_SYSTEM, NO_DEST, S[p, VSEQ], -1, False)


@njit(inline=True)
def _route_at_end(m, s, iv, who, node, c, now):
    """EV_END: the route decision (returns route, destination), or the route's hold scheduled as an
    EV_HOLD or an assessment begun (route -1: the patient moves on later)."""
    mi, S, F = m.mi, s.S, s.F
    u = m.rte[_drawn(mi, S, node, who, S[who, J], D_OFF)]
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
        h = m.hold[_route_drawn(m.hoff, mi, S, r, node, who, S[who, J])]
        if iv is not None and iv.V[who, MASK] != 0:  # time to arrange it shortened (hold_scale)
            h = _scaled(mi, iv.hscale, iv.win, iv.tally_h, node, c, iv.V[who, MASK], h, now)
        _push(s.ht, s.hi, s.ctr, now + h, _payload(who, EV_HOLD), 0)
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
    c = m.cohort[who]
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
        _log(s.li, s.lf, tl, s.ctr, who, c, node, S[who, PREV], F[who, ARR], F[who, START], end, now, SERVED, dest,
             S[who, VSEQ], dest, False)
        if k == QUEUE:
            ns[node, BUSY] -= 1
            _grant(S, ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.el, node, now)
    return dest, node


@njit(inline=True)
def _arrival(m, s, iv, who, tok, now):
    """EV_ARRIVE: a patient arrives from its source (token 0; the next arrival is scheduled) or comes
    back (token 1, a readmission). Returns (node to enter, node it comes from) as ``_service_end``."""
    S, arrive = s.S, m.arrive
    if tok == 1:  # a readmission: the same patient walks in again
        S[who, ALIVE] = 1
        return m.rd_i[0], -1
    if who + 1 < len(arrive):
        _push(s.ht, s.hi, s.ctr, now + (arrive[who + 1] - now), _payload((who + 1), EV_ARRIVE), 0)
    if iv is not None and _thinned(iv, s.ctr, arrive[who], who):  # never enters (Effects.thinned_by)
        return NO_NODE, -1
    S[who, ALIVE] = 1
    S[who, HELD] = -1
    S[who, VSEQ] = -1
    if iv is not None:
        iv.V[who, MASK] = iv.start_mask[who]
    if who < len(m.cen_state):  # a warm start's census patient
        return _census_enter(m.mi, m.dur, m.cen_state, m.cen_node, m.cen_since, m.cen_fit_at, m.cen_onward,
                             S, s.F, s.visits, s.ns, s.ht, s.hi, s.ctr, s.el, who, now)
    return m.entry[m.source[who]], -1


@njit(inline=True)
def _renege(m, s, tl, who, tok, now, lwbs):
    """EV_RENEGE: a waiting patient's patience ran out (it leaves by ``lwbs``), or a blocked wait
    ended another way (its give_up: it frees the kept server and goes on). Returns (node to enter,
    node it comes from) as ``_service_end``."""
    S, F = s.S, s.F
    if not (S[who, WAITING] == 1 and S[who, WTOK] == tok):
        return NO_NODE, -1
    node = S[who, NODE]
    c = m.cohort[who]
    _unlink(S, s.ns, s.qh, s.qt, who, node, m.level[node, c])
    if S[who, HELD] >= 0:  # blocked patients never renege: the wait ended another way
        to = S[who, GU_TO]
        _log(s.li, s.lf, tl, s.ctr, who, c, node, S[who, PREV], F[who, ARR], NAN, NAN, now, OTHER_ROUTE, to,
             S[who, VSEQ], to, False)
        _release_held(m.mi, m.cohort, S, F, s.ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.el, s.li, s.lf, tl, who, now)
        return to, node
    _log(s.li, s.lf, tl, s.ctr, who, c, node, S[who, PREV], F[who, ARR], NAN, NAN, now, RENEGED, lwbs, S[who, VSEQ],
         -1, False)
    S[who, ALIVE] = 0
    return NO_NODE, -1


@njit(inline=True)
def _first_events(m, s):
    """The first arrival and each rostered node's first change of servers."""
    mi, ht, hi, ctr = m.mi, s.ht, s.hi, s.ctr
    if len(m.arrive) > 0:
        _push(ht, hi, ctr, 0.0 + (m.arrive[0] - 0.0), _payload(0, EV_ARRIVE), 0)
    for n in range(mi.shape[0]):
        if mi[n, SCHED]:
            nxt = _next_change(m.cap_week, n, 0)
            s.ns[n, RNEXT] = nxt
            _push(ht, hi, ctr, 0.0 + (nxt * 60.0 - 0.0), _payload(n, EV_ROSTER), 0)


@njit
def run_loop(m, s, iv, tl, horizon, lwbs):
    """Run one replication until ``horizon``; returns the status (``ctr[STATUS]``).
    ``iv`` is an ``Interventions`` tuple, or None when no intervention is active; ``tl`` a
    ``streamed.Tally`` when the loop measures as it runs, or None (log only)."""
    S, ht, hi, ctr = s.S, s.ht, s.hi, s.ctr
    _first_events(m, s)
    while ctr[HN] > 0 and ctr[STATUS] == OK:
        if ht[0] >= horizon:
            break
        now, pay, tok = _pop(ht, hi, ctr)
        ev = pay & EV_MASK
        who = pay >> EV_BITS
        # PERF: one call site for _enter (the patient walks into ``to`` from ``frm``), after
        # the dispatch, so that it can be inlined.
        to = NO_NODE
        frm = -1
        if ev == EV_END or ev == EV_HOLD or ev == EV_AEND:
            to, frm = _service_end(m, s, iv, tl, who, ev, now)
        elif ev == EV_ARRIVE:
            to, frm = _arrival(m, s, iv, who, tok, now)
        elif ev == EV_GRANT:
            if iv is not None and iv.V[who, ASSESS] >= 0:
                _assess_begins(m.mi, m.dur, S, s.F, ht, hi, ctr, iv.V, who, now)
            else:
                _start(m.mi, m.dur, m.cohort, iv, S, s.F, s.ns, s.qh, s.qt, ht, hi, ctr, s.el, s.li, s.lf, tl, who,
                       S[who, NODE], now)
        elif ev == EV_RENEGE:
            to, frm = _renege(m, s, tl, who, tok, now, lwbs)
        elif ev == EV_BOOK:
            _booked(m.mi, m.dur, m.cohort, iv, tl, S, s.F, ht, hi, ctr, who, now)
        else:  # EV_ROSTER
            _roster_change(m.cap_week, S, s.ns, s.qh, s.qt, ht, hi, ctr, s.el, who, now)
        if to != NO_NODE:
            _enter(m.mi, m.mf, m.slots, m.level, m.dur, m.pat, m.els, m.cohort, iv,
                   S, s.F, s.visits, s.ns, s.qh, s.qt, s.taken, ht, hi, s.li, s.lf, tl, ctr, s.el, who, to, frm, now)
            if m.rd_i[0] >= 0 and S[who, ALIVE] == 0:
                _return_after(m, s, iv, who, now)
    if ctr[STATUS] != OK:
        return ctr[STATUS]
    _censor(m.cohort, S, s.F, s.li, s.lf, tl, ctr, len(m.arrive))
    return ctr[STATUS]
