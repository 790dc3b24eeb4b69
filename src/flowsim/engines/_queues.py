"""The compiled loop's queues and servers: the FIFO of each priority level at a node
(linked through the slots' QNEXT/QPREV), granting free servers to waiting patients,
escalation beds (``ServerPool._escalate``), and the server a blocked patient keeps
upstream (released, or noted as blocked on a route)."""

from __future__ import annotations

from .. import draw_tables as _dt
from ..eventlog import SERVED
from ..network import QUEUE
from ._heap import _payload, _push
from ._layout import (BUSY, CAP, ESC_BEDS, ESC_CLOSE, ESC_FULL, ESC_ON, ESC_OPEN, ESC_ROWS, EV_GRANT,
                      GU_AFTER, GU_TO, HARR, HDEST, HELD, HEND, HPREV, HSEQ, HSTART, INF, J, KIND, NAN, NWAIT,
                      QNEXT, QPREV, STATUS, WAITING, WTOK, DROW, njit)
from ._log import _log


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
    S[p, WTOK] = -1  # no patience event for this wait until one is scheduled


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
            _push(ht, hi, ctr, now, _payload(p, EV_GRANT))
        if not _escalate(ns, el, ctr, node, now):
            return


@njit(inline=True)
def _release_held(mi, S, F, ns, qh, qt, ht, hi, ctr, el, li, lf, tl, p, t):
    """The patient has room downstream (or left): free the server it kept upstream."""
    held = S[p, HELD]
    if held < 0:
        return
    _log(li, lf, tl, ctr, S, p, held, S[p, HPREV], F[p, HARR], F[p, HSTART], F[p, HEND], t, SERVED,
         S[p, HDEST], S[p, HSEQ], S[p, HDEST], True)
    S[p, HELD] = -1
    if mi[held, KIND] == QUEUE:
        ns[held, BUSY] -= 1
        _grant(S, ns, qh, qt, ht, hi, ctr, el, held, t)


@njit(inline=True)
def _blocked_on(m, S, F, p, node, r):
    """Patient p keeps its server at ``node`` on blocking route r: note when its wait ends
    another way (``_Engine.blocked_on``)."""
    if m.gu_has[r]:
        wait, to = _dt.give_up(m.tab, r, S[p, DROW], S[p, J])
        F[p, GU_AFTER] = wait
        S[p, GU_TO] = to
    else:
        F[p, GU_AFTER] = INF
