"""Unit tests of flowsim.metrics on hand-built event logs.

Times are minutes from Monday 00:00 of day 0. Expected numbers are worked out by
hand in the comments next to each case. Property tests are in
test_metrics_properties.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from flowsim.eventlog import DIVERTED, ELSEWHERE, IN_SYSTEM, NO_DEST, RENEGED, SERVED
from flowsim.metrics import _capacity_minutes, hourly_occupancy, measure
from metrics_helpers import (ASSESS, ED, GP, HOME, NODES, NaN, REABLEMENT, WARD_A, WARD_B, make_log,
                             make_net, served, still_in)

# --- beds ---------------------------------------------------------------------------------

def test_bed_days_cut_at_warm_up_and_horizon():
    net = make_net(warm_up=1440.0)          # window [1440, 4320): 2 days
    log = make_log([
        served(0, WARD_A, -1, 720, 720, 2160),      # 1440..2160 = 720 min
        served(2, WARD_B, -1, 0, 0, 1000),          # all in warm-up: 0
        served(3, ED, -1, 1500, 1500, 1600),        # not a bed
        still_in(1, WARD_A, -1, 3600, 3600),        # 3600..horizon 4320 = 720 min
    ])
    m = measure(log, net)
    assert m["node.ward_a.bed_days"] == pytest.approx(1.0)       # 1440 min
    assert m["node.ward_b.bed_days"] == 0.0
    assert m["node.ed.bed_days"] == 0.0
    assert m["bed_days"] == pytest.approx(1.0)
    # acute capacity: 2 wards x 2 beds x 2 days = 8 bed-days
    assert m["acute_occupancy"] == pytest.approx(1.0 / 8.0)
    assert m["node.ward_a.mean_occupancy"] == pytest.approx(1440 / 2880)
    assert m["node.ward_a.utilisation"] == pytest.approx(1440 / (2 * 2880))
    assert m["delayed_bed_days"] == 0.0


def test_delayed_bed_days_of_blocked_patients():
    net = make_net(warm_up=1440.0)
    log = make_log([
        # clinically done at 3000, blocked until reablement has room at 3500: 500 delayed
        served(0, WARD_A, -1, 2000, 2000, 3000, depart=3500, dest=REABLEMENT),
        served(0, REABLEMENT, WARD_A, 3500, 3500, 4000),
        # blocked 1000..2000 across the warm-up boundary: 1440..2000 = 560 delayed
        served(1, WARD_B, -1, 500, 500, 1000, depart=2000, dest=REABLEMENT),
        # done at 4000 and still blocked at the horizon: 4000..4320 = 320 delayed
        still_in(2, WARD_A, -1, 3000, 3000, 4000),
    ])
    m = measure(log, net)
    assert m["node.ward_a.delayed_bed_days"] == pytest.approx((500 + 320) / 1440)
    assert m["node.ward_b.delayed_bed_days"] == pytest.approx(560 / 1440)
    assert m["delayed_bed_days"] == pytest.approx(1380 / 1440)
    # bed time: 2000..3500 = 1500, 1440..2000 = 560, 3000..4320 = 1320 -> 3380
    assert m["bed_days"] == pytest.approx(3380 / 1440)
    assert m["delayed_bed_share"] == pytest.approx(1380 / 3380)
    assert m["node.reablement.bed_days"] == 0.0
    assert m["node.reablement.delayed_bed_days"] == 0.0


# --- ED -----------------------------------------------------------------------------------

def test_ed_attendance_spans_two_ed_nodes_and_waiting_for_a_bed():
    net = make_net()
    log = make_log([
        # ed 100..200, assess 200..(done 300) blocked until a bed frees at 500: ED time 400
        served(0, ED, -1, 100, 100, 200, dest=ASSESS),
        served(0, ASSESS, ED, 200, 210, 300, depart=500, dest=WARD_A),
        served(0, WARD_A, ASSESS, 500, 500, 2000),
        # home from ED after 200 minutes, back from a source later: two attendances
        served(1, ED, -1, 1000, 1000, 1200),
        served(1, ED, -1, 3000, 3000, 3100),
    ])
    m = measure(log, net)
    assert m["ed_attendances"] == 3.0
    assert m["four_hour_breaches"] == 1.0               # only patient 0 (400 > 240)
    assert m["ed_censored"] == 0.0
    assert m["four_hour_performance"] == pytest.approx(1 - 1 / 3)
    assert m["twelve_hour_waits"] == 0.0


def test_breach_is_strictly_over_240_minutes():
    net = make_net()
    log = make_log([
        served(0, ED, -1, 1000, 1000, 1240),            # exactly 240: within four hours
        served(1, ED, -1, 1000, 1100, 1200, depart=1241, dest=WARD_A),   # 241: breach
        served(1, WARD_A, ED, 1241, 1241, 1500),
    ])
    m = measure(log, net)
    assert m["four_hour_breaches"] == 1.0
    assert m["four_hour_performance"] == 0.5


def test_still_in_ed_at_horizon_is_censored_or_a_breach():
    net = make_net(horizon=4320.0)
    log = make_log([
        still_in(0, ED, -1, 4200, 4210),                # 120 min at horizon: censored
        still_in(1, ED, -1, 4080),                      # exactly 240 at horizon: censored
        served(2, ED, -1, 3800, 3800, 3900, dest=ASSESS),
        still_in(2, ASSESS, ED, 3900, 3900, 4000),      # blocked, 520 min at horizon: breach
        served(3, ED, -1, 100, 100, 200),               # 100 min: fine
    ], horizon=4320.0)
    m = measure(log, net)
    assert m["ed_attendances"] == 4.0
    assert m["ed_censored"] == 2.0
    assert m["four_hour_breaches"] == 1.0
    # decided: 4 - 2 censored = 2, of which 1 breached
    assert m["four_hour_performance"] == 0.5


def test_twelve_hour_waits():
    net = make_net(horizon=4320.0)
    log = make_log([
        served(0, ED, -1, 100, 100, 820),               # exactly 720: breach, not 12 h
        served(1, ED, -1, 200, 200, 300, depart=1000, dest=WARD_A),   # 800: 12 h
        served(1, WARD_A, ED, 1000, 1000, 3000),
        still_in(2, ED, -1, 3500, 3600),                # 820 at horizon: 12 h
        still_in(3, ED, -1, 4000),                      # 320 at horizon: breach only
        still_in(4, ED, -1, 4300),                      # 20 at horizon: censored
    ])
    m = measure(log, net)
    assert m["twelve_hour_waits"] == 2.0
    assert m["four_hour_breaches"] == 4.0
    assert m["ed_censored"] == 1.0


def test_twelve_hour_waits_from_decision_to_admit():
    net = make_net(horizon=4320.0)
    log = make_log([
        served(0, ED, -1, 100, 100, 300, depart=1100, dest=WARD_A),    # 800 from the decision
        served(0, WARD_A, ED, 1100, 1100, 3000),
        served(1, ED, -1, 200, 200, 700, depart=1300, dest=WARD_A),    # 600 (1,100 from arrival)
        served(1, WARD_A, ED, 1300, 1300, 3000),
        served(2, ED, -1, 300, 300, 400, depart=1200, dest=HOME),      # 800, but not admitted
        (3, ED, -1, 3000, 3000, 3500, NaN, IN_SYSTEM, NO_DEST, 0),     # blocked at the horizon, 820
        (3, WARD_A, ED, 3500, NaN, NaN, NaN, IN_SYSTEM, NO_DEST, 1),   # ... waiting for a ward bed
        (4, ED, -1, 3900, 3900, 4000, NaN, IN_SYSTEM, NO_DEST, 0),     # 320 at the horizon
        (4, WARD_A, ED, 4000, NaN, NaN, NaN, IN_SYSTEM, NO_DEST, 1),
    ])
    m = measure(log, net)
    assert m["twelve_hour_waits_from_decision"] == 2.0
    assert m["twelve_hour_waits"] == 4.0


def test_attendance_arriving_in_warm_up_is_not_counted():
    net = make_net(warm_up=1440.0)
    log = make_log([served(0, ED, -1, 1400, 1400, 1700), served(1, ED, -1, 1440, 1440, 1500)])
    m = measure(log, net)
    assert m["ed_attendances"] == 1.0
    assert m["four_hour_breaches"] == 0.0


def test_no_attendances_gives_nan_performance():
    m = measure(make_log([served(0, WARD_A, -1, 0, 0, 10)]), make_net())
    assert m["ed_attendances"] == 0.0
    assert math.isnan(m["four_hour_performance"])


# --- admissions ---------------------------------------------------------------------------

def test_admissions_from_ed_not_transfers():
    net = make_net(warm_up=1440.0)
    log = make_log([
        # ED -> ward_a -> ward_b: one admission (at 2000); the transfer is not another
        served(0, ED, -1, 1800, 1800, 2000, dest=WARD_A),
        served(0, WARD_A, ED, 2000, 2000, 2500, dest=WARD_B),
        served(0, WARD_B, WARD_A, 2500, 2500, 3000),
        # straight in from a source: an admission
        served(1, WARD_B, -1, 1500, 1600, 3000),
        # ward_a full, diverted to ward_b as an outlier: one admission, at ward_b
        (2, WARD_A, ED, 2100, NaN, NaN, 2100, DIVERTED, WARD_B),
        served(2, WARD_B, WARD_A, 2100, 2100, 2900),
        # still waiting for a bed at the horizon: not (yet) admitted
        still_in(3, WARD_A, -1, 4000),
        # admitted in the warm-up, transferred inside the window: nothing counted
        served(4, WARD_A, -1, 1000, 1000, 1500, dest=WARD_B),
        served(4, WARD_B, WARD_A, 1500, 1500, 2500),
        # a second, separate stay of patient 1 later on: a readmission counts
        served(1, ED, -1, 3500, 3500, 3600, dest=WARD_A),
        served(1, WARD_A, ED, 3600, 3700, 4000),
    ])
    m = measure(log, net)
    assert m["admissions"] == 4.0     # patients 0, 1 (twice), 2


# --- per node -----------------------------------------------------------------------------

def test_arrivals_waits_diversions_and_reneging():
    net = make_net(warm_up=1000.0)
    log = make_log([
        served(0, ED, -1, 1000, 1000, 1100),    # waits 0, 10, 20, 30, 40
        served(1, ED, -1, 1100, 1110, 1200),
        served(2, ED, -1, 1200, 1220, 1300),
        served(3, ED, -1, 1300, 1330, 1400),
        served(4, ED, -1, 1400, 1440, 1500),
        (5, ED, -1, 1500, NaN, NaN, 1560, RENEGED, HOME),          # left without being seen
        (6, ED, -1, 1600, NaN, NaN, 1600, DIVERTED, HOME),
        served(7, ED, -1, 900, 1010, 1100),                       # arrived in warm-up
        still_in(8, ED, -1, 4000),                                # still waiting
    ])
    m = measure(log, net)
    assert m["node.ed.arrivals"] == 8.0
    assert m["node.ed.served"] == 6.0        # started in window, patient 7 included
    assert m["node.ed.reneged"] == 1.0
    assert m["node.ed.diverted"] == 1.0
    assert m["left_without_being_seen"] == 1.0
    assert m["node.ed.wait_mean"] == pytest.approx(20.0)
    assert m["node.ed.wait_median"] == pytest.approx(20.0)
    # linear interpolation at rank 0.95 x 4 = 3.8: 30 + 0.8 x 10
    assert m["node.ed.wait_p95"] == pytest.approx(38.0)
    assert math.isnan(m["node.assess.wait_mean"])
    assert m["node.assess.arrivals"] == 0.0


def test_utilisation_follows_the_capacity_schedule():
    weekly = np.full(168, 3)
    for day in range(7):
        weekly[day * 24: day * 24 + 8] = 1     # 1 server 00:00-08:00, 3 otherwise
    weekly[24:32] = 2                          # except Tuesday night: 2
    net = make_net(warm_up=450.0, capacity={ED: weekly})
    horizon = 1530.0                           # Tuesday 01:30
    log = make_log([
        served(0, ED, -1, 0, 0, 600),                                # 450..600 = 150
        served(1, ED, -1, 700, 700, 1000, depart=1100, dest=ASSESS),  # blocked too: 400
        served(1, ASSESS, ED, 1100, 1100, 1200),
        still_in(2, ED, -1, 1400, 1400),                             # 1400..1530 = 130
    ], horizon=horizon)
    m = measure(log, net)
    # capacity: [450,480) x1 = 30, [480,1440) x3 = 2880, [1440,1530) x2 = 180 -> 3090
    assert m["node.ed.utilisation"] == pytest.approx(680 / 3090)
    assert m["node.ed.mean_occupancy"] == pytest.approx(680 / 1080)


def test_capacity_minutes_matches_a_minute_by_minute_sum():
    rng = np.random.default_rng(1)
    cap = rng.integers(0, 5, size=(2, 168))
    for lo, hi in [(0, 10080), (37, 500), (9000, 25000), (10080 * 3 + 5, 10080 * 5 - 7)]:
        minute = np.arange(lo, hi)
        expected = cap[:, (minute // 60) % 168].sum(axis=1)
        assert np.allclose(_capacity_minutes(cap, float(lo), float(hi)), expected)


def test_booking_utilisation_and_gp_wait():
    # window: Monday 12:00 (day 0) to next Monday 10:00 (day 7); whole days inside
    # are Tuesday..Sunday (days 1-6), offering 4 x 10 = 40 slots (weekends have none)
    net = make_net(warm_up=720.0, horizon=7 * 1440 + 600.0)
    day = 1440.0
    log = make_log([
        served(0, GP, -1, 700, 780, 790),                      # Monday: outside whole days
        served(1, GP, -1, 800, 1 * day + 540, 1 * day + 550),  # Tue, waited 1 day - 260 min
        served(2, GP, -1, 900, 1 * day + 600, 1 * day + 610),
        served(3, GP, -1, 1000, 1 * day + 660, 1 * day + 670),
        served(4, GP, -1, 2000, 4 * day + 540, 4 * day + 550),  # Fri
        served(5, GP, -1, 2100, 4 * day + 600, 4 * day + 610),
        served(6, GP, -1, 8000, 7 * day + 540, 7 * day + 550),  # next Monday: outside
        (7, GP, -1, 3000, NaN, NaN, 3000, ELSEWHERE, ED),
        served(7, ED, GP, 3000, 3000, 3100),
    ], horizon=7 * 1440 + 600.0)
    m = measure(log, net)
    assert m["node.gp.utilisation"] == pytest.approx(5 / 40)
    assert m["node.gp.diverted"] == 1.0
    assert math.isnan(m["node.self_care.utilisation"])
    # waits of requests arriving in the window (from 720) that got a slot:
    waits = [1 * day + 540 - 800, 1 * day + 600 - 900, 1 * day + 660 - 1000,
             4 * day + 540 - 2000, 4 * day + 600 - 2100, 7 * day + 540 - 8000]
    assert m["node.gp.wait_mean"] == pytest.approx(np.mean(waits))
    assert m["node.gp.wait_mean_days"] == pytest.approx(np.mean(waits) / day)
    assert "node.ed.wait_mean_days" not in m


def test_costs():
    cost_per_day = np.zeros(len(NODES))
    cost_per_day[WARD_A] = 400.0
    cost_per_visit = np.zeros(len(NODES))
    cost_per_visit[ED] = 50.0
    net = make_net(warm_up=1440.0, cost_per_day=cost_per_day, cost_per_visit=cost_per_visit,
                   cost_ed_attendance=180.0)
    log = make_log([
        served(0, ED, -1, 1000, 1000, 1200),                   # warm-up: costs nothing
        served(1, ED, -1, 1500, 1500, 1700, dest=WARD_A),      # one visit, one attendance
        still_in(1, WARD_A, ED, 1700, 1700),                   # 1700..4320 = 2620 min
    ])
    m = measure(log, net)
    assert m["cost_total"] == pytest.approx(400 * 2620 / 1440 + 50 + 180)


def test_values_are_plain_floats_and_empty_window_is_an_error():
    m = measure(make_log([]), make_net())
    assert all(type(v) is float for v in m.values())
    assert m["patients"] == 0.0 and m["bed_days"] == 0.0
    assert math.isnan(m["node.ed.wait_mean"])
    with pytest.raises(ValueError, match="empty measurement window"):
        measure(make_log([], horizon=100.0), make_net(warm_up=100.0))


# --- hourly occupancy ---------------------------------------------------------------------

def test_hourly_occupancy_by_hand():
    log = make_log([
        served(0, WARD_A, -1, 0, 30, 150),      # hour 0: 30 min, hour 1: 60, hour 2: 30
        served(1, WARD_A, -1, 60, 70, 80),      # hour 1: 10
        still_in(2, WARD_A, -1, 100, 170),      # hour 2: 10, partial last hour 180..190: 10/10
    ], horizon=190.0)
    occ = hourly_occupancy(log, make_net(horizon=190.0), "ward_a")
    assert occ == pytest.approx([0.5, 70 / 60, 40 / 60, 1.0])


def test_utilisation_is_nan_without_capacity():
    net = make_net(capacity={REABLEMENT: np.zeros(168)}, slots={GP: np.zeros(7)})
    m = measure(make_log([served(0, REABLEMENT, -1, 0, 0, 100)]), net)
    assert math.isnan(m["node.reablement.utilisation"])
    assert math.isnan(m["node.gp.utilisation"])


def test_hourly_occupancy_rejects_an_unknown_node():
    with pytest.raises(ValueError, match="unknown node 'wrad_a'"):
        hourly_occupancy(make_log([]), make_net(), "wrad_a")


def test_zero_length_blocked_visit_ties():
    """Visits arriving in the same minute are chained by their visit numbers, not by time."""
    rows = [(0, ED, -1, 0.0, 0.0, 0.0, 30.0, SERVED, ED, 0),    # zero-length, blocked until 30
            (0, ED, ED, 0.0, NaN, NaN, 0.0, DIVERTED, ED, 1),   # diverted at once
            (0, ED, ED, 0.0, 30.0, 30.0, 30.0, SERVED, HOME, 2)]
    log = make_log([rows[1], rows[0], rows[2]], horizon=3000.0)  # the engines' row order
    assert measure(log, make_net(horizon=3000.0))["ed_attendances"] == 1
