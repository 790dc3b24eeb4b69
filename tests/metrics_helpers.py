"""A tiny health economy and hand-built event logs for the metrics tests."""

from __future__ import annotations

import math

import numpy as np

from flowsim.eventlog import IN_SYSTEM, NO_DEST, SERVED, EventLog
from flowsim.network import BOOKING, DELAY, QUEUE, SETTING_CODES, UNLIMITED, Network

NaN = math.nan
HOME = -1  # exit 0

# A tiny health economy: two ED nodes, two acute wards, reablement, a GP, a delay node.
NODES = {
    #  name          kind     setting        bed    servers
    "ed":          (QUEUE,   "ed",          False, 10),
    "assess":      (QUEUE,   "ed",          False, 5),
    "ward_a":      (QUEUE,   "acute",       True,  2),
    "ward_b":      (QUEUE,   "acute",       True,  2),
    "reablement":  (QUEUE,   "social_care", False, 1),
    "gp":          (BOOKING, "primary",     False, 0),
    "self_care":   (DELAY,   "community",   False, 0),
}
ED, ASSESS, WARD_A, WARD_B, REABLEMENT, GP, SELF_CARE = range(len(NODES))


def make_net(*, warm_up=0.0, horizon=4320.0, capacity=None, slots=None, cost_per_day=None,
             cost_per_visit=None, cost_ed_attendance=0.0) -> Network:
    """A Network for NODES with every field filled; override what a test is about."""
    names = tuple(NODES)
    N, C, P = len(names), 1, 4
    kind = np.array([NODES[n][0] for n in names], dtype=np.int8)
    cap = np.array([[NODES[n][3]] * 168 for n in names], dtype=np.int64)
    cap[kind == DELAY] = UNLIMITED
    for node, weekly in (capacity or {}).items():
        cap[node] = weekly
    slot = np.zeros((N, 7), dtype=np.int64)
    slot[GP] = [10, 10, 10, 10, 10, 0, 0]
    for node, weekly in (slots or {}).items():
        slot[node] = weekly
    zeros = np.zeros(N)
    return Network(
        name="tiny", node_names=names, exit_names=("home",), cohorts=("general",),
        source_names=("walk_in",), horizon=float(horizon), warm_up=float(warm_up),
        kind=kind,
        setting=np.array([SETTING_CODES[NODES[n][1]] for n in names], dtype=np.int8),
        bed=np.array([NODES[n][2] for n in names], dtype=bool),
        capacity=cap, scheduled=cap.min(axis=1) != cap.max(axis=1),
        priority=np.zeros((N, C), dtype=np.int64), dur_code=np.zeros((N, C), dtype=np.int8),
        dur_params=np.zeros((N, C, P)), has_patience=np.zeros(N, dtype=bool),
        pat_code=np.zeros((N, C), dtype=np.int8), pat_params=np.zeros((N, C, P)),
        full_to=np.full(N, -1_000_000, dtype=np.int64), queue_limit=np.zeros(N, dtype=np.int64),
        route_start=np.zeros((N, C), dtype=np.int64), route_len=np.ones((N, C), dtype=np.int64),
        route_dest=np.array([HOME], dtype=np.int64), route_cum=np.array([1.0]),
        route_block=np.array([False]), route_has_hold=np.array([False]),
        route_hold_code=np.zeros(1, dtype=np.int8), route_hold_params=np.zeros((1, P)),
        route_node=np.zeros(1, dtype=np.int64), route_cohort=np.zeros(1, dtype=np.int64),
        route_index=np.zeros(1, dtype=np.int64),
        slots=slot, open_at=np.full(N, 480.0), close_at=np.full(N, 1080.0),
        elsewhere_after=np.full(N, np.inf), elsewhere_p=zeros.copy(),
        elsewhere_to=np.full(N, -1_000_000, dtype=np.int64),
        source_to=np.array([ED], dtype=np.int64), source_rate=np.full((1, 168), 0.1),
        source_cohort_cum=np.ones((1, C)), emp_values=(), emp_cum=(),
        cost_per_day=zeros.copy() if cost_per_day is None else np.asarray(cost_per_day, float),
        cost_per_visit=zeros.copy() if cost_per_visit is None else np.asarray(cost_per_visit, float),
        cost_ed_attendance=float(cost_ed_attendance), revisit=np.zeros(N, dtype=bool),
    )


def make_log(rows, horizon=4320.0, patients=None) -> EventLog:
    """rows: (patient, node, prev, arrive, start, end, depart, outcome, dest[, seq]).

    Without ``seq`` a row's visit number is its place among the patient's rows by
    arrival time (ties in the order given), which is right for every hand-built log
    here that has no two visits of a patient arriving in the same minute.
    """
    if rows and len(rows[0]) == 10:
        seq = [r[9] for r in rows]
        rows = [r[:9] for r in rows]
    else:
        order = sorted(range(len(rows)), key=lambda i: (rows[i][0], rows[i][3], i))
        seq, count = [0] * len(rows), {}
        for i in order:
            seq[i] = count.get(rows[i][0], 0)
            count[rows[i][0]] = seq[i] + 1
    cols = list(zip(*rows)) if rows else [()] * 9
    p, node, prev, arrive, start, end, depart, outcome, dest = cols
    return EventLog(
        patient=np.array(p, dtype=np.int64), seq=np.array(seq, dtype=np.int32),
        cohort=np.zeros(len(rows), dtype=np.int16),
        node=np.array(node, dtype=np.int32), prev=np.array(prev, dtype=np.int32),
        arrive=np.array(arrive, dtype=float), start=np.array(start, dtype=float),
        end=np.array(end, dtype=float), depart=np.array(depart, dtype=float),
        outcome=np.array(outcome, dtype=np.int8), dest=np.array(dest, dtype=np.int32),
        horizon=float(horizon), patients=len(set(p)) if patients is None else patients,
    )


def still_in(patient, node, prev, arrive, start=NaN, end=NaN):
    return (patient, node, prev, arrive, start, end, NaN, IN_SYSTEM, NO_DEST)


def served(patient, node, prev, arrive, start, end, depart=None, dest=HOME):
    return (patient, node, prev, arrive, start, end, end if depart is None else depart, SERVED, dest)
