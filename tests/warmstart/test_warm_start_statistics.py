"""A warm start from a census forecasts what the continuing run does next.

For each of R replications of a blocking chain (ED -> ward -> reablement, lognormal,
gamma and Weibull stays), run 200 days, write the census at day 200, and compare the
ward's mean occupancy over the next 1 and 3 weeks in (a) the same replication
continued to day 221 and (b) a warm start from that census (other seeds: new
arrivals). The pairs share the state at day 200, so their difference has mean 0
exactly when the warm start reproduces the process given the census; the test asks
it to lie within 3.5 standard errors of 0 (two statistics: a false alarm about
once in 1,000 runs). Power: a warm start that draws fresh stays instead of stays
conditioned on the time already spent (spent = 0) must fail the same test; with
the seeds here it is ~6 standard errors away (measured: +2.95 beds in week 1,
se 0.37, over 160 replications).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.forecast import daily_occupancy
from flowsim.warmstart import census_draws
from flowsim.warmstart.snapshot import census_at

from chain_model import CHAIN, chain_network

T, W, R = 200, 21, 100
# not saturated: ward ~38 of 60 beds, reablement ~30 of 33 slots, some blocking
TEXT = CHAIN.replace("servers: 45", "servers: 60").replace("servers: 18", "servers: 33")


@pytest.fixture(scope="module")
def occupancy():
    """(continuing, warm, fresh-stay warm): (R, W) daily ward occupancy after day T."""
    net_c, net_t, net_w = (chain_network(d, TEXT) for d in (T + W, T, W))
    ward = list(np.flatnonzero(net_c.bed)).index(net_c.node_names.index("ward"))
    cont, warm, fresh = [], [], []
    for r in range(R):
        cont.append(daily_occupancy(run_compiled(net_c, make_draws(net_c, 7, r)), net_c)[ward, T:])
        census = census_at(run_compiled(net_t, make_draws(net_t, 7, r)), net_t)
        warm.append(daily_occupancy(run_compiled(net_w, census_draws(net_w, census, 8, r)), net_w)[ward])
        naive = dataclasses.replace(census, spent=np.zeros_like(census.spent))
        fresh.append(daily_occupancy(run_compiled(net_w, census_draws(net_w, naive, 8, r)), net_w)[ward])
    return np.array(cont), np.array(warm), np.array(fresh)


def _paired_z(a, b, days):
    d = a[:, :days].mean(axis=1) - b[:, :days].mean(axis=1)
    return d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))


@pytest.mark.parametrize("days", [7, 21])
def test_warm_start_occupancy_within_ci_of_the_continuing_run(occupancy, days):
    cont, warm, _ = occupancy
    assert abs(_paired_z(warm, cont, days)) < 3.5


def test_fresh_stays_instead_of_residual_stays_are_detected(occupancy):
    cont, _, fresh = occupancy
    assert _paired_z(fresh, cont, 7) > 3.5
