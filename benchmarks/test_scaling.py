"""Scaling: patients/s as the horizon grows, and memory of the event log per million patients."""

from __future__ import annotations

import pytest

from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled

from conftest import network


@pytest.mark.parametrize("days", [30, 365, 5 * 365])
def test_compiled_horizon(benchmark, days, warm_compiled):
    benchmark.group = "scaling:ed_ward_reablement"
    net = network("ed_ward_reablement", days)
    draws = make_draws(net, 1, 0)
    benchmark.extra_info["patients"] = draws.n_patients
    log = benchmark.pedantic(run_compiled, args=(net, draws), rounds=5, iterations=1)
    nbytes = sum(c.nbytes for c in log.columns().values())
    benchmark.extra_info["log_bytes_per_patient"] = nbytes / draws.n_patients
    benchmark.extra_info["log_MB_per_million_patients"] = nbytes / draws.n_patients
