"""The compiled loop's event log: one row per visit (``State.li``, ``State.lf``: a column
each, in the EventLog's dtypes), tallied
as it is written when metrics are measured as the loop runs (``_tally``), and the rows of
the patients still in the system at the horizon. A full log stops the loop with LOG_FULL."""

from __future__ import annotations

import numpy as np

from ..eventlog import IN_SYSTEM, NO_DEST
from ._layout import (ARR, COH, END, HARR, HDEST, HELD, HEND, HPREV, HSEQ, HSTART, LOG_FULL, NAN, NODE, PID, PREV,
                      ROWS, START, STATUS, VSEQ, njit)
from ._slots import in_patient_order
from ._tally import row as _t_row


@njit(inline=True)
def _log(li, lf, tl, ctr, S, p, node, prev, arrive, start, end, depart, outcome, dest, seq, succ, was_held):
    """Write a row of the log for the patient in slot ``p``; with metrics measured as the loop runs
    (``tl`` not None), tally it (``_tally.row``: ``succ`` the node of the next visit if linked,
    ``was_held`` a kept bed's row) and write it only if the log is kept."""
    c = S[p, COH]
    if tl is not None:
        if tl.wk[0] >= tl.wv.shape[0]:
            ctr[STATUS] = LOG_FULL
            return
        _t_row(tl, p, c, node, arrive, start, end, depart, outcome, dest, succ, was_held)
        if tl.keep[0] == 0:
            return
    n = ctr[ROWS]
    if n >= len(li.patient):
        ctr[STATUS] = LOG_FULL
        return
    ctr[ROWS] = n + 1
    n = np.uint64(n)  # PERF: an unsigned index: no negative-index wraparound on each of 11 columns
    li.patient[n] = S[p, PID]
    li.cohort[n] = c
    li.node[n] = node
    li.prev[n] = prev
    li.outcome[n] = outcome
    li.dest[n] = dest
    li.seq[n] = seq
    lf.arrive[n] = arrive
    lf.start[n] = start
    lf.end[n] = end
    lf.depart[n] = depart


@njit
def _censor(S, F, li, lf, tl, ctr, order):
    """Log every patient still in the system at the horizon, by patient: its held row, then its
    current row."""
    for i in range(in_patient_order(S, order)):
        p = order[i]
        if S[p, HELD] >= 0:
            _log(li, lf, tl, ctr, S, p, S[p, HELD], S[p, HPREV], F[p, HARR], F[p, HSTART], F[p, HEND], NAN,
                 IN_SYSTEM, NO_DEST, S[p, HSEQ], S[p, HDEST], True)
        if S[p, NODE] >= 0:  # -1 during a hold after an assessment
            _log(li, lf, tl, ctr, S, p, S[p, NODE], S[p, PREV], F[p, ARR], F[p, START], F[p, END], NAN,
                 IN_SYSTEM, NO_DEST, S[p, VSEQ], -1, False)
