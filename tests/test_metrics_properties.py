"""Property tests of flowsim.metrics: random logs against slow, obvious references."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowsim.eventlog import DIVERTED, IN_SYSTEM, NO_DEST, SERVED
from flowsim.metrics import hourly_occupancy, measure
from metrics_helpers import (ASSESS, ED, HOME, NODES, NaN, SELF_CARE, WARD_A, WARD_B, make_log, make_net)

# --- properties on random logs ------------------------------------------------------------

@st.composite
def random_logs(draw):
    horizon = draw(st.sampled_from([600.0, 1440.0, 2000.5]))
    n = draw(st.integers(0, 30))
    rows = []
    for i in range(n):
        node = draw(st.integers(0, len(NODES) - 1))
        arrive = draw(st.floats(0, horizon, allow_nan=False))
        start = arrive + draw(st.floats(0, 300)) if draw(st.booleans()) else NaN
        end = start + draw(st.floats(0, 600)) if not math.isnan(start) else NaN
        depart = end + draw(st.floats(0, 300)) if not math.isnan(end) else NaN
        end = end if end < horizon else NaN
        depart = depart if depart < horizon else NaN
        if math.isnan(start) and draw(st.booleans()):
            depart = arrive            # reneged or diverted on arrival
        start = start if start < horizon else NaN
        rows.append((i, node, -1, arrive, start, end, depart, SERVED, HOME))
    warm_up = draw(st.floats(0, horizon - 1))
    return make_log(rows, horizon=horizon), make_net(warm_up=warm_up, horizon=horizon)


def _held(row, lo, hi, horizon, begin="start"):
    a = row["start"] if begin == "start" else row["end"]
    if math.isnan(a):
        return 0.0
    b = horizon if math.isnan(row["depart"]) else row["depart"]
    return max(0.0, min(b, hi) - max(a, lo))


def _rows(log):
    return [dict(zip(log.columns(), vals)) for vals in zip(*log.columns().values())]


@settings(max_examples=150, deadline=None)
@given(random_logs())
def test_bed_days_and_occupancy_match_a_row_by_row_reference(case):
    log, net = case
    lo, hi = net.warm_up, log.horizon
    m = measure(log, net)
    bed = {n: 0.0 for n in NODES}
    delayed = {n: 0.0 for n in NODES}
    busy = {n: 0.0 for n in NODES}
    for row in _rows(log):
        name = net.node_names[row["node"]]
        busy[name] += _held(row, lo, hi, log.horizon)
        if net.bed[row["node"]]:
            bed[name] += _held(row, lo, hi, log.horizon) / 1440
            delayed[name] += _held(row, lo, hi, log.horizon, begin="end") / 1440
    for name in NODES:
        assert m[f"node.{name}.bed_days"] == pytest.approx(bed[name], abs=1e-9)
        assert m[f"node.{name}.delayed_bed_days"] == pytest.approx(delayed[name], abs=1e-9)
        assert m[f"node.{name}.mean_occupancy"] * (hi - lo) == pytest.approx(busy[name], abs=1e-6)
    assert m["bed_days"] == pytest.approx(sum(bed.values()), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(random_logs(), st.integers(0, len(NODES) - 1))
def test_hourly_occupancy_matches_a_slow_reference(case, node):
    log, net = case
    H = math.ceil(log.horizon / 60)
    expected = []
    for h in range(H):
        lo, hi = 60.0 * h, min(60.0 * (h + 1), log.horizon)
        held = sum(_held(r, lo, hi, log.horizon) for r in _rows(log) if r["node"] == node)
        expected.append(held / (hi - lo))
    assert hourly_occupancy(log, net, node) == pytest.approx(expected, abs=1e-9)


# Consistent pathways, logged as the engines log them: a patient reaches the next
# node when its service ends plus the route's hold (time to arrange the discharge,
# often 0); after a blocking route it keeps its bed (``depart``
# stays open) until it starts at a later node. A visit may be diverted (never
# starts); times past the horizon become NaN and the path stops there.

@st.composite
def pathway_logs(draw):
    horizon = 3000.0
    visits = []
    for patient in range(draw(st.integers(0, 12))):
        t = draw(st.floats(0, horizon - 1))
        prev = -1
        held = None  # index in visits of a blocked visit still holding its bed
        path = draw(st.lists(st.integers(0, SELF_CARE), min_size=1, max_size=5))
        for k, node in enumerate(path):
            arrive = t
            if draw(st.integers(0, 4)) == 0:
                visits.append([patient, node, prev, arrive, NaN, NaN, arrive, DIVERTED, 0])
            else:
                start = arrive + draw(st.sampled_from([0.0, 30.0, 90.0, 200.0]))
                end = start + draw(st.sampled_from([0.0, 40.0, 150.0, 250.0, 800.0]))
                if start >= horizon or end >= horizon:
                    visits.append([patient, node, prev, arrive, start if start < horizon else NaN,
                                   NaN, NaN, IN_SYSTEM, NO_DEST])
                    if held is not None:
                        visits[held][6:9] = [NaN, IN_SYSTEM, NO_DEST]
                    break
                if held is not None:
                    visits[held][6] = start
                    held = None
                hold = draw(st.sampled_from([0.0, 0.0, 60.0, 300.0]))  # arranging the discharge
                if end + hold >= horizon:  # still arranging it at the horizon
                    visits.append([patient, node, prev, arrive, start, end, NaN, IN_SYSTEM, NO_DEST])
                    break
                blocking = k + 1 < len(path) and draw(st.booleans())  # zero-length visits too
                visits.append([patient, node, prev, arrive, start, end, NaN if blocking else end + hold,
                               SERVED, 0])
                if blocking:
                    held = len(visits) - 1
                t = end + hold
            prev = node
        if held is not None and not math.isnan(visits[held][6]):
            held = None
        if held is not None:  # the path ended on diversions while still holding a bed
            visits[held][6] = t
    visits = [tuple(v) for v in visits]
    # destinations, then the engines' row order: by the time each visit ended
    rows, seq = [], {}
    for i, v in enumerate(visits):
        nxt = visits[i + 1] if i + 1 < len(visits) and visits[i + 1][0] == v[0] else None
        dest = v[8] if v[7] == IN_SYSTEM else (nxt[1] if nxt else HOME)
        k = seq.get(v[0], 0)
        seq[v[0]] = k + 1
        rows.append(v[:8] + (dest, k))
    order = sorted(range(len(rows)), key=lambda i: (math.inf if math.isnan(rows[i][6]) else rows[i][6]))
    log = make_log([rows[i] for i in order], horizon=horizon)
    warm_up = draw(st.sampled_from([0.0, 500.0, 1440.0]))
    return log, make_net(warm_up=warm_up, horizon=horizon), visits


@settings(max_examples=200, deadline=None)
@given(pathway_logs())
def test_ed_and_admissions_match_a_patient_by_patient_reference(case):
    log, net, visits = case
    lo, hi = net.warm_up, log.horizon
    ed_nodes, acute_beds = {ED, ASSESS}, {WARD_A, WARD_B}
    attendances = breaches = censored = twelve = admissions = 0
    by_patient = {}
    for v in visits:
        by_patient.setdefault(v[0], []).append(v)
    for path in by_patient.values():
        ed_arrival, in_stay = None, False
        for k, (_, node, prev, arrive, start, end, depart, outcome, _) in enumerate(path):
            if node in ed_nodes and ed_arrival is None:
                ed_arrival = arrive
            leaving_ed = ed_arrival is not None and (k + 1 == len(path) or path[k + 1][1] not in ed_nodes)
            if leaving_ed:
                if lo <= ed_arrival < hi:
                    attendances += 1
                    still = math.isnan(depart)
                    elapsed = (hi if still else depart) - ed_arrival
                    breaches += elapsed > 240
                    twelve += elapsed > 720
                    censored += still and elapsed <= 240
                ed_arrival = None
            if node in acute_beds:
                if not math.isnan(start):
                    admissions += not in_stay and lo <= start < hi
                    in_stay = True
            else:
                in_stay = False
    m = measure(log, net)
    assert m["ed_attendances"] == attendances
    assert m["four_hour_breaches"] == breaches
    assert m["twelve_hour_waits"] == twelve
    assert m["ed_censored"] == censored
    assert m["admissions"] == admissions
