"""Kernel suite: variates/s per distribution, arrival generation, metric reductions."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim import distributions as D
from flowsim.arrivals import arrival_times
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.metrics import measure

from conftest import network

N = 1_000_000
DISTS = {
    "fixed": (D.FIXED, [10.0, 0, 0, 0]),
    "exponential": (D.EXPONENTIAL, [10.0, 0, 0, 0]),
    "uniform": (D.UNIFORM, [1.0, 3.0, 0, 0]),
    "triangular": (D.TRIANGULAR, [1.0, 2.0, 5.0, 0]),
    "truncnormal": (D.TRUNCNORMAL, [10.0, 3.0, 0.0, np.inf]),
    "lognormal": (D.LOGNORMAL, [2.0, 0.5, 0, 0]),
    "gamma": (D.GAMMA, [2.0, 5.0, 0, 0]),
    "weibull": (D.WEIBULL, [1.5, 10.0, 0, 0]),
}


@pytest.mark.parametrize("name", list(DISTS))
def test_variates(benchmark, name):
    benchmark.group = "kernels:variates (1e6 per call)"
    code, params = DISTS[name]
    rng = np.random.default_rng(0)
    benchmark(D.sample, code, np.array(params, dtype=float), rng, N)


def test_empirical(benchmark):
    benchmark.group = "kernels:variates (1e6 per call)"
    vals = [np.array([1.0, 2.0, 5.0, 10.0])]
    cum = [np.array([0.1, 0.5, 0.9, 1.0])]
    benchmark(D.sample, D.EMPIRICAL, np.zeros(4), np.random.default_rng(0), N, vals, cum)


def test_arrivals_year(benchmark):
    benchmark.group = "kernels:arrivals"
    net = network("default")
    rate = net.source_rate[0]
    benchmark(lambda: arrival_times(np.random.default_rng(0), rate, 365 * 1440.0))


@pytest.fixture(scope="module")
def year_log():
    net = network("ed_ward_reablement")
    return net, run_compiled(net, make_draws(net, 1, 0))


def test_measure(benchmark, year_log):
    benchmark.group = "kernels:metrics"
    net, log = year_log
    benchmark(measure, log, net)
