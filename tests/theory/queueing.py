"""Queueing formulas for the theory tests, written from first principles.

Erlang B and C by the standard stable recursion; both are cross-checked in
``test_erlang.py`` against the stationary distribution of the birth-death chain
solved by brute force. Also the simulation helpers the theory tests share:
run one replication of a YAML model, and t-intervals over replications.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from flowsim.config import parse_config
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.metrics import measure
from flowsim.network import build_network


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/G/c/c with offered load ``a`` = lambda E[S] (Erlangs)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load ``a`` < c."""
    if not a < c:
        raise ValueError("unstable: a >= c")
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mmc_wq(c: int, lam: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c: C(c, a) / (c mu - lambda)."""
    mu = 1.0 / mean_service
    return erlang_c(c, lam * mean_service) / (c * mu - lam)


def birth_death_stationary(c: int, lam: float, mu: float, k_max: int | None) -> np.ndarray:
    """Stationary distribution of the M/M/c queue (``k_max`` None: truncated far out)
    or the M/M/c/k_max loss system, by solving pi Q = 0 as a linear system."""
    n = (k_max if k_max is not None else c + 2000) + 1
    q = np.zeros((n, n))
    for k in range(n):
        if k + 1 < n:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, c) * mu
        q[k, k] = -q[k].sum()
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by normalisation
    a = q.T.copy()
    a[-1, :] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    return np.linalg.solve(a, rhs)


def simulate(yaml_text: str, seed: int, replication: int, engine: str = "simpy"):
    """One replication of a YAML model: (network, event log, metrics)."""
    net = build_network(parse_config(yaml_text))
    log = run_engine(net, make_draws(net, seed, replication), engine)
    return net, log, measure(log, net)


def t_interval(x, level: float) -> tuple[float, float, float]:
    """(mean, lo, hi) of the Student-t interval of the mean of ``x``."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    m = float(x.mean())
    hw = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - hw, m + hw


def batch_means(x, n_batches: int) -> np.ndarray:
    """Means of ``n_batches`` equal consecutive batches of a series (the tail is dropped)."""
    x = np.asarray(x, dtype=float)
    size = len(x) // n_batches
    return x[: size * n_batches].reshape(n_batches, size).mean(axis=1)
