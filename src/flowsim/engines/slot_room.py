"""Room for the compiled loop's slots (``_slots``) and its heap: more when they run out.

The loop's per-patient state has a row per slot, and a patient holds a slot only while it is
in the system (or while its return is due). It starts with room for the patients expected
in the system at once (``memory.slots_for``: Little's law, with a margin); when none
is free the loop stops between two events with SLOTS_FULL, ``grown`` doubles the rows
(copying the old ones) and the loop resumes where it stopped. Nothing the loop computes
depends on which slot a patient holds, so the numbers do not depend on the room either.
"""

from __future__ import annotations

import numpy as np

from ..memory import heap_room
from . import _loop

__all__ = ["grown", "heap_room", "heap_grown"]


def heap_grown(s: _loop.State) -> _loop.State:
    """The loop's state with twice the heap, its entries copied (``run_loop`` stops with HEAP_LOW,
    between two events, when less room is left than one event may need: ``memory.heap_room``)."""
    n = len(s.ht)
    return s._replace(ht=_more(s.ht, 2 * n, 0.0), hi=_more(s.hi, 2 * n, 0))


def _more(a: np.ndarray, n: int, fill) -> np.ndarray:
    """``a`` with its first axis grown to ``n`` rows, the new ones ``fill``."""
    out = np.full((n,) + a.shape[1:], fill, dtype=a.dtype)
    out[:len(a)] = a
    return out


def grown(s: _loop.State, iv, tl):
    """The loop's state, its interventions' V and its tally's per-slot arrays with twice the
    slots: the old rows copied, the new slots pushed on the free stack. Returns (s, iv, tl)."""
    n = s.S.shape[0]
    m = 2 * n
    k = int(s.ctr[_loop.NFREE])
    free = np.empty(m, dtype=np.int64)
    free[:k] = s.free[:k]
    free[k:k + n] = np.arange(m - 1, n - 1, -1)
    s.ctr[_loop.NFREE] = k + n
    per_slot = {"S": 0, "F": np.nan}
    if s.visits.shape[0] == n:
        per_slot["visits"] = 0
    if s.ret_k.shape[0] == n:
        per_slot["ret_k"] = 0
    s = s._replace(free=free, order=np.empty(m, dtype=np.int64),
                   **{name: _more(getattr(s, name), m, fill) for name, fill in per_slot.items()})
    if iv is not None:
        iv = iv._replace(V=_more(iv.V, m, 0))
    if tl is not None:
        tl = tl._replace(pe=_more(tl.pe, m, 0.0), pi=_more(tl.pi, m, -1))
    return s, iv, tl
