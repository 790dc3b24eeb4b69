"""The compiled loop's readmissions: whether a patient who has left by an exit comes back,
and when (the twin of ``returns.Returns.after_leaving``)."""

from __future__ import annotations

from ._heap import _payload, _push
from ._layout import DETAIL, EV_RETURN, MASK, NEED_EXTEND, NODE, PID, PREV, STATUS, njit


@njit
def _return_after(m, s, iv, p, now):
    """The patient in slot p has just left by an exit: schedule its return, as an EV_RETURN
    carrying the slot, if it comes back (the compiled twin of
    ``returns.Returns.after_leaving``). Returns whether it does: the patient keeps its slot
    until then (``_slots``)."""
    S = s.S
    last, e = S[p, PREV], S[p, NODE]
    if last < 0 or e >= 0 or m.rd_from[last] == 0 or m.rd_exit[-e - 1] == 0:
        return False
    k = s.ret_k[p]
    s.ret_k[p] = k + 1
    K = m.rd_i[1]
    if k >= K:
        s.ctr[STATUS] = NEED_EXTEND
        s.ctr[DETAIL] = -1
        return False
    q = S[p, PID]
    prob = m.rd_p[q]
    if iv is not None:
        mask = iv.V[p, MASK]
        for i in range(len(m.rd_scale)):
            if (mask >> i) & 1:
                prob *= m.rd_scale[i]
    if m.rd_u[q * K + k] < prob:
        _push(s.ht, s.hi, s.ctr, now + m.rd_t[q * K + k], _payload(p, EV_RETURN))
        return True
    return False
