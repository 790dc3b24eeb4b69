"""Draws of a warm-started replication: the census patients first, then the sources'.

Census patient k (row k of the census) is patient k of the replication; source
patient p of ``make_draws`` becomes patient K + p with exactly the numbers it had
(the randomness contract: a census changes no source patient's draws). Census
patients have their own streams, with rank = census row (``draw_tables``):

- ``census:residual``: one uniform per census patient, the residual of the stay it
  is in (``residual.residual``: the duration conditioned on the time already spent),
  drawn up front with ``census:hold_residual`` below;
- on demand, as a source's: ``census:duration:<node>:<cohort>``, ``census:route:<node>``,
  ``census:patience:<node>:<cohort>``, ``census:elsewhere:<node>`` and
  ``census:hold:<node>:<route index>:<cohort>`` (the pseudo-source ``census``, last in the
  key tables), and ``census:give_up:<node>:<route index>:<cohort>`` and
  ``census:give_up_route:...`` for blocked waits that end another way (one that starts
  blocked at minute 0 waits its whole give_up from then: exact for an exponential). They
  are not referred during a stay (no referral streams).

The census visit itself is visit 0 of the patient's node. All census patients
arrive at minute 0, before any source patient, in census order; engines read
``census_state`` etc. to start them in service, blocked (medically fit), or waiting.

A medically fit patient whose onward route is a blocking route to a queue or delay
node without a hold, or with a hold that is over (the census's ``blocked``), is started
blocked: it keeps its bed and queues there. Any
other medically fit patient (a route with a hold, a non-blocking route, an exit) is
started in service with a clinical stay that ends at minute 0, its visit-0 route
uniform set inside its onward route's interval, and, on a route with a hold, the
rest of the hold drawn conditioned on the time since medically fit (one uniform per
census patient from ``census:hold_residual``). The engine then does what it does
after any stay. (With an intervention that rescales that node's routes, the
uniform may pick another route.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import draw_tables as dt
from ..draws import Draws, drow_of, make_draws
from ..network import Network
from ..random import stream
from ..residual import residual
from .census_file import FIT, IN_SERVICE, Census, route_to, waits_blocked

__all__ = ["CensusDraws", "census_draws"]


@dataclass
class CensusDraws(Draws):
    """``Draws`` with ``n_census`` census patients in rows 0 .. n_census - 1."""

    n_census: int = 0
    census_state: np.ndarray = None   # (K,) int8 census_file.IN_SERVICE / FIT / WAITING
    census_node: np.ndarray = None    # (K,) int64 node the patient is in
    census_since: np.ndarray = None   # (K,) float64 minute it started there (-days_in_node), <= 0
    census_fit_at: np.ndarray = None  # (K,) float64 minute it became medically fit (FIT only)
    census_onward: np.ndarray = None  # (K,) int64 node awaited (FIT only), else -1
    census_route: np.ndarray = None   # (K,) int64 blocking route of a patient that starts blocked, else -1


def _fit_by_route(d: CensusDraws, census: Census, u: np.ndarray, given: tuple) -> None:
    """Medically fit patients that do not simply wait blocked: their stay ends at minute 0
    and their route decision (and the rest of any hold) leads to their onward care."""
    net = d.net
    _, dur, rte, hroute, hold = given
    for k in np.flatnonzero(census.state == FIT):
        n, c, dest = int(census.node[k]), int(census.cohort[k]), int(census.onward[k])
        r = route_to(net, n, c, dest)
        if waits_blocked(net, n, r, dest) and (not net.route_has_hold[r] or census.is_blocked(k)):
            d.census_route[k] = r  # starts blocked at its onward node (census_state FIT): no hold, or it is over
            continue
        d.census_state[k] = IN_SERVICE
        dur[k] = 0.0
        lo = net.route_cum[r - 1] if r > net.route_start[n, c] else 0.0
        rte[k] = 0.5 * (lo + net.route_cum[r])
        if net.route_has_hold[r]:
            hroute[k] = r
            hold[k] = residual(int(net.route_hold_code[r]), net.route_hold_params[r],
                               census.fit_for[k:k + 1], u[k:k + 1], net.emp_values, net.emp_cum)[0]


def census_draws(net: Network, census: Census, seed: int, replication: int) -> CensusDraws:
    """The random numbers of one warm-started replication.

    Parameters
    ----------
    net : Network
    census : Census
        The patients in the system at minute 0 (``read_census``).
    seed, replication : int

    Returns
    -------
    CensusDraws
        Patients 0 .. K-1 are the census patients, K .. the source patients of
        ``make_draws(net, seed, replication)`` with their draws unchanged.
    """
    base = make_draws(net, seed, replication)
    K = len(census)
    C = len(net.cohorts)
    d = CensusDraws(
        seed=seed, replication=replication, arrive=np.concatenate([np.zeros(K), base.arrive]),
        source=np.concatenate([np.zeros(K, dtype=base.source.dtype), base.source]),
        cohort=np.concatenate([census.cohort.astype(base.cohort.dtype), base.cohort]),
        net=net, n_census=K,
        census_state=census.state.copy(), census_node=census.node.copy(), census_since=-census.spent,
        census_fit_at=-census.fit_for, census_onward=census.onward.copy(), census_route=np.full(K, -1, np.int64))
    # census patients carry no attributes yet: no divert finds them eligible
    d.eligible_u = np.concatenate([np.full((base.eligible_u.shape[0], K), 2.0), base.eligible_u], axis=1)
    # 2.0 > any thinning threshold: interventions that thin a source never remove a census patient
    d.thin_u = np.concatenate([np.full(K, 2.0), base.thin_u])
    d._rows_by_source = [rows + K for rows in base._rows_by_source]
    d._rows_by_cohort = [[rows + K for rows in by_c] for by_c in base._rows_by_cohort]
    # what the census visit (visit 0 at the census node) is given: node, duration, route uniform, hold route, hold
    given = (census.node.astype(np.int64), np.full(K, np.nan), np.full(K, np.nan), np.full(K, -1, dtype=np.int64),
             np.full(K, np.nan))
    _fit_by_route(d, census, stream(seed, replication, "census:hold_residual").random(K), given)
    # the stay each patient is in: its duration conditioned on the time already spent
    u = stream(seed, replication, "census:residual").random(K)
    in_service = census.state == IN_SERVICE
    for n in range(net.n_nodes):
        for c in range(C):
            rows = np.flatnonzero(in_service & (census.node == n) & (census.cohort == c))
            if len(rows):
                given[1][rows] = residual(int(net.dur_code[n, c]), net.dur_params[n, c], census.spent[rows],
                                          u[rows], net.emp_values, net.emp_cum)
    d.tables = dt.tables(net, seed, replication, census=given)
    key = len(net.source_names) * C + census.cohort.astype(np.int64)  # the census pseudo-source, after the sources
    d.drow = np.concatenate([drow_of(key, np.arange(K)), base.drow])
    return d
