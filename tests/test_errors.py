"""The exception tree in use: an engine or a worker that fails gives a SimulationError or an
ExecutorError naming scenario, replication and seed; the command line prints one line, exit 2."""

from __future__ import annotations

import os

import pytest

from flowsim import ExecutorError, FlowsimError, SimulationError, build_network, make_draws
from flowsim.cli import main
from flowsim.config.scenarios import load_scenario
from flowsim.engines import run_engine
from flowsim.errors import one_line
from flowsim.experiment.executors import ProcessExecutor, SerialExecutor
from flowsim.simulate import run_replication


@pytest.fixture(scope="module")
def tiny_net(tmp_path_factory):
    from conftest import TINY
    p = tmp_path_factory.mktemp("errors") / "tiny.yaml"
    p.write_text(TINY.replace("horizon: 40 days, warm_up: 5 days", "horizon: 3 days, warm_up: 1 day"))
    return p, build_network(load_scenario(p, "small_ward"))


def test_the_tree():
    for cls in (SimulationError, ExecutorError):
        assert issubclass(cls, FlowsimError)
    e = SimulationError("it broke", replication=3, seed=42, engine="simpy")
    assert str(e) == "it broke (replication 3, seed 42, engine simpy)"
    e.scenario = "raid"
    assert str(e) == "it broke (scenario 'raid', replication 3, seed 42, engine simpy)"
    assert str(ExecutorError("plain")) == "plain"
    assert one_line(ValueError("first\nsecond")) == "ValueError: first" and one_line(KeyError()) == "KeyError"
    assert one_line(MemoryError()).startswith("out of memory")


def test_simpy_engine_failure_is_a_simulation_error(tiny_net):
    """A negative service time (corrupt draws) makes SimPy raise ValueError('Negative delay'):
    it leaves run_engine as a SimulationError with the replication, seed and engine."""
    _, net = tiny_net
    draws = make_draws(net, 7, 2)
    ed, C = net.node_names.index("ed"), len(net.cohorts)
    draws.tables.dcode[ed] = 0  # fixed ...
    draws.tables.dpar[ed * C:(ed + 1) * C, 0] = -1.0  # ... at -1 minute
    with pytest.raises(SimulationError) as info:
        run_engine(net, draws, "simpy")
    e = info.value
    assert (e.replication, e.seed, e.engine) == (2, 7, "simpy") and isinstance(e.__cause__, ValueError)
    assert "Negative delay" in str(e) and "\n" not in str(e)


def test_compiled_engine_failure_is_a_simulation_error(tiny_net, monkeypatch):
    """No bare RuntimeError escapes the compiled engine (a status the loop should never give)."""
    from flowsim.engines import _loop
    _, net = tiny_net
    monkeypatch.setattr(_loop, "run_loop", lambda *a: 99)
    with pytest.raises(SimulationError, match=r"unknown status 99 \(replication 1, seed 5, engine compiled\)"):
        run_engine(net, make_draws(net, 5, 1), "compiled")
    with pytest.raises(SimulationError) as info:  # run_replication adds the scenario
        run_replication(net, 5, 1, "compiled", scenario="small_ward")
    assert (info.value.scenario, info.value.replication, info.value.seed) == ("small_ward", 1, 5)


def test_compiled_buffer_that_never_suffices_is_a_simulation_error(tiny_net, monkeypatch):
    """A loop that keeps asking for a bigger event log: the engine doubles it until the
    allocation fails (numpy allocates lazily: nothing is touched), and the MemoryError (or
    "array is too big") leaves as a SimulationError naming the replication and seed."""
    from flowsim.engines import _loop
    _, net = tiny_net
    monkeypatch.setattr(_loop, "run_loop", lambda *a: _loop.LOG_FULL)
    with pytest.raises(SimulationError, match=r"the compiled engine failed: .*\(replication 0, seed 1, engine compiled\)"):
        run_engine(net, make_draws(net, 1, 0), "compiled")


def test_cli_prints_one_line_and_exits_2(tiny_net, monkeypatch, capsys):
    from flowsim.engines import simpy_engine
    path, _ = tiny_net

    def broken(net, draws):
        raise RuntimeError("state the engine never reaches\nwith a second line")
    monkeypatch.setattr(simpy_engine, "run_simpy", broken)
    code = main(["run", str(path), "--scenario", "small_ward", "--engine", "simpy", "--seed", "8", "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "scenario 'small_ward', replication 0, seed 8, engine simpy" in err
    assert "RuntimeError: state the engine never reaches" in err


def _who(a):
    return {"scenario": "s", "replication": a[0], "seed": 99}


def test_serial_executor_task_that_raises_is_an_executor_error():
    with pytest.raises(ExecutorError) as info:
        list(SerialExecutor().map_unordered(lambda r: 1 / (r - 1), [(0,), (1,)], who=_who))
    assert (info.value.scenario, info.value.replication, info.value.seed) == ("s", 1, 99)
    assert "ZeroDivisionError" in str(info.value)


def test_worker_that_dies_is_an_executor_error():
    """A worker process that exits (as when killed) breaks the pool: an ExecutorError names the
    task it was running, not a BrokenProcessPool traceback."""
    with ProcessExecutor(1) as ex:
        with pytest.raises(ExecutorError) as info:
            list(ex.map_unordered(os._exit, [(3,)], who=_who))
    assert (info.value.scenario, info.value.replication, info.value.seed) == ("s", 3, 99)
    assert "a worker failed: BrokenProcessPool" in str(info.value)
