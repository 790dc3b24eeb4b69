"""Route ``hold``: time to arrange a discharge, spent in the bed after service."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.config import parse_config
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.errors import ConfigError
from flowsim.metrics import measure
from flowsim.network import build_network

MODEL = """
name: hold
run: {{horizon: 40 days, seed: 1}}
cohorts: [general, frail]
sources:
  admissions: {{to: ward, rate: 12 per day, cohorts: {{general: 0.6, frail: 0.4}}}}
services:
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: {ward}
    duration: {{lognormal: {{mean: 3 days, sd: 2 days}}}}
    routes:
      - {{to: reablement, p: 0.4, blocking: true,
         hold: {{frail: {{lognormal: {{mean: 1.5 days, sd: 1.5 days}}}}, default: {{exponential: {{mean: 6 h}}}}}}}}
      - {{to: home, p: 0.5, hold: {{uniform: {{min: 1 h, max: 5 h}}}}}}
      - {{to: died, p: 0.1}}
  reablement:
    kind: queue
    setting: social_care
    servers: {reab}
    duration: {{lognormal: {{mean: 10 days, sd: 6 days}}}}
    routes: [{{to: home, p: 1}}]
"""


def net_of(ward=1000, reab=1000):
    return build_network(parse_config(MODEL.format(ward=ward, reab=reab)))


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_hold_adds_exactly_the_drawn_time_to_delayed_bed_days(engine):
    """With ample capacity everywhere, a bed's delayed time is exactly its hold."""
    net = net_of()
    draws = make_draws(net, 7, 0)
    log = run_engine(net, draws, engine)
    ward = net.node_names.index("ward")
    rows = np.flatnonzero((log.node == ward) & ~np.isnan(log.depart))
    assert len(rows) > 200
    expected = np.zeros(len(rows))
    for i, row in enumerate(rows):
        p, c = log.patient[row], log.cohort[row]
        a = net.route_start[ward, c]
        r = a + [net.dest_name(d) for d in net.route_dest[a:a + net.route_len[ward, c]]].index(
            net.dest_name(log.dest[row]))
        expected[i] = draws.hold(r, p, 0) if net.route_has_hold[r] else 0.0
    np.testing.assert_allclose(log.depart[rows] - log.end[rows], expected, rtol=1e-12, atol=1e-9)
    assert (expected > 0).sum() > 100
    # the next visit arrives when the hold ends
    nxt = {(p, n): a for p, n, a in zip(log.patient, log.node, log.arrive)}
    reab = net.node_names.index("reablement")
    for row in rows[log.dest[rows] == reab]:
        assert nxt[(log.patient[row], reab)] == pytest.approx(log.depart[row], rel=1e-12)
    # and the metrics count it as delayed bed days, still-held beds up to the horizon
    held = np.flatnonzero((log.node == ward) & ~np.isnan(log.end))
    until = np.where(np.isnan(log.depart[held]), log.horizon, log.depart[held])
    m = measure(log, net)
    assert m["delayed_bed_days"] == pytest.approx((until - log.end[held]).sum() / 1440.0, rel=1e-9)
    assert m["delayed_bed_days"] > 0


def test_hold_draws_do_not_depend_on_capacities_or_other_holds():
    a, b = make_draws(net_of(), 3, 1), make_draws(net_of(ward=20, reab=5), 3, 1)
    held = np.flatnonzero(net_of().route_has_hold)
    assert len(held) == 4  # 2 routes with a hold x 2 cohorts (a route list shared by cohorts)
    net = net_of()
    for r in held:  # a patient's hold on its own cohort's routes: the same with other capacities
        own = a.cohort == net.route_cohort[r]
        x = a.per_patient("hold", r, 2)[own]
        if net.route_dest[r] < 0 and net.dest_name(net.route_dest[r]) == "home":  # uniform 1 h .. 5 h
            assert (x >= 60).all() and (x <= 300).all()
        np.testing.assert_array_equal(x, b.per_patient("hold", r, 2)[own])
        assert np.isfinite(x).all() and (x > 0).all()
    # adding holds leaves every other draw unchanged
    plain = build_network(parse_config(MODEL.format(ward=1000, reab=1000).replace(
        "hold: {uniform: {min: 1 h, max: 5 h}}", "blocking: false")))
    c = make_draws(plain, 3, 1)
    for name in ("dur", "route_u"):
        for n in range(net.n_nodes):
            np.testing.assert_array_equal(a.per_patient(name, n, 2), c.per_patient(name, n, 2))


def test_holds_on_a_cycle_differ_by_visit():
    cfg = parse_config("""
name: cycle
run: {horizon: 30 days, seed: 1}
sources:
  s: {to: clinic, rate: 20 per day}
services:
  clinic:
    kind: queue
    setting: community
    servers: 3
    duration: {exponential: {mean: 30 min}}
    routes:
      - {to: clinic, p: 0.7, hold: {exponential: {mean: 2 days}}}
      - {to: home, p: 0.3, hold: {fixed: {value: 10 min}}}
""")
    net = build_network(cfg)
    d = make_draws(net, 2, 0)
    h = d.per_patient("hold", 0, 40)  # any visit has its own hold: nothing to extend
    assert np.isfinite(h).all() and len(np.unique(h)) == h.size
    a, b = run_engine(net, make_draws(net, 2, 0), "simpy"), run_engine(net, make_draws(net, 2, 0), "compiled")
    assert len(a) == len(b) and np.nanmax(a.depart - a.end) > 0


@pytest.mark.parametrize("hold, message", [
    ("{frial: {fixed: {value: 1 h}}, default: {fixed: {value: 1 h}}}", "unknown cohort 'frial'; did you mean 'frail'"),
    ("{frail: {fixed: {value: 1 h}}}", "no hold for cohort 'general' and no 'default'"),
    ("{fixed: {value: 2}}", r"routes.1.hold.fixed.value: expected a duration with a unit"),
])
def test_bad_holds_are_refused(hold, message):
    text = MODEL.format(ward=10, reab=10).replace("hold: {uniform: {min: 1 h, max: 5 h}}", f"hold: {hold}")
    with pytest.raises(ConfigError, match=message):
        parse_config(text)
