"""Config -> prices and payers as arrays: the money side of a Network.

Built with the Network (``Network.prices``) and read only after a run, by
``flowsim.ledger``: engines never compute costs. N nodes, I interventions, C
cohorts, P payers, Q pools::

    payer_names     (P,)      payers, in config order (or the settings' defaults)
    pool_names      (Q,)      pooled budgets
    pool_members    (Q, P)    bool, payer p is in pool q
    node_payer      (N,)      payer index of each node
    per_admission   (N,)      price of an admission to the node (acute bed nodes)
    cap_price       (N,)      price per server per day open (queue nodes)
    esc_above       (N,)      servers above this many are escalation capacity
    esc_price       (N,)      price per escalation server per day
    lwbs_price      (N,)      per patient who left the node's queue unseen
    diverted_price  (N,)      per patient sent from the node to an exit unserved
    iv_payer        (I,)      payer index of each intervention
    iv_per_year     (I,)      fixed cost per year while switched on
    iv_per_patient  (I,)      cost per patient assessed, diverted or routed
    iv_cohorts      (I, C)    bool, the cohorts an intervention applies to
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config.interventions import cohorts_of
from .config.money import intervention_payer, node_payer, payer_names

__all__ = ["Prices", "build_prices", "NO_ESCALATION"]

NO_ESCALATION = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Prices:
    payer_names: tuple[str, ...]
    pool_names: tuple[str, ...]
    pool_members: np.ndarray
    node_payer: np.ndarray
    per_admission: np.ndarray
    cap_price: np.ndarray
    esc_above: np.ndarray
    esc_price: np.ndarray
    lwbs_price: np.ndarray
    diverted_price: np.ndarray
    iv_payer: np.ndarray
    iv_per_year: np.ndarray
    iv_per_patient: np.ndarray
    iv_cohorts: np.ndarray


def _per_node(spec, names: list[str]) -> np.ndarray:
    """A price for every node from one number or a mapping by node."""
    if isinstance(spec, dict):
        return np.array([float(spec.get(n, 0.0)) for n in names])
    return np.full(len(names), float(spec))


def build_prices(cfg) -> Prices:
    """The prices and payers of a validated config (see module docstring)."""
    names = list(cfg.services)
    payers = payer_names(cfg)
    pidx = {p: i for i, p in enumerate(payers)}
    costs = cfg.costs
    pools = list(cfg.pools)
    members = np.zeros((len(pools), len(payers)), dtype=bool)
    for q, pool in enumerate(pools):
        members[q, [pidx[m] for m in cfg.pools[pool]]] = True
    cap = np.zeros(len(names))
    esc_above = np.full(len(names), NO_ESCALATION, dtype=np.int64)
    esc_price = np.zeros(len(names))
    for node, price in costs.capacity.items():
        i = names.index(node)
        cap[i] = price.per_server_day
        if price.escalation is not None:
            esc_above[i] = price.escalation.above
            esc_price[i] = price.escalation.per_server_day
    ivs = list(cfg.interventions.values())
    iv_cohorts = np.zeros((len(ivs), len(cfg.cohorts)), dtype=bool)
    for k, iv in enumerate(ivs):
        iv_cohorts[k, [cfg.cohorts.index(c) for c in cohorts_of(iv, list(cfg.cohorts))]] = True
    return Prices(
        payer_names=tuple(payers), pool_names=tuple(pools), pool_members=members,
        node_payer=np.array([pidx[node_payer(cfg, n)] for n in names], dtype=np.int64),
        per_admission=np.array([float(costs.per_admission.get(n, 0.0)) for n in names]),
        cap_price=cap, esc_above=esc_above, esc_price=esc_price,
        lwbs_price=_per_node(costs.unmet_demand.left_without_being_seen, names),
        diverted_price=_per_node(costs.unmet_demand.diverted, names),
        iv_payer=np.array([pidx[intervention_payer(cfg, n)] for n in cfg.interventions], dtype=np.int64),
        iv_per_year=np.array([iv.cost.per_year if iv.cost else 0.0 for iv in ivs]),
        iv_per_patient=np.array([iv.cost.per_patient if iv.cost else 0.0 for iv in ivs]),
        iv_cohorts=iv_cohorts,
    )
