"""The memory estimate before a run (flowsim.memory) against what a run allocates, and the
refusal of a run that cannot fit."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import flowsim
from flowsim import build_network, parse_config
from flowsim.draws import make_draws
from flowsim.memory import available_bytes, estimate_replication, expected_patients
from flowsim.simulate import run_replication, warm_once

CHAIN = """
name: chain
run: {horizon: 60 days, warm_up: 5 days, seed: 3}
cohorts: [general, frail]
sources:
  walk_in: {to: ed, rate: 300 per day, cohorts: {general: 0.7, frail: 0.3}}
  gp: {to: ward, rate: 40 per day}
services:
  ed: {kind: queue, setting: ed, servers: 40, duration: {lognormal: {mean: 2 h, sd: 1 h}},
       routes: [{to: ward, p: 0.25, blocking: true}, {to: home, p: 0.75}]}
  ward: {kind: queue, setting: acute, bed: true, servers: 800, duration: {exponential: {mean: 4 days}},
         routes: [{to: review, p: 0.2}, {to: home, p: 0.8}]}
  review: {kind: delay, setting: community, duration: {exponential: {mean: 1 day}},
           routes: [{to: review, p: 0.5}, {to: home, p: 0.5}]}
"""


@pytest.fixture(scope="module")
def net():
    return build_network(parse_config(CHAIN))


def test_expected_patients_and_visits_match_a_run(net):
    est = estimate_replication(net)
    d = make_draws(net, 3, 0)
    # Poisson arrivals: the count is within 4 sd of its mean (sd = sqrt(mean))
    assert abs(d.n_patients - expected_patients(net)) < 4 * np.sqrt(expected_patients(net))
    _, log, _ = run_replication(net, 3, 0, "compiled", keep_log=True)
    # visits per patient: ed 0.7 + ward (0.3 x 0.25 + gp) ... + review's geometric revisits; a
    # tie-free run of ~20,000 patients is within 3% of the chain's expectation
    assert len(log.patient) == pytest.approx(est.visits * d.n_patients / est.patients, rel=0.03)


def _traced_peak(net, seed: int, keep_log: bool) -> int:
    """Peak bytes traced while one replication runs (the loop warmed first)."""
    warm_once(net, "compiled")
    tracemalloc.start()
    try:
        run_replication(net, seed, 0, "compiled", keep_log=keep_log)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("keep_log", [True, False], ids=["log kept", "measured as it runs"])
def test_estimate_bounds_the_measured_peak_closely(net, keep_log):
    est = estimate_replication(net, keep_log)
    peak = _traced_peak(net, 3, keep_log)
    # errs high, but not by so much that it refuses runs that fit
    assert peak <= est.bytes <= 1.6 * peak, (peak, est.bytes)


def _cli(*args, **env):
    src = str(Path(flowsim.__file__).resolve().parents[1])
    e = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    return subprocess.run([sys.executable, "-m", "flowsim.cli", "run", *args], capture_output=True, text=True,
                          env=e, timeout=120)


def test_a_run_that_cannot_fit_is_refused_before_it_starts(tmp_path):
    # ~44 million patients in one replication (under the config's 50 million cap): ~14 GB, with half that free
    big = CHAIN.replace("300 per day", "12000 per day").replace("60 days", "3650 days")
    need = estimate_replication(build_network(parse_config(big)), keep_log=False).bytes  # as flowsim run
    cfg = tmp_path / "big.yaml"
    cfg.write_text(big, encoding="utf-8")
    out = _cli(str(cfg), FLOWSIM_MEMORY_AVAILABLE=str(int(min(need / 2, available_bytes() or need))))
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert lines[0].startswith("flowsim: error: memory: this run would not fit in memory")
    assert "is available" in lines[0] and "--horizon" in lines[0]


def test_refusal_counts_the_workers(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(CHAIN, encoding="utf-8")
    one = estimate_replication(build_network(parse_config(CHAIN))).bytes
    # room for one replication, not for two worker processes each running one
    out = _cli(str(cfg), "--replications", "2", "--workers", "2", "-q",
               FLOWSIM_MEMORY_AVAILABLE=str(int(1.5 * one)))
    assert out.returncode == 2 and "2 replications at once need" in out.stderr and "--workers 1" in out.stderr


def test_an_experiment_that_cannot_fit_is_refused_before_a_store_is_made(tmp_path):
    model = tmp_path / "c.yaml"
    model.write_text(CHAIN, encoding="utf-8")
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: e\nmodel: {model}\nscenarios: {{baseline: }}\nreplications: 2\n", encoding="utf-8")
    src = str(Path(flowsim.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=src, FLOWSIM_MEMORY_AVAILABLE="1000000")
    out = subprocess.run([sys.executable, "-m", "flowsim.cli", "experiment", str(exp), "--workers", "1",
                          "--out", str(tmp_path / "store")], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 2 and "would not fit in memory" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "store").exists()


def test_a_malformed_memory_override_is_a_usage_error(tmp_path):
    model = tmp_path / "c.yaml"
    model.write_text(CHAIN, encoding="utf-8")
    src = str(Path(flowsim.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=src, FLOWSIM_MEMORY_AVAILABLE="12GB")
    out = subprocess.run([sys.executable, "-m", "flowsim.cli", "run", str(model), "-q"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "FLOWSIM_MEMORY_AVAILABLE: expected a number of bytes >= 0, found '12GB'" in out.stderr


# ------------------------------------------------------------------ a population with readmissions
@pytest.fixture(scope="module")
def population_net():
    from flowsim.cli import default_config_path
    from flowsim.config.scenarios import load_scenario

    cfg = load_scenario(default_config_path().parent / "population.yaml")
    cfg = cfg.model_copy(update={"run": cfg.run.model_copy(update={"horizon": 120 * 1440.0, "warm_up": 10 * 1440.0})})
    return build_network(cfg)


def test_return_columns_are_enough_and_never_change_a_number(population_net, monkeypatch):
    # the draws start with the columns memory.return_columns_for expects to be enough: the compiled
    # loop does not run the replication again for more; and starting with 2 (extended by the loop's
    # reruns) gives the same metrics, each column being its own stream
    from flowsim import draws as draws_mod

    net = population_net
    calls = []
    real = draws_mod.Draws.extend_returns
    monkeypatch.setattr(draws_mod.Draws, "extend_returns", lambda self: (calls.append(1), real(self))[1])
    full, _, _ = run_replication(net, 5, 0, "compiled")
    assert calls == []
    monkeypatch.setattr(draws_mod, "return_columns_for", lambda net, P, first=2: first)
    few, _, _ = run_replication(net, 5, 0, "compiled")
    assert len(calls) >= 1  # two columns are not enough for 120 days: the loop ran again with more
    assert few.keys() == full.keys()
    assert all(few[k] == full[k] or (few[k] != few[k] and full[k] != full[k]) for k in full)  # NaN: no servers


def test_estimate_bounds_the_peak_of_a_population_with_readmissions(population_net):
    # not measured as it runs (readmissions): the estimate counts the log path and the return columns
    net = population_net
    est = estimate_replication(net, keep_log=False)
    peak = _traced_peak(net, 5, keep_log=False)
    assert peak <= est.bytes <= 1.6 * peak, (peak, est.bytes)
