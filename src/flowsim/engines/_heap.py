"""The compiled loop's event heap: one binary heap held in preallocated arrays (``ht``
times, ``hi`` rows of sequence number, payload, token), keyed by (time, sequence number
of scheduling), so that events at the same minute run in the order they were scheduled,
as in SimPy. A full heap stops the loop with HEAP_FULL (``_layout``)."""

from __future__ import annotations

from ._layout import EV_BITS, HEAP_FULL, HN, SEQ, STATUS, njit


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
