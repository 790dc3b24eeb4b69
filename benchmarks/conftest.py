"""Shared helpers for the benchmark suites (run with: pytest benchmarks --benchmark-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.config import load_config, parse_config
from flowsim.network import build_network

CONFIGS = Path(__file__).parents[1] / "src" / "flowsim" / "data" / "configs"

MMC = """
name: M/M/c
run: {horizon: 365 days, seed: 1}
sources:
  arrivals: {to: server, rate: 1440 per day}
services:
  server:
    kind: queue
    setting: acute
    servers: 12
    duration: {exponential: {mean: 10 min}}
    routes: [{to: home, p: 1}]
"""


def network(name: str, days: float = 365.0):
    cfg = parse_config(MMC) if name == "mmc" else load_config(CONFIGS / f"{name}.yaml")
    run = cfg.run.model_copy(update={"horizon": days * 1440.0, "warm_up": 0.0})
    return build_network(cfg.model_copy(update={"run": run}))


@pytest.fixture(scope="session")
def warm_compiled():
    """Compile (or load from the cache) before timing: compile time is reported apart."""
    from flowsim.draws import make_draws
    from flowsim.engines.compiled import run_compiled
    net = network("ed_single", 5)
    run_compiled(net, make_draws(net, 1, 0))
    from flowsim.simulate import run_replication
    for warm in (net, network("default", 2)):   # the streaming specialisations (no log)
        run_replication(warm, 1, 0, "compiled")
