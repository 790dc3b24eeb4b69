"""Metrics measured as the compiled loop runs (``stream_metrics``) against the event-log metrics.

One compiled run that both measures as it runs and keeps its log gives both sides from
the same events: every metric must be equal, up to the order of floating-point summation
(sums of minutes and costs: 1e-9 relative). The log is the same as the SimPy engine's
(test_engine_equivalence), so this holds the streaming path to the reference engine too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flowsim.config import validate_data
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled, run_compiled_streamed
from flowsim.errors import ConfigError
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.simulate import run_replication
from flowsim.stream_metrics import measure_streamed
from flowsim.streamed import streamable

from test_engine_equivalence import assert_same_log, networks, networks_with_interventions


def assert_same_metrics(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for k in a:
        x, y = a[k], b[k]
        if math.isnan(x):
            assert math.isnan(y), k
        else:
            assert y == pytest.approx(x, rel=1e-9, abs=1e-9), k


def _both(net, draws):
    """(log metrics, streamed metrics) of one compiled run; and the streamed run without a log
    must give the same sums."""
    stream, log = run_compiled_streamed(net, draws, keep_log=True)
    alone, none = run_compiled_streamed(net, draws)
    assert none is None
    np.testing.assert_array_equal(alone.na, stream.na)
    np.testing.assert_array_equal(alone.tot, stream.tot)
    assert_same_log(run_compiled(net, draws), log)
    return measure(log, net), measure_streamed(stream, net)


def _net(data):
    try:
        return build_network(validate_data(data))
    except ConfigError:  # a generated model the config checks refuse
        assume(False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=networks(), rep=st.integers(0, 3), warm=st.integers(0, 3))
def test_random_networks_streamed_equal_log_metrics(data, rep, warm):
    data["run"]["warm_up"] = f"{warm} days"
    net = _net(data)
    assert streamable(net)
    assert_same_metrics(*_both(net, make_draws(net, 5, rep)))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=networks_with_interventions(), rep=st.integers(0, 3))
def test_random_networks_with_interventions_streamed_equal_log_metrics(data, rep):
    net = _net(data)
    assume(streamable(net))  # assessments keep to the log path
    assert_same_metrics(*_both(net, make_draws(net, 5, rep)))


def _short(path, days, active=()):
    """A bundled config run for ``days`` days (warm-up at most half of it), with interventions ``active``."""
    import yaml
    with open(path) as f:
        data = yaml.safe_load(f)
    data["run"]["horizon"] = f"{days} days"
    data["run"]["warm_up"] = f"{min(days // 2, 10)} days"
    if active:
        data["active_interventions"] = list(active)
    return build_network(validate_data(data))


@pytest.mark.parametrize("path, active", [("configs/default.yaml", ()),
                                          ("configs/default.yaml", ("faster_arranging",)),
                                          ("src/flowsim/data/configs/ed_ward_reablement.yaml", ())])
def test_bundled_configs_streamed_equal_log_metrics(path, active):
    net = _short(path, 40, active)
    assert streamable(net)
    a, b = _both(net, make_draws(net, 7, 0))
    assert_same_metrics(a, b)
    assert a["ed_attendances"] > 0 and a["admissions"] > 0  # the episodes were exercised


def test_run_replication_streams_unless_the_log_is_asked_for():
    net = _short("configs/default.yaml", 20)
    m, log, _ = run_replication(net, 3, 1, "compiled")
    assert log is None
    m2, log2, _ = run_replication(net, 3, 1, "compiled", keep_log=True)
    assert log2 is not None and len(log2) > 0
    assert_same_metrics(m2, m)
    m3, log3, _ = run_replication(net, 3, 1, "simpy")  # the reference engine always keeps its log
    assert log3 is not None
    assert m3["patients"] == m["patients"]


def test_features_that_join_visits_keep_to_the_log_path():
    iv = {"source": "test", "at": "n0", "assessment": {"by": "n1", "within": "60 min"}, "duration_scale": {"n0": 0.8}}
    data = {"name": "x", "run": {"horizon": "5 days"}, "cohorts": ["a"],
            "sources": {"s": {"to": "n0", "rate": "10 per day"}},
            "services": {"n0": {"kind": "queue", "setting": "acute", "servers": 2, "duration": {"exponential": {"mean": "60 min"}},
                                "routes": [{"to": "home", "p": 1}]},
                         "n1": {"kind": "queue", "setting": "social_care", "servers": 1, "duration": {"exponential": {"mean": "30 min"}},
                                "routes": [{"to": "home", "p": 1}]}},
            "interventions": {"liaison": iv}, "active_interventions": ["liaison"]}
    net = build_network(validate_data(data))
    assert not streamable(net)
    data["active_interventions"] = []
    assert streamable(build_network(validate_data(data)))
