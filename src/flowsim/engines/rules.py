"""What both engines decide inside the loop, written once without Numba.

The SimPy engine (``simpy_engine``, ``effects``) calls these functions; the compiled
loop (``_loop`` and its modules) has an ``@njit`` twin of each, named in its docstring, and
tests/test_engine_twins.py runs each pair on random inputs and asks for the same
answer (as stumpy tests its kernels against naive versions). A change of semantics
is made here and in the twin together, and that test says when they differ.

Arguments are plain Python values and lists (the SimPy engine keeps its tables as
lists: indexing numpy scalars in its hot loop is slow).
"""

from __future__ import annotations

import math

from ..network import BOOKING
from ..units import MINUTES_PER_DAY

__all__ = ["choose_route", "blocks", "first_free", "next_change", "scaled", "avoided"]


def choose_route(cum, a: int, n: int, u: float) -> int:
    """The route taken with uniform ``u`` among the ``n`` routes from index ``a`` of the
    cumulative probabilities ``cum``: the first with ``u < cum[r]``, else the last (so
    rounding in ``cum`` never leaves a patient without a route). Twin: ``_visits._choose_route``."""
    for r in range(a, a + n - 1):
        if u < cum[r]:
            return r
    return a + n - 1


def blocks(blocking: bool, dest: int, kind) -> bool:
    """Whether a route keeps the patient's server until it starts at ``dest``: a blocking
    route to a node (not an exit) that is not a booking node (a booking has no room to wait
    for). Twins: inline in ``_loop.run_loop`` (service end) and in ``_interventions._leave_kept``.
    ``kind`` is the node kinds. (A visit at a booking node has no server to keep: the
    caller checks that.)"""
    return blocking and dest >= 0 and kind[dest] != BOOKING


def first_free(slots, open_at: float, close_at: float, taken: dict, t: float) -> tuple[int, int, float]:
    """(day, slot index, slot minute) of the first free slot at or after ``t`` of a booking node.

    ``slots[d % len(slots)]`` slots on day d (weekdays, or the run's days), spread evenly
    from ``open_at`` to ``close_at``; ``taken`` maps a day to the number of its slots
    already taken (they go in order; a day not in it has none). (-1, -1, inf) when the node has no slots at all.
    Twin: ``_calendar._first_free``.
    """
    if sum(slots) == 0:
        return -1, -1, math.inf
    D = len(slots)
    day = int(t // MINUTES_PER_DAY)
    while True:
        k = slots[day % D]
        if k > 0:
            gap = (close_at - open_at) / k
            base = day * MINUTES_PER_DAY + open_at
            i = max(0, math.ceil((t - base) / gap), taken.get(day, 0))
            if i < k:
                return day, i, base + i * gap
        day += 1


def next_change(cap, h: int) -> int:
    """The first hour after hour ``h`` of the run at which the roster ``cap`` (servers by
    hour, repeating with its length) changes. Twin: ``_calendar._next_change``."""
    P = len(cap)
    nxt = h + 1
    while cap[nxt % P] == cap[h % P]:
        nxt += 1
    return nxt


def scaled(factors, mask: int, d: float, start: float, bed: bool, lo: float, hi: float, tally) -> float:
    """A duration (or hold) ``d`` from ``start`` scaled by each factor of an intervention in
    ``mask``, in config order; ``factors`` is the (intervention, factor) pairs at this node
    and cohort whose factor is not 1. On a bed node the minutes saved inside the window
    [lo, hi) are added to ``tally[i]`` in days. Twin: ``_interventions._scaled``."""
    for i, f in factors:
        if (mask >> i) & 1:
            new = d * f
            if bed:
                a, b = max(start + new, lo), min(start + d, hi)
                if b > a:
                    tally[i] += (b - a) / MINUTES_PER_DAY
            d = new
    return d


def avoided(acute_bed, node: int, d0: int, d1: int, t: float, lo: float, hi: float) -> bool:
    """Whether a decision at ``node`` at minute ``t`` that turns destination ``d0`` into ``d1``
    is an avoided admission: ``d0`` is an acute bed node, entered from outside one, ``d1`` is
    not, and the decision falls in the window [lo, hi). Twin: ``_interventions._avoided``."""
    return (d0 >= 0 and acute_bed[d0] and not acute_bed[node] and not (d1 >= 0 and acute_bed[d1])
            and lo <= t < hi)
