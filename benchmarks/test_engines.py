"""Engine suite: one replication of one simulated year, draws made outside the timing,
compile excluded (warmed up first). Patients/s = patients arrived / median time."""

from __future__ import annotations

import pytest

from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.engines.simpy_engine import run_simpy

from conftest import network
import idiomatic_simpy

MODELS = ["mmc", "ed_ward_reablement", "default"]


def _bench(benchmark, fn, net, draws, rounds):
    benchmark.extra_info["patients"] = draws.n_patients
    benchmark.pedantic(fn, args=(net, draws), rounds=rounds, iterations=1, warmup_rounds=0)


@pytest.mark.parametrize("model", MODELS)
def test_simpy_engine(benchmark, model):
    benchmark.group = f"engine:{model}"
    net = network(model)
    _bench(benchmark, run_simpy, net, make_draws(net, 1, 0), 3)


@pytest.mark.parametrize("model", MODELS)
def test_compiled_engine(benchmark, model, warm_compiled):
    benchmark.group = f"engine:{model}"
    net = network(model)
    _bench(benchmark, run_compiled, net, make_draws(net, 1, 0), 15)


def test_idiomatic_simpy(benchmark):
    benchmark.group = "engine:ed_ward_reablement"
    net = network("ed_ward_reablement")
    _bench(benchmark, idiomatic_simpy.run, net, make_draws(net, 1, 0), 3)


def _replication(net, engine):
    """A whole replication as a study runs it: draws, engine, metrics (the compiled
    engine measures as it runs and keeps no log, as ``flowsim run`` and experiments do)."""
    from flowsim.simulate import run_replication
    run_replication(net, 1, 0, engine)


@pytest.mark.parametrize("model", ["ed_ward_reablement", "default"])
@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_full_replication(benchmark, model, engine, warm_compiled):
    benchmark.group = f"replication:{model}"
    net = network(model)
    benchmark.extra_info["patients"] = make_draws(net, 1, 0).n_patients
    benchmark.pedantic(_replication, args=(net, engine), rounds=3 if engine == "simpy" else 15, iterations=1,
                       warmup_rounds=0)
