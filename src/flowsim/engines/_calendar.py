"""The compiled loop's clock-driven resources: booking slots (the first free slot, and the
start of service when a booked slot comes) and rostered servers (when a node's number of
servers changes next, and the change itself)."""

from __future__ import annotations

import math

import numpy as np

from .. import draw_tables as _dt
from ..units import MINUTES_PER_DAY
from ._heap import _payload, _push
from ._interventions import _scaled
from ._layout import (CAP, CLOSE, COH, DAYS_FULL, DROW, EV_END, EV_ROSTER, INF, J, MASK, NODE, OPEN, RNEXT,
                      SLOT, START, STATUS, njit)
from ._queues import _grant
from ._tally import started as _t_started


@njit(inline=True)
def _day_of(t):
    """``int(t // MINUTES_PER_DAY)``, exactly, without a float floor division. PERF: Numba's ``//``
    on floats calls ``numba_fmod``, a pure call LLVM hoists out of ``_first_free`` into every
    ``_enter`` of the loop, booking node or not (~3% of the perf anchors' chain, which has
    none). The quotient rounds to the floor or one above it, never below; the test puts it right."""
    day = math.floor(t / MINUTES_PER_DAY)
    if day * MINUTES_PER_DAY > t:
        day -= 1
    return day


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
    day = _day_of(t)
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


@njit(inline=True)
def _next_change(cap_week, node, h):
    nxt = h + 1
    P = cap_week.shape[1]  # 168, or the run's hours on the calendar
    while cap_week[node, nxt % P] == cap_week[node, h % P]:
        nxt += 1
    return nxt


@njit(inline=True)
def _booked(mi, tab, iv, tl, S, F, ht, hi, ctr, who, now):
    """EV_BOOK: the patient's booked slot has come; its service starts."""
    node = S[who, NODE]
    F[who, START] = F[who, SLOT]
    c = S[who, COH]
    if tl is not None:
        _t_started(tl, who, c, node, F[who, SLOT])
    d = _dt.duration(tab, node, S[who, DROW], S[who, J])
    if iv is not None and iv.V[who, MASK] != 0:
        d = _scaled(mi, iv.dscale, iv.win, iv.tally_f, node, c, iv.V[who, MASK], d, F[who, SLOT])
    _push(ht, hi, ctr, now + d, _payload(who, EV_END))


@njit(inline=True)
def _roster_change(cap_week, S, ns, qh, qt, ht, hi, ctr, el, n, now):
    """EV_ROSTER: node n's servers change to the roster's next level; the next change is scheduled."""
    h = ns[n, RNEXT]
    ns[n, CAP] = cap_week[n, h % cap_week.shape[1]]
    _grant(S, ns, qh, qt, ht, hi, ctr, el, n, now)
    nxt = _next_change(cap_week, n, h)
    ns[n, RNEXT] = nxt
    _push(ht, hi, ctr, now + (nxt * 60.0 - now), _payload(n, EV_ROSTER))
