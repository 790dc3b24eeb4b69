"""The public surface stays honest: every name in __all__ exists, and nothing else leaks."""

import flowsim


def test_all_names_exist():
    for name in flowsim.__all__:
        assert hasattr(flowsim, name), name


def test_all_is_unique():
    assert len(set(flowsim.__all__)) == len(flowsim.__all__)


def test_public_functions_are_documented():
    for name in flowsim.__all__:
        obj = getattr(flowsim, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"


def test_run_through_public_api():
    cfg = flowsim.parse_config(
        """
name: tiny
run: {horizon: 5 days, seed: 1}
sources: {a: {to: desk, rate: 20 per day}}
services:
  desk: {kind: queue, setting: primary, servers: 1,
         duration: {exponential: {mean: 30 min}}, routes: [{to: home, p: 1}]}
""")
    res = flowsim.run_model(cfg)
    m = res.metrics[0]
    assert m["patients"] == res.patients[0] > 50
    assert m["node.desk.arrivals"] > 50
