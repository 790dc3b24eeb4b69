"""The compiled loop's slots: the rows of its per-patient state (``State.S``, ``F``, ``visits``,
``ret_k``, ``Interventions.V`` and the tally's ``pe``/``pi``).

A patient takes a free slot when it arrives from its source (or walks in as a warm start's
census patient), keeps it while it is in the system, and gives it back when it leaves for
good. A patient who leaves by an exit that may bring it back keeps its slot until its return
is decided, and while the return is due (``_returns``): it comes back as the same patient,
with its visit numbering, its interventions and its return count, all of which live in the
slot. So the state is sized by the patients in the system at once, not by every patient of
the run. Slot numbers order nothing: the heap breaks ties by sequence number, queues are
linked lists in arrival order, and the patients still in the system at the horizon are
logged in patient order (``in_patient_order``).

The free slots are a stack (``State.free``, its size in ctr[NFREE]). ``run_loop`` stops with
SLOTS_FULL between two events when none is left (an event takes at most one); the caller adds
slots (``compiled._grow``) and the loop resumes where it stopped.
"""

from __future__ import annotations

from ..streamed import ADMD, EDARR, HEDARR, LASTN
from ._layout import AJ, ALIVE, ASSESS, COH, DROW, DURING, HELD, MASK, N_INT, NAN, NFREE, PID, VSEQ, WTOK, njit

__all__ = ["take", "give", "in_patient_order"]


@njit(inline=True)
def take(m, s, iv, tl, p):
    """Patient p arrives: pop a free slot and set its state as a new patient's. Returns the slot.
    (A renege event left in the heap by the slot's last patient never matches the new one's
    waits: it matches only the WTOK its own push wrote, its unique sequence number.)"""
    k = s.ctr[NFREE] - 1
    s.ctr[NFREE] = k
    slot = s.free[k]
    S = s.S
    for col in range(N_INT):
        S[slot, col] = 0
    S[slot, WTOK] = -1
    S[slot, DROW] = m.drow[p]
    S[slot, PID] = p
    S[slot, COH] = m.cohort[p]
    S[slot, ALIVE] = 1
    S[slot, HELD] = -1
    S[slot, VSEQ] = -1
    s.F[slot, :] = NAN
    if s.visits.shape[0] == S.shape[0]:
        s.visits[slot, :] = 0
    if s.ret_k.shape[0] == S.shape[0]:
        s.ret_k[slot] = 0
    if iv is not None:
        iv.V[slot, MASK] = iv.start_mask[p]
        iv.V[slot, ASSESS] = -1
        iv.V[slot, AJ] = 0
        iv.V[slot, DURING] = 0
    if tl is not None:
        tl.pe[slot, EDARR] = 0.0
        tl.pe[slot, HEDARR] = 0.0
        tl.pi[slot, LASTN] = -1
        tl.pi[slot, ADMD] = -1
    return slot


@njit(inline=True)
def give(s, slot):
    """The slot's patient has left for good: the slot is free again."""
    k = s.ctr[NFREE]
    s.free[k] = slot
    s.ctr[NFREE] = k + 1


@njit
def in_patient_order(S, order):
    """The slots whose patients are still in the system, by patient: their number n, and
    order[:n] the slots (a heapsort of patient << 32 | slot, in place: the loop allocates nothing)."""
    n = 0
    for slot in range(S.shape[0]):
        if S[slot, ALIVE] == 1:
            order[n] = (S[slot, PID] << 32) | slot
            n += 1
    for start in range((n - 2) // 2, -1, -1):
        _sift(order, start, n)
    for end in range(n - 1, 0, -1):
        order[0], order[end] = order[end], order[0]
        _sift(order, 0, end)
    for i in range(n):
        order[i] &= 0xFFFFFFFF
    return n


@njit(inline=True)
def _sift(a, i, n):
    """Sift a[i] down the max-heap a[:n]."""
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        if c + 1 < n and a[c + 1] > a[c]:
            c += 1
        if a[i] >= a[c]:
            return
        a[i], a[c] = a[c], a[i]
        i = c
