"""The compiled loop's interventions (``flowsim.interventions``, as ``engines.effects``
and ``simpy_engine`` apply them), step for step: thinning on arrival, duration and hold
scales, the route decision with route_scale or divert, and assessments (a referral at the
end of service or during the stay, the assessment, the rest of the stay after it, and the
server kept meanwhile). ``run_loop`` is compiled without them when none is active (``iv``
None: see ``_layout.Interventions``)."""

from __future__ import annotations

from .. import draw_tables as _dt
from ..eventlog import NO_DEST, SERVED
from ..network import BOOKING
from ..units import MINUTES_PER_DAY
from ._heap import _payload, _push
from ._layout import (ACUTE_BED, AJ, ARR, ASSESS, ASSESS_BY, BED, BUSY, CAP, COH, DIV_FROM, DIV_TO, DROW,
                      DURING, EV_AEND, EV_HOLD, HARR, HDEST, HELD, HEND, HPREV, HSEQ, HSTART, J, KIND, MASK, NAN, NODE,
                      NWAIT, PID, PREV, ROUTE, START, T_ADM, T_ATT, THINNED, VSEQ, WDUR, njit)
from ._log import _log
from ._queues import _blocked_on, _enqueue, _escalate, _grant, _release_held
from ._visits import _choose_route, _visit_number


@njit
def _referral_at(mi, iv, S, F, p, node, c, d, now):
    """When the EV_END of a stay with an assessment during it runs: at the referral when it
    falls inside the stay (phase 1), else at the end (``_Engine.stay``)."""
    w = iv.during_of[node, c]
    ref = _dt.referral(iv.tab, w, S[p, DROW], S[p, J])
    if not ref < d:
        return now + d
    iv.V[p, DURING] = 1
    F[p, WDUR] = d
    return now + ref


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
    then divert (``Effects.route``); ``p`` the patient, not its slot."""
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
def _refer(mi, level, tab, S, F, visits, ns, qh, qt, ht, hi, ctr, el, V, p, c, node, by, i, now):
    """Service at ``node`` ended: the patient keeps its server and queues for assessment at
    ``by`` (``_Engine.assess`` up to the first wait)."""
    S[p, HELD] = node
    S[p, HPREV] = S[p, PREV]
    S[p, HDEST] = NO_DEST
    F[p, HARR] = F[p, ARR]
    F[p, HSTART] = F[p, START]
    F[p, HEND] = now
    j = _visit_number(mi, visits, p, by)
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
        _push(ht, hi, ctr, now + _dt.duration(tab, by, S[p, DROW], j), _payload(p, EV_AEND))
    else:
        _enqueue(S, ns, qh, qt, p, by, level[by, c])


@njit
def _assess_begins(mi, tab, S, F, ht, hi, ctr, V, p, now):
    """A waiting patient is granted an assessor: the assessment ends by an EV_AEND."""
    by = S[p, NODE]
    F[p, START] = now
    _push(ht, hi, ctr, now + _dt.duration(tab, by, S[p, DROW], V[p, AJ]), _payload(p, EV_AEND))


@njit
def _rest_of_stay(mi, iv, S, F, ht, hi, ctr, p, at, c, i, timely, now):
    """After an assessment during the stay, the stay ends by an EV_AEND (phase 3) at the start
    + referral + rest (scaled when timely; ``_Engine.stay``); only the kept bed is censored."""
    ref = _dt.referral(iv.tab, i, S[p, DROW], S[p, J])
    start = F[p, HSTART]
    rest = F[p, WDUR] - ref
    if timely:
        rest = _scaled(mi, iv.dscale, iv.win, iv.tally_f, at, c, 1 << i, rest, start + ref)
    iv.V[p, DURING] = 3
    S[p, NODE] = -1
    _push(ht, hi, ctr, now + max(0.0, start + ref + rest - now), _payload(p, EV_AEND))


@njit
def _leave_kept(m, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, r, dest, now):
    """After an assessment (and any hold), free the server kept at the assessing node
    unless route ``r`` to ``dest`` blocks. PERF: not inlined, to keep the hot loop small."""
    mi = m.mi
    if not (m.route_block[r] and dest >= 0 and mi[dest, KIND] != BOOKING):
        _release_held(mi, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, now)
    else:
        _blocked_on(m, S, F, p, S[p, HELD], r)


@njit
def _thinned(iv, ctr, t, p):
    """Whether patient p (not a slot: it has none yet) arriving at ``t`` is thinned (counted as an
    avoided attendance in the window)."""
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
        _refer(m.mi, m.level, m.tab, s.S, s.F, s.visits, s.ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.el, iv.V, p, c, node,
               iv.ivi[i, ASSESS_BY], i, now)
        if iv.V[p, DURING] == 2:
            s.F[p, HEND] = NAN
        return -1, NO_DEST
    return _iv_route(m.mi, m.route_start, m.route_len, m.route_dest, m.route_cum, iv, s.ns, node, c,
                     iv.V[p, MASK], u, now, s.S[p, PID])


@njit
def _assessed(m, s, iv, tl, p, now):
    """The assessment ended: log it, free the assessor, and if it started in time the
    intervention applies from now on; then the route decision at the node the patient
    kept. Returns (that node, route, destination), or node -1 when the route has a hold
    (an EV_HOLD is then scheduled, and censoring logs only the kept server meanwhile)."""
    within, route_hold = iv.within, m.route_hold
    mi = m.mi
    S, F, ns, qh, qt, ht, hi, ctr, li, lf, el = s.S, s.F, s.ns, s.qh, s.qt, s.ht, s.hi, s.ctr, s.li, s.lf, s.el
    V = iv.V
    at = S[p, HELD]
    c = S[p, COH]
    if V[p, DURING] == 3:  # the rest of the stay after an assessment during it has ended
        V[p, DURING] = 0
        F[p, HEND] = now
        S[p, NODE] = at
    else:
        by = S[p, NODE]
        i = V[p, ASSESS]
        _log(li, lf, tl, ctr, S, p, by, at, F[p, ARR], F[p, START], now, now, SERVED, at, S[p, VSEQ], -1, False)
        ns[by, BUSY] -= 1
        _grant(S, ns, qh, qt, ht, hi, ctr, el, by, now)
        timely = F[p, START] - F[p, ARR] <= within[i]
        if timely:
            V[p, MASK] |= 1 << i
        V[p, ASSESS] = -1
        S[p, NODE] = at
        F[p, START] = NAN
        if V[p, DURING] == 2:  # assessed during the stay: the rest of it, scaled if timely
            _rest_of_stay(mi, iv, S, F, ht, hi, ctr, p, at, c, i, timely, now)
            return -1, -1, NO_DEST
    u = _dt.route_u(m.tab, at, S[p, DROW], S[p, J])
    r, dest = _iv_route(mi, m.route_start, m.route_len, m.route_dest, m.route_cum, iv, ns, at, c,
                        V[p, MASK], u, F[p, HEND], S[p, PID])
    S[p, HDEST] = dest
    if route_hold[r]:
        S[p, ROUTE] = r
        S[p, NODE] = -1
        h = _dt.hold(m.tab, r, at, S[p, DROW], S[p, J])
        h = _scaled(mi, iv.hscale, iv.win, iv.tally_h, at, c, V[p, MASK], h, now)
        _push(ht, hi, ctr, now + h, _payload(p, EV_HOLD))
        return -1, r, dest
    return at, r, dest
