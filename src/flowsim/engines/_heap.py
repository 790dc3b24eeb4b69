"""The compiled loop's event heap: one binary heap held in preallocated arrays (``ht``
times, ``hi`` rows of sequence number and payload), keyed by (time, sequence number of
scheduling), so that events at the same minute run in the order they were scheduled, as in
SimPy. A full heap stops the loop with HEAP_FULL (``_layout``). The sequence number also
names the event: an EV_RENEGE is still due only if the patient's WTOK holds its number.

The loop takes the next event with ``_take``, which leaves it at the root while it is
handled (ctr[HOLE] = 1), and the first event pushed meanwhile replaces it there and sifts
down: one sift for a pop and a push, as ``heapq.heapreplace``. ``_settle`` ends the event:
if it pushed nothing, the last entry fills the root as in a plain pop. (time, sequence
number) keys are unique, so any correct heap pops the same events in the same order.
PERF: most events push at least one (the next arrival, the end of a service, a grant at
the same minute, which then stays at the root instead of climbing there and sinking back).
"""

from __future__ import annotations

import numpy as np

from ._layout import EV_BITS, HEAP_FULL, HN, HOLE, SEQ, STATUS, njit

_U = np.uint64  # a heap position


@njit(inline=True)
def _payload(who, ev):
    """An event's payload: the patient or node ``who`` above the low EV_BITS bits of the kind ``ev``."""
    return (who << EV_BITS) | ev


@njit(inline=True)
def _push(ht, hi, ctr, t, pay):
    """Schedule the event ``pay`` at minute ``t``; returns its sequence number."""
    seq = ctr[SEQ]
    ctr[SEQ] = seq + 1
    n = ctr[HN]
    if ctr[HOLE]:  # the event being handled left the root free
        ctr[HOLE] = 0
        _sift_down(ht, hi, n, t, seq, pay)
        return seq
    if n >= len(ht):
        ctr[STATUS] = HEAP_FULL
        return seq
    ctr[HN] = n + 1
    i = _U(n)  # PERF: unsigned, as in _sift_down
    while i > _U(0):
        up = (i - _U(1)) >> _U(1)
        if ht[up] <= t:  # at the same minute, every entry was scheduled before this one
            break
        ht[i] = ht[up]
        hi[i, 0] = hi[up, 0]
        hi[i, 1] = hi[up, 1]
        i = up
    ht[i] = t
    hi[i, 0] = seq
    hi[i, 1] = pay
    return seq


@njit
def _sift_down(ht, hi, n, t, q, pay):
    """Put the entry (t, q, pay) at the root of the heap ht[:n] (whose root is free) and sift
    it down to its place. A real call, not inlined: every push site would carry a copy.
    PERF: positions are unsigned (``_U``), so Numba indexes without its negative-index
    wraparound (a shift, a mask and an add per access on a signed index)."""
    un = _U(n)
    i = _U(0)
    while True:
        c = i + i + _U(1)
        if c >= un:
            break
        r = c + _U(1)
        if r < un:
            # PERF: the earlier child chosen without a branch (which child is earlier is a coin toss
            # the branch predictor loses half the time); ties of time, rare, by a branch
            tc, tr = ht[c], ht[r]
            if tr == tc:
                if hi[r, 0] < hi[c, 0]:
                    c = r
            else:
                c += _U(tr < tc)
        if ht[c] < t or (ht[c] == t and hi[c, 0] < q):
            ht[i] = ht[c]
            hi[i, 0] = hi[c, 0]
            hi[i, 1] = hi[c, 1]
            i = c
        else:
            break
    ht[i] = t
    hi[i, 0] = q
    hi[i, 1] = pay


@njit(inline=True)
def _take(ht, hi, ctr):
    """The next event (time, sequence number, payload), left at the root while it is handled
    (``_settle``)."""
    ctr[HOLE] = 1
    return ht[0], hi[0, 0], hi[0, 1]


@njit(inline=True)
def _settle(ht, hi, ctr):
    """End the event taken: if it pushed nothing, the last entry fills the root."""
    if ctr[HOLE]:
        ctr[HOLE] = 0
        n = ctr[HN] - 1
        ctr[HN] = n
        if n > 0:
            _sift_down(ht, hi, n, ht[n], hi[n, 0], hi[n, 1])


@njit(inline=True)
def _pop(ht, hi, ctr):
    """Take the next event off the heap: (time, sequence number, payload)."""
    t, seq, pay = _take(ht, hi, ctr)
    _settle(ht, hi, ctr)
    return t, seq, pay
