"""Draws of a warm-started replication: the census patients first, then the sources'.

Census patient k (row k of the census) is patient k of the replication; source
patient p of ``make_draws`` becomes patient K + p with exactly the numbers it had
(the randomness contract: a census changes no source patient's draws). Census
patients draw from their own streams, by census row, in blocks by cohort:

- ``census:residual``: one uniform per census patient, the residual of the stay it
  is in (``residual.residual``: the duration conditioned on the time already spent);
- ``census:duration:<node>:<cohort>:<j>``, ``census:route:<node>:<j>``,
  ``census:patience:<node>:<cohort>:<j>``, ``census:elsewhere:<node>:<j>`` and
  ``census:hold:<node>:<route index>:<cohort>:<j>``: visit j of node n, as the
  source streams of ``draws``.

The census visit itself is visit 0 of the patient's node. All census patients
arrive at minute 0, before any source patient, in census order; engines read
``census_state`` etc. to start them in service, blocked (medically fit), or waiting.

A medically fit patient whose onward route is a blocking route to a queue or delay
node without a hold is started blocked: it keeps its bed and queues there. Any
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

from ..distributions import sample
from ..draw_layout import layout
from ..draws import Draws, make_draws
from ..network import BOOKING, NO_NODE, Network
from ..random import stream
from ..residual import residual
from .census_file import FIT, IN_SERVICE, Census, route_to

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

    def extend(self, node: int) -> None:
        k_old = self.dur[node].shape[1]
        super().extend(node)  # the source rows; census rows come back NaN
        for j in range(k_old, 2 * k_old):
            _fill(self, node, j)


def _census_columns(d: CensusDraws, n: int, j: int):
    """Visit j of node n for the census rows: duration, route, patience, elsewhere, {route: hold}."""
    net, K = d.net, d.n_census
    name = net.node_names[n]
    g = lambda s: stream(d.seed, d.replication, s)  # noqa: E731 - a short alias keeps the names readable
    dur, pat, holds = np.full(K, np.nan), np.full(K, np.inf), {}
    route = g(f"census:route:{name}:{j}").random(K)
    other = g(f"census:elsewhere:{name}:{j}").random(K) if net.elsewhere_p[n] > 0 else np.full(K, np.nan)
    hold_routes = np.flatnonzero(net.route_has_hold & (net.route_node == n))
    for r in hold_routes:
        holds[int(r)] = np.full(K, np.nan)
    for c, coh in enumerate(net.cohorts):
        rows = np.flatnonzero(d.cohort[:K] == c)
        if len(rows) == 0:
            continue
        args = (net.emp_values, net.emp_cum)
        dur[rows] = sample(int(net.dur_code[n, c]), net.dur_params[n, c], g(f"census:duration:{name}:{coh}:{j}"),
                           len(rows), *args)
        if net.has_patience[n]:
            pat[rows] = sample(int(net.pat_code[n, c]), net.pat_params[n, c],
                               g(f"census:patience:{name}:{coh}:{j}"), len(rows), *args)
        for r in hold_routes:
            if net.route_cohort[r] == c:
                holds[int(r)][rows] = sample(int(net.route_hold_code[r]), net.route_hold_params[r],
                                             g(f"census:hold:{name}:{int(net.route_index[r])}:{coh}:{j}"),
                                             len(rows), *args)
    return dur, route, pat, other, holds


def _fill(d: CensusDraws, n: int, j: int) -> None:
    """Write visit column j of node n for the census rows into ``d``."""
    K = d.n_census
    dur, route, pat, other, holds = _census_columns(d, n, j)
    d.dur[n][:K, j] = dur
    d.route_u[n][:K, j] = route
    d.patience[n][:K, j] = pat
    d.elsewhere_u[n][:K, j] = other
    for r, col in holds.items():
        d.hold[r][:K, j] = col


def _fit_by_route(d: CensusDraws, census: Census, u: np.ndarray) -> None:
    """Medically fit patients that do not simply wait blocked: their stay ends at minute 0
    and their route decision (and the rest of any hold) leads to their onward care."""
    net = d.net
    for k in np.flatnonzero(census.state == FIT):
        n, c, dest = int(census.node[k]), int(census.cohort[k]), int(census.onward[k])
        r = route_to(net, n, c, dest)
        blocked = net.route_block[r] and dest >= 0 and net.kind[dest] != BOOKING and net.kind[n] != BOOKING
        if blocked and not net.route_has_hold[r]:
            continue  # starts blocked at its onward node (census_state FIT)
        d.census_state[k] = IN_SERVICE
        d.dur[n][k, 0] = 0.0
        lo = net.route_cum[r - 1] if r > net.route_start[n, c] else 0.0
        d.route_u[n][k, 0] = 0.5 * (lo + net.route_cum[r])
        if net.route_has_hold[r]:
            d.hold[r][k, 0] = residual(int(net.route_hold_code[r]), net.route_hold_params[r],
                                       census.fit_for[k:k + 1], u[k:k + 1], net.emp_values, net.emp_cum)[0]


def _prepend(arr: np.ndarray, K: int, fill) -> np.ndarray:
    if arr.ndim == 2 and arr.shape == (0, 0):
        return arr  # a route without a hold
    pad = np.full((K,) + arr.shape[1:], fill, dtype=arr.dtype)
    return np.concatenate([pad, arr])


def census_draws(net: Network, census: Census, seed: int, replication: int) -> CensusDraws:
    """Draw every random number of one warm-started replication.

    Parameters
    ----------
    net : Network
    census : Census
        The patients in the system at minute 0 (``read_census``).
    seed, replication : int

    Returns
    -------
    CensusDraws
        Rows 0 .. K-1 are the census patients, K .. the source patients of
        ``make_draws(net, seed, replication)`` with their draws unchanged.
    """
    base = make_draws(net, seed, replication, rows="all")  # census rows on top of every block
    K = len(census)
    d = CensusDraws(
        seed=seed, replication=replication, arrive=np.concatenate([np.zeros(K), base.arrive]),
        source=np.concatenate([np.zeros(K, dtype=base.source.dtype), base.source]),
        cohort=np.concatenate([census.cohort.astype(base.cohort.dtype), base.cohort]),
        rank=np.concatenate([np.arange(K, dtype=base.rank.dtype), base.rank]),
        # 2.0 > any thinning threshold: interventions that thin a source never remove a census patient
        thin_u=np.concatenate([np.full(K, 2.0), base.thin_u]),
        dur=[_prepend(a, K, np.nan) for a in base.dur], route_u=[_prepend(a, K, np.nan) for a in base.route_u],
        patience=[_prepend(a, K, np.inf) for a in base.patience],
        elsewhere_u=[_prepend(a, K, np.nan) for a in base.elsewhere_u], net=net,
        hold=[_prepend(a, K, np.nan) for a in base.hold], n_census=K,
        # census patients carry no attributes yet: their blocked waits do not end another way (give_up),
        # they are not referred during the stay they are in, and no divert finds them eligible
        give_up=[_prepend(a, K, np.nan) for a in base.give_up],
        give_up_to=[_prepend(a, K, NO_NODE) for a in base.give_up_to],
        referral=[_prepend(a, K, np.nan) for a in base.referral],
        eligible_u=np.concatenate([np.full((base.eligible_u.shape[0], K), 2.0), base.eligible_u], axis=1),
        census_state=census.state.copy(), census_node=census.node.copy(), census_since=-census.spent,
        census_fit_at=-census.fit_for, census_onward=census.onward.copy())
    d._reach = base._reach
    layout(d, all_rows=True)  # a row for every patient, the census patients' first: row = patient
    d._rows_by_source = [rows + K for rows in base._rows_by_source]
    d._rows_by_cohort = [[rows + K for rows in by_c] for by_c in base._rows_by_cohort]
    for n in range(net.n_nodes):
        for j in range(d.dur[n].shape[1]):
            _fill(d, n, j)
    # the stay each patient is in: its duration conditioned on the time already spent
    u = stream(seed, replication, "census:residual").random(K)
    _fit_by_route(d, census, stream(seed, replication, "census:hold_residual").random(K))
    in_service = census.state == IN_SERVICE
    for n in range(net.n_nodes):
        for c in range(len(net.cohorts)):
            rows = np.flatnonzero(in_service & (census.node == n) & (census.cohort == c))
            if len(rows):
                d.dur[n][rows, 0] = residual(int(net.dur_code[n, c]), net.dur_params[n, c], census.spent[rows],
                                             u[rows], net.emp_values, net.emp_cum)
    return d
