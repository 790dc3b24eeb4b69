"""The census of a run at its horizon, from its event log (``flowsim census``).

Every patient still in the system at the horizon has one or two IN_SYSTEM rows
(``eventlog``): a held row (a bed kept while blocked, its clinical ``end`` set) and
the row of the node it is at. Read back as a census:

- held row and current row: medically fit at the held node since its ``end``,
  waiting for the current node (``onward``), its discharge arranged (``blocked``);
- one row that started and has not ended: in service since ``start``;
- one row that has not started: waiting since ``arrive``;
- one row that started and ended (a route's hold: its discharge being arranged):
  medically fit since its ``end``, its onward care the destination of the route
  its route uniform chose (``draws`` of the run; a warm start then draws the rest
  of the hold). Without ``draws`` it is written as in service since ``start``.
"""

from __future__ import annotations

import numpy as np

from ..eventlog import IN_SYSTEM, NO_DEST, EventLog
from ..network import Network
from .census_file import FIT, IN_SERVICE, WAITING, Census

__all__ = ["census_at"]


def _route_dest(net: Network, draws, p: int, node: int, c: int, j: int) -> int:
    """The destination the patient's route uniform picks at ``node`` (the routes as
    written: an intervention that rescales them is not applied)."""
    u = draws.route_u(node, p, j)
    a, n = int(net.route_start[node, c]), int(net.route_len[node, c])
    r = a + int(np.searchsorted(net.route_cum[a:a + n - 1], u, side="right"))
    return int(net.route_dest[r])


def census_at(log: EventLog, net: Network, label: str = "", draws=None) -> Census:
    """The patients in the system at ``log.horizon`` as a Census.

    Parameters
    ----------
    log : EventLog
        A run stopped at the moment of the census (its horizon).
    net : Network
    label : str
        A name for messages (e.g. the run it came from).
    draws : Draws, optional
        The run's draws, to find the onward care of patients in a discharge hold.

    Returns
    -------
    Census
        One row per patient in the system, ordered by the minute it reached the node it
        is at (so waiting and blocked patients queue in the warm start as they did);
        times relative to the horizon.
    """
    T = float(log.horizon)
    rows = np.flatnonzero(log.outcome == IN_SYSTEM)
    rows = rows[np.lexsort((log.seq[rows], log.patient[rows]))]
    pats, first = np.unique(log.patient[rows], return_index=True)
    last = (np.append(first[1:], len(rows)) - 1)[:len(first)]  # nobody in the system: no rows
    state, node, cohort, spent, fit_for, onward, blocked = [], [], [], [], [], [], []
    for a, b in zip(first, last):
        r0, r1 = rows[a], rows[b]
        cohort.append(int(log.cohort[r0]))
        if a != b:  # blocked: keeps the bed at r0's node, waits at r1's
            state.append(FIT)
            node.append(int(log.node[r0]))
            spent.append(T - log.start[r0])
            fit_for.append(T - log.end[r0])
            onward.append(int(log.node[r1]))
            blocked.append(True)
            continue
        started = not np.isnan(log.start[r0])
        if started and not np.isnan(log.end[r0]) and draws is not None:  # in a hold: medically fit
            n, c, p = int(log.node[r0]), int(log.cohort[r0]), int(log.patient[r0])
            j = int(np.sum((log.patient == p) & (log.node == n) & (log.seq < log.seq[r0]))) if net.revisit[n] else 0
            state.append(FIT)
            node.append(n)
            spent.append(T - log.start[r0])
            fit_for.append(T - log.end[r0])
            onward.append(_route_dest(net, draws, p, n, c, j))
            blocked.append(False)
            continue
        state.append(IN_SERVICE if started else WAITING)
        node.append(int(log.node[r0]))
        spent.append(T - (log.start[r0] if started else log.arrive[r0]))
        fit_for.append(0.0)
        onward.append(NO_DEST)
        blocked.append(False)
    # patients enter the warm start in census order, and queue in it: order them by the
    # minute they reached the node they are at (ties by patient), as the queues were
    order = np.lexsort((pats, log.arrive[rows[last]]))
    st = np.array(state, dtype=np.int8)[order]
    return Census(state=st, node=np.array(node, dtype=np.int64)[order],
                  cohort=np.array(cohort, dtype=np.int16)[order],
                  spent=np.maximum(np.array(spent, dtype=np.float64), 0.0)[order],
                  fit_for=np.maximum(np.array(fit_for, dtype=np.float64), 0.0)[order],
                  onward=np.array(onward, dtype=np.int64)[order], ids=tuple(str(pats[i]) for i in order),
                  label=label, blocked=np.array(blocked, dtype=bool)[order])
