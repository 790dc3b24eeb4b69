"""Shared fixtures: a tiny model with every kind of intervention."""

from __future__ import annotations

import pytest

TINY = """\
name: Tiny ED and ward with interventions
run: {horizon: 40 days, warm_up: 5 days, replications: 2, seed: 11}
cohorts: [general, mental_health]
sources:
  walk_in:
    to: ed
    rate: 120 per day
    cohorts: {general: 0.8, mental_health: 0.2}
services:
  ed:
    kind: queue
    setting: ed
    servers: 20
    duration: {lognormal: {mean: 3 h, sd: 2 h}}
    routes:
      - {to: ward, p: 0.3, blocking: true}
      - {to: home, p: 0.7}
  liaison:
    kind: queue
    setting: acute
    servers: 2
    duration: {lognormal: {mean: 40 min, sd: 15 min}}
    routes: [{to: home, p: 1}]
  home_care:
    kind: queue
    setting: social_care
    servers: 8
    duration: {lognormal: {mean: 2 days, sd: 1 day}}
    routes: [{to: home, p: 1}]
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 400
    duration: {lognormal: {mean: 5 days, sd: 4 days}}
    routes:
      - {to: home, p: 0.85}
      - {to: home_care, p: 0.10, blocking: true}   # waits in its bed for home care
      - {to: died, p: 0.05}
interventions:
  fewer_admissions: {source: test, at: ed, cohort: mental_health, route_scale: {ward: 0.5}}
  shorter_stays: {source: test, cohort: mental_health, duration_scale: {ward: 0.5}}
  prevention: {source: test, cohort: mental_health, thin: {walk_in: 0.3}}
  social_worker: {source: test, at: ed, divert: {instead_of: ward, to: home_care}}
  raid:
    source: test
    at: ed
    cohort: mental_health
    assessment: {by: liaison, within: 1 h}
    route_scale: {ward: 0.5}
    duration_scale: {ward: 0.5}
scenarios:
  small_ward: {set: {services.ward.servers: 195}}
  more_home_care: {set: {services.home_care.servers: 10}}
  fewer_admissions: {interventions: [fewer_admissions]}
  shorter_stays: {interventions: [shorter_stays]}
  prevention: {interventions: [prevention]}
  social_worker: {interventions: [social_worker]}
  raid: {interventions: [raid]}
"""


@pytest.fixture
def tiny_text() -> str:
    return TINY


@pytest.fixture
def tiny_path(tmp_path):
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY, encoding="utf-8")
    return p


@pytest.fixture(autouse=True)
def _run_in_process_by_default(monkeypatch):
    """``flowsim run`` without ``--workers`` uses every core; in-process tests run its
    replications here instead, so that dozens of short CLI runs do not each start a
    process pool (test_run_workers.py runs the pool on purpose, with --workers)."""
    monkeypatch.setattr("flowsim.simulate.default_workers", lambda: 1)


@pytest.fixture(scope="session", autouse=True)
def _compiled_engine_once(tmp_path_factory):
    """Compile (or load from the cache) the four specialisations of the compiled loop once per
    test session, before the first test: without and with interventions, each measuring as it
    runs and writing an event log. The suite uses all four; compiled here, no single test pays
    a first compile (~20-40 s of CPU each, docs in benchmarks/README.md), and subprocesses and
    process-pool workers of later tests load them from the cache instead of each compiling the
    ones nobody had compiled yet."""
    from flowsim.config.scenarios import load_scenario
    from flowsim.engines._loop import run_loop
    from flowsim.network import build_network
    from flowsim.simulate import warm_once
    p = tmp_path_factory.mktemp("warm") / "tiny.yaml"
    p.write_text(TINY, encoding="utf-8")
    for scenario in ("baseline", "fewer_admissions"):  # no intervention active; a route_scale
        net = build_network(load_scenario(p, scenario))
        warm_once(net, "compiled")               # measured as it runs (streamed.streamable)
        warm_once(net, "compiled", census=True)  # the event log (what a warm start runs)
    if hasattr(run_loop, "signatures"):  # not under NUMBA_DISABLE_JIT=1
        assert len(run_loop.signatures) == 4, run_loop.signatures
