"""Escalation beds: open on occupancy, close below a lower threshold, in both engines."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.cli import main
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.engines.simpy_engine import run_simpy
from flowsim.metrics import measure
from flowsim.warmstart import census_draws
from flowsim.warmstart.snapshot import census_at

from chain_model import CHAIN, chain_network
from test_engine_equivalence import assert_same_log

BEDS, OPEN_AT, CLOSE_BELOW = 8, 42, 36
ESCALATED = CHAIN.replace("""    servers: 45
""", f"""    servers: 45
    escalation: {{beds: {BEDS}, open_at: {OPEN_AT}, close_below: {CLOSE_BELOW}, cost_per_bed_day: 450}}
""")


def _busy_at(log, node, t):
    """Servers held at ``node`` just after minute ``t`` (visits with start <= t < depart)."""
    at = log.node == node
    depart = np.where(np.isnan(log.depart), np.inf, log.depart)
    return int(np.sum(at & (log.start <= t) & (depart > t)))


@pytest.fixture(scope="module")
def runs():
    net = chain_network(120, ESCALATED)
    out = []
    for rep in range(3):
        d = make_draws(net, 3, rep)
        out.append((run_simpy(net, d), run_compiled(net, d)))
    return net, out


def assert_same_openings(a, b):
    assert a.meta["escalation"]["node"] == b.meta["escalation"]["node"]
    for k in ("open", "close"):
        np.testing.assert_allclose(b.meta["escalation"][k], a.meta["escalation"][k], rtol=1e-9, equal_nan=True)


def test_engines_identical_logs_and_openings(runs):
    net, out = runs
    for a, b in out:
        assert_same_log(a, b)
        assert_same_openings(a, b)
    assert sum(len(a.meta["escalation"]["open"]) for a, _ in out) > 3  # the test exercises openings


def test_opens_only_at_threshold_closes_below_and_never_exceeds_maximum(runs):
    net, out = runs
    ward = net.node_names.index("ward")
    for log, _ in out:
        esc = log.meta["escalation"]
        for t_open, t_close in zip(esc["open"], esc["close"]):
            assert _busy_at(log, ward, t_open) >= OPEN_AT  # opened when open_at beds were held
            if not np.isnan(t_close):
                assert _busy_at(log, ward, t_close) < CLOSE_BELOW
        # never more than servers + beds held at once (checked at every start)
        starts = log.start[(log.node == ward) & ~np.isnan(log.start)]
        assert max(_busy_at(log, ward, t) for t in starts) <= 45 + BEDS
        # beyond 45 only while escalation beds are open
        over = [t for t in starts if _busy_at(log, ward, t) > 45]
        for t in over:
            assert any(o <= t and (np.isnan(c) or t < c) for o, c in zip(esc["open"], esc["close"]))


def test_metrics_and_cost(runs):
    net, out = runs
    log = out[0][0]
    m = measure(log, net)
    esc = log.meta["escalation"]
    close = np.where(np.isnan(esc["close"]), log.horizon, esc["close"])
    want = BEDS * float(np.sum(close - np.array(esc["open"]))) / 1440.0
    assert m["node.ward.escalation_bed_days"] == pytest.approx(want)
    assert m["node.ward.escalation_openings"] == len(esc["open"])
    assert m["node.ward.escalation_cost"] == pytest.approx(450 * want)
    # the ledger charges it as capacity to the ward's payer (the chain prices nothing else)
    assert m["cost_total"] == pytest.approx(450 * want)
    if "cost.capacity" in m:
        assert m["cost.capacity"] == pytest.approx(450 * want)
        assert m["cost.nhs_acute"] == pytest.approx(450 * want)
    plain = chain_network(120)
    assert "node.ward.escalation_bed_days" not in measure(run_simpy(plain, make_draws(plain, 3, 0)), plain)


def test_more_escalation_beds_fewer_blocked_in_ed():
    # direction: escalation beds take ED patients waiting for a ward bed sooner
    plain, esc = chain_network(120), chain_network(120, ESCALATED)
    waits = []
    for net in (plain, esc):
        waits.append(np.mean([measure(run_compiled(net, make_draws(net, 5, r)), net)["node.ward.wait_mean"]
                              for r in range(4)]))
    assert waits[1] < waits[0]


def test_census_with_escalation_identical_in_both_engines():
    net80, net = chain_network(80, ESCALATED), chain_network(30, ESCALATED)
    census = census_at(run_simpy(net80, make_draws(net80, 2, 0)), net80)
    d = census_draws(net, census, 4, 0)
    a, b = run_simpy(net, d), run_compiled(net, d)
    assert_same_log(a, b)
    assert_same_openings(a, b)
    assert a.meta["escalation"]["open"][0] == 0.0  # the census alone fills the ward past open_at


@pytest.mark.parametrize("yaml_bit, expect", [
    ("escalation: {beds: 5, open_at: 50, close_below: 40}", "open_at <= servers"),
    ("escalation: {beds: 5, open_at: 40, close_below: 41}", "close_below <= open_at"),
    ("escalation: {beds: 0, open_at: 40, close_below: 30}", "beds"),
])
def test_bad_escalation_is_a_config_error(tmp_path, capsys, yaml_bit, expect):
    p = tmp_path / "bad.yaml"
    p.write_text(CHAIN.replace("    servers: 45\n", f"    servers: 45\n    {yaml_bit}\n"), encoding="utf-8")
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert "services.ward" in err and "escalation" in err and expect in err and "bad.yaml:" in err
