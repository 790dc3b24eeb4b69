"""The compiled loop's data layout, and how its kernels are compiled.

The statuses ``run_loop`` returns, the event kinds, the columns of its arrays, and
the Model, State and Interventions tuples that ``compiled.py`` builds and every
module of the loop reads (``_loop`` describes how those modules fit together).

PERF: every kernel of the loop is compiled without Numba's reference counting (``njit``
below, ``kernels.njit(refcount=False)``): the loop never allocates, and each array
passed to a helper, taken out of the Model/State tuples or copied to a local was an
atomic increment and decrement (~1,200 such calls in run_loop's machine code). Without
them the engine-only run of the perf anchors' chain went from ~170 to ~60 ms CPU (same
run), and helpers can take the tuples: run_loop's blocks are inlined helpers that do.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..kernels import njit as _njit

__all__ = [
    "OK", "NEED_EXTEND", "LOG_FULL", "HEAP_FULL", "DAYS_FULL", "ESC_FULL", "SLOTS_FULL", "HEAP_LOW",
    "EV_ARRIVE", "EV_END", "EV_GRANT", "EV_RENEGE", "EV_BOOK", "EV_ROSTER", "EV_HOLD", "EV_AEND", "EV_RETURN",
    "EV_BITS",
    "EV_MASK",
    "NODE", "PREV", "HELD", "HPREV", "HDEST", "J", "ALIVE", "WAITING", "WTOK", "QNEXT", "QPREV", "ROUTE", "VSEQ",
    "HSEQ", "GU_TO", "DROW", "PID", "COH", "N_INT",
    "MASK", "ASSESS", "AJ", "DURING", "N_V",
    "ARR", "START", "HARR", "HSTART", "HEND", "SLOT", "END", "GU_AFTER", "WDUR", "N_FLOAT",
    "KIND", "SCHED", "FULL_TO", "QLIMIT", "HAS_PAT", "REV", "ELSE_TO", "BED", "ACUTE_BED", "N_MI",
    "OPEN", "CLOSE", "ELSE_AFTER", "ELSE_P", "N_MF",
    "BUSY", "CAP", "NWAIT", "RNEXT", "ESC_BEDS", "ESC_OPEN", "ESC_CLOSE", "ESC_ON", "N_NS",
    "HN", "SEQ", "STATUS", "DETAIL", "ROWS", "THINNED", "ESC_ROWS", "NFREE", "HROOM", "HOLE", "N_CTR",
    "DIV_FROM", "DIV_TO", "ASSESS_BY", "N_IVI", "T_ADM", "T_ATT", "NAN", "INF",
    "Model", "CEN_IN_SERVICE", "CEN_FIT", "CEN_WAITING", "State", "LogInts", "LogFloats", "Interventions",
]


def njit(fn=None, *, inline: bool = False):
    """The loop's kernels: cached, and compiled without reference counting (they never
    allocate). PERF: see the module docstring."""
    return _njit(fn, inline=inline, refcount=False)


# statuses (SLOTS_FULL: no free slot is left; HEAP_LOW: the heap has less room than one event may
# need; unlike the others, the loop stops between two events and resumes where it stopped once
# ``engines.slot_room`` has added room)
OK, NEED_EXTEND, LOG_FULL, HEAP_FULL, DAYS_FULL, ESC_FULL, SLOTS_FULL, HEAP_LOW = 0, 1, 2, 3, 4, 5, 6, 7
# event kinds (low EV_BITS bits of the payload; the rest is the slot, or the node; an arrival
# from a source carries the patient, who takes a slot when it arrives; EV_RETURN a readmission)
EV_ARRIVE, EV_END, EV_GRANT, EV_RENEGE, EV_BOOK, EV_ROSTER, EV_HOLD, EV_AEND, EV_RETURN = range(9)
EV_BITS = 4
EV_MASK = (1 << EV_BITS) - 1
# columns of the integer state S, one row per slot (``_slots``: a patient holds a slot while it is
# in the system; ROUTE: the route chosen, during a hold, whose destination is in HDEST; GU_TO:
# where a blocked wait that ends another way goes; DROW: how the readers of ``draw_tables`` name
# the patient (key << 32 | rank), ``Model.drow``, copied when it takes the slot; PID: the patient;
# COH: its cohort; WTOK: while WAITING, the sequence number of the event that ends the wait another
# way (EV_RENEGE), or -1: an EV_RENEGE of an earlier wait never matches)
NODE, PREV, HELD, HPREV, HDEST, J, ALIVE, WAITING, WTOK, QNEXT, QPREV, ROUTE, VSEQ, HSEQ, GU_TO, DROW, PID, COH = \
    range(18)
N_INT = 18
# columns of the per-slot intervention state V (``Interventions.V``): the bit mask
# of the interventions that apply to the patient, the intervention assessing
# it (or -1), its visit number at the assessment node, and the phase of an assessment
# during the stay (0 none, 1 referral due at the next EV_END, 2 being assessed, 3 the
# rest of the stay, which ends by an EV_AEND)
MASK, ASSESS, AJ, DURING = range(4)
N_V = 4
# columns of the per-slot float state F (END: clinical end, during a hold; GU_AFTER: minutes
# a blocked wait lasts before it ends another way, inf when it does not)
ARR, START, HARR, HSTART, HEND, SLOT, END, GU_AFTER, WDUR = range(9)
N_FLOAT = 9
# (WDUR: the whole duration of a stay with a referral during it)
# columns of the per-node model integers mi and floats mf
KIND, SCHED, FULL_TO, QLIMIT, HAS_PAT, REV, ELSE_TO, BED, ACUTE_BED = range(9)
N_MI = 9
OPEN, CLOSE, ELSE_AFTER, ELSE_P = range(4)
N_MF = 4
# columns of the per-node state ns; escalation beds (``ServerPool._escalate``): ESC_BEDS
# beds (0: none), opened when ESC_OPEN servers are held, closed below ESC_CLOSE; ESC_ON is
# 0 while closed, else 1 + the row of the escalation log ``el`` the opening is in
BUSY, CAP, NWAIT, RNEXT, ESC_BEDS, ESC_OPEN, ESC_CLOSE, ESC_ON = range(8)
N_NS = 8
# counters ctr: heap size, next sequence number, status, status detail, log rows, patients
# thinned, escalation log rows, free slots (on the stack ``State.free``), the most heap entries
# one event may push (``slot_room.heap_room``), 1 while the event being handled holds the heap's
# root (``_heap._take``)
HN, SEQ, STATUS, DETAIL, ROWS, THINNED, ESC_ROWS, NFREE, HROOM, HOLE = range(10)
N_CTR = 10
# columns of the per-intervention integers ivi, and of the integer tallies tally_i
DIV_FROM, DIV_TO, ASSESS_BY = range(3)
N_IVI = 3
T_ADM, T_ATT = range(2)
NAN = np.nan
INF = np.inf

# The model as arrays, plus tab, the replication's ``draw_tables.Tables``: the per-visit draws are
# computed where they are read, e.g. ``draw_tables.duration(tab, node, S[p, DROW], j)`` for visit j
# of patient p at node n (randomness contract v2, ``draws`` module docstring); gu_has (R,) 0/1 the
# routes with a give_up. cohort and source (P,) int16 are the draws' own arrays; entry (S,) each
# source's first node; drow (P,) how the draws name each patient (``Draws.drow``, ``DROW``).
Model = namedtuple("Model", [
    "mi", "mf", "cap_week", "slots", "level", "route_start", "route_len", "route_dest", "route_cum",
    "route_block", "tab", "arrive", "cohort", "source", "entry", "route_hold", "gu_has",
    # readmissions (``engines.returns``): rd_from (N,) and rd_exit (E,) 0/1, rd_i = (node returned
    # to or -1 without readmission, K return columns), rd_p (P,), rd_u and rd_t (P * K,) return k
    # of patient p at p * K + k, rd_scale (I,) the factor of each intervention on the probability
    "rd_from", "rd_exit", "rd_i", "rd_p", "rd_u", "rd_t", "rd_scale",
    "drow",
    # a warm start (``_census_enter``)
    "cen_state", "cen_node", "cen_since", "cen_fit_at", "cen_onward", "cen_route",
])
# A warm start's census patients are patients 0 .. K-1 (K = len(cen_state), 0 on a cold
# start): their state (CEN_IN_SERVICE, CEN_FIT, CEN_WAITING as in warmstart.census_file), node,
# minute started there, minute medically fit, onward node (see ``_census_enter``), and the
# blocking route of one that starts blocked (its wait may end another way: ``_blocked_on``), else -1.
CEN_IN_SERVICE, CEN_FIT, CEN_WAITING = 0, 1, 2
# Mutable state: per slot (S, F, visits; ``_slots``), per node (ns, queue heads/tails qh/qt
# by priority level, booking calendar taken: slots), the heap (ht times; hi rows seq,
# payload), the log (li its integer columns and lf its float ones, ``LogInts`` and
# ``LogFloats``: one array per column of the EventLog, in its dtype), the counters ctr, ret_k (slots,) the discharges of the
# slot's patient that could have led to a return so far ((1,) without readmissions; visits is
# (1, 1) without nodes on a cycle), the escalation log el (rows node, minute opened, minute closed
# or NaN), the stack of free slots ``free`` (the first ctr[NFREE] entries) and ``order``, room
# for the slots still in the system at the horizon (``_slots.in_patient_order``).
State = namedtuple("State", ["S", "F", "visits", "ns", "qh", "qt", "taken", "ht", "hi", "li", "lf", "ctr",
                             "ret_k", "el", "free", "order"])
# PERF: the loop writes the log's columns in the EventLog's own dtypes (``eventlog.COLUMNS``), so
# the EventLog takes them as they are (``compiled._eventlog``) instead of copying int64 rows into
# typed columns: ~59 bytes a row of room instead of 88, and no copy after the loop.
LogInts = namedtuple("LogInts", ["patient", "cohort", "node", "prev", "outcome", "dest", "seq"])
LogFloats = namedtuple("LogFloats", ["arrive", "start", "end", "depart"])
# Interventions (``flowsim.interventions``, applied as in ``engines.effects``), passed to
# run_loop as this tuple when any is active and as None otherwise. Model part: start_mask
# (P,) (the mask of each patient on arrival: only the targeted interventions it may get), thin_by (P,) the intervention thinning each patient
# or -1, route_of and assess_of (N, C), ivi (I, N_IVI), within (I,), iv_cum (I, R), dscale
# (I, N, C), win (2,) the window [warm-up, horizon), divert_of (N, C), eligible (I,), elig_u (I, P)
# (``Draws.eligible_u``), hscale (I, N, C) hold factors, during_of (N, C), tab (the Model's, for the
# referral times of assessments during the stay); state part: V (slots, N_V), see MASK,
# tally_i (I, 2) avoided admissions and attendances, tally_f (I,) bed days saved, tally_h (I,)
# delayed bed days saved.
# PERF: the argument's type (None or this tuple) picks one of two compiled specialisations
# of run_loop; in the None one Numba prunes every ``iv is not None`` branch before typing,
# so a model without interventions runs the loop as it was before they existed
# (1 year, medians of 15, same session: M/M/c 252 -> 220 ms, blocking chain 47 -> 43 ms,
# default economy 195 -> 184 ms; before interventions 218, 42, 181 ms). Uncached compile:
# 8.6 s without interventions, 13.5 s with (both in one process: ~22 s), instead of 14 s.
Interventions = namedtuple("Interventions", [
    "start_mask", "thin_by", "route_of", "assess_of", "ivi", "within", "iv_cum", "dscale", "win",
    "divert_of", "eligible", "elig_u", "hscale", "during_of", "tab",
    "V", "tally_i", "tally_f", "tally_h",
])
