"""Bed blocking: delayed discharges when onward care is full, and none when it is not.

Functional tests: with no downstream capacity the ward fills with blocked patients
and its delayed bed days grow with time; with ample capacity there are exactly
none; and direction tests on the default config, paired on the same seed (common
random numbers): more ED cubicles, more ward beds -> fewer breaches; more
reablement -> fewer delayed bed days.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from flowsim.cli import default_config_path
from flowsim.config import load_data, parse_config, validate_data
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.metrics import hourly_occupancy, measure
from flowsim.network import build_network

DAY = 1440.0

CHAIN = """
name: ward and reablement
run: {{horizon: {horizon}, warm_up: 0 days}}
sources: {{admissions: {{to: ward, rate: 10 per day}}}}
services:
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 40
    duration: {{lognormal: {{mean: 2 days, sd: 1.5 days}}}}
    routes: [{{to: home, p: 0.5}}, {{to: {onward}, p: 0.5, blocking: true}}]
  reablement:
    kind: queue
    setting: social_care
    servers: {reablement}
    duration: {{lognormal: {{mean: 10 days, sd: 8 days}}}}
    routes: [{{to: home, p: 1}}]
  at_home:
    kind: delay
    setting: community
    duration: {{exponential: {{mean: 5 days}}}}
    routes: [{{to: home, p: 1}}]
"""


def chain(reablement: int, onward: str = "reablement", horizon: str = "60 days", seed: int = 3):
    net = build_network(parse_config(CHAIN.format(reablement=reablement, onward=onward, horizon=horizon)))
    log = run_engine(net, make_draws(net, seed, 0))
    return net, log


def at(net, warm_up_days: float):
    return dataclasses.replace(net, warm_up=warm_up_days * DAY)


def test_no_downstream_capacity_fills_the_ward_and_delays_grow():
    net, log = chain(reablement=0)
    occ = hourly_occupancy(log, net, "ward")
    # the ward ends full: 40 beds, every one held by a patient waiting for reablement
    assert np.all(occ[-24 * 30:] == 40.0)
    # delayed bed days per week, from the log cut at successive horizons
    per_week = []
    for w in range(8):
        cut = dataclasses.replace(log, horizon=(w + 1) * 7 * DAY)
        per_week.append(measure(cut, at(net, 7 * w))["delayed_bed_days"])
    assert per_week[0] < per_week[1] < per_week[2]
    # once full, every bed-minute is a delayed one
    assert per_week[-1] == pytest.approx(40 * 7, rel=1e-12)
    # and they grow with the horizon: cumulative delayed bed days
    m30 = measure(dataclasses.replace(log, horizon=30 * DAY), net)["delayed_bed_days"]
    m60 = measure(log, net)["delayed_bed_days"]
    assert m60 - m30 == pytest.approx(40 * 30, rel=1e-12)
    # the patients behind them queue for a bed without limit
    m = measure(log, net)
    assert m["node.reablement.served"] == 0
    assert m["node.ward.wait_mean"] > 0


@pytest.mark.parametrize("onward, servers", [("reablement", 10_000), ("at_home", 0)])
def test_ample_downstream_capacity_means_no_delayed_bed_days(onward, servers):
    net, log = chain(reablement=servers, onward=onward)
    m = measure(log, net)
    assert m["node.ward.bed_days"] > 0
    assert m["delayed_bed_days"] == 0.0
    assert m["node.ward.delayed_bed_days"] == 0.0
    ward = log.node == net.node_names.index("ward")
    served = ward & ~np.isnan(log.depart)
    np.testing.assert_array_equal(log.depart[served], log.end[served])


# ------------------------------------------------------------- linking blocked visits
LINKED = """
name: blocked transfers inside ED and between acute wards
run: {horizon: 40 days, warm_up: 0 days}
sources: {s: {to: ed, rate: 40 per day}}
services:
  ed: {kind: queue, setting: ed, servers: 30, duration: {fixed: {value: 1 h}},
       routes: [{to: cdu, p: 1, blocking: true}]}
  cdu: {kind: queue, setting: ed, servers: 2, duration: {fixed: {value: 1 h}}, routes: [{to: ward_a, p: 1}]}
  ward_a: {kind: queue, setting: acute, bed: true, servers: 100, duration: {fixed: {value: 1 day}},
           routes: [{to: ward_b, p: 1, blocking: true}]}
  ward_b: {kind: queue, setting: acute, bed: true, servers: 1, duration: {fixed: {value: 1 h}},
           routes: [{to: home, p: 1}]}
"""


def test_a_blocked_transfer_continues_the_ed_attendance_and_the_admission():
    """ED -> CDU and ward_a -> ward_b are blocking moves that often wait: one ED
    attendance and one admission per patient, however long the wait."""
    net = build_network(parse_config(LINKED))
    log = run_engine(net, make_draws(net, 9, 0))
    m = measure(log, net)
    blocked = ~np.isnan(log.end) & (np.where(np.isnan(log.depart), log.horizon, log.depart) > log.end)
    assert blocked[log.node == 0].sum() > 0 and blocked[log.node == 2].sum() > 0
    assert m["ed_attendances"] == log.patients
    took_acute_bed = np.isin(log.node, [2, 3]) & ~np.isnan(log.start)
    assert m["admissions"] == len(np.unique(log.patient[took_acute_bed]))


# ------------------------------------------------------------- direction, default config
def default_with(changes: dict):
    data, pos = load_data(default_config_path())
    data["run"].update(horizon="120 days", warm_up="30 days")
    for node, servers in changes.items():
        svc = data["services"][node]
        if "schedule" in svc:
            svc["schedule"]["hours"] = [h + servers for h in svc["schedule"]["hours"]]
        else:
            svc["servers"] += servers
    net = build_network(validate_data(data, pos, "default.yaml"))
    return measure(run_engine(net, make_draws(net, 2026, 0)), net)


@pytest.fixture(scope="module")
def baseline():
    return default_with({})


def test_fewer_ed_cubicles_more_breaches(baseline):
    # compared with 4 cubicles fewer: on the seasonal default (spring, wards ~92% full) most
    # breaches are waits for a bed, so 8 more cubicles change breaches by less than the noise
    # of one replication; 4 fewer raise them under every seed tried (2026, 1, 2)
    fewer = default_with({"ed": -4})
    assert baseline["four_hour_breaches"] < fewer["four_hour_breaches"]
    assert fewer["ed_attendances"] == pytest.approx(baseline["ed_attendances"], rel=0.01)


def test_more_reablement_fewer_delayed_bed_days(baseline):
    # compared with 40 packages fewer: in the 120-day run the calibrated default's reablement
    # (holds before packages start) does not queue, so 40 more packages change nothing
    fewer = default_with({"reablement": -40})
    assert baseline["delayed_bed_days"] < fewer["delayed_bed_days"]
    assert baseline["node.reablement.wait_mean"] < fewer["node.reablement.wait_mean"]


def test_more_ward_beds_fewer_breaches(baseline):
    more = default_with({"acute_medicine": 40, "elderly_care": 40})
    assert more["four_hour_breaches"] < baseline["four_hour_breaches"]
