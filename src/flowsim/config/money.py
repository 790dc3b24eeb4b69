"""Who pays: payers, pooled budgets, death exits and the checks on prices.

Every node and every intervention is paid by a named payer. A model that does
not declare ``payers`` gets the default payers of the settings its nodes use
(:data:`SETTING_PAYERS`); a node without a ``payer:`` line is paid by the default
payer of its setting, an intervention without one by the payer of its ``at``
node. A pool (``pools: {better_care_fund: [nhs_community, local_authority]}``) is
reported as the sum of its members. The ledger itself is computed from the event
log after a run (``flowsim.ledger``); this module only names and checks.
"""

from __future__ import annotations

from typing import Iterator

from ..suggest import did_you_mean
from .problem import Problem
from .schema import Config, QueueService

__all__ = ["SETTING_PAYERS", "RESERVED", "payer_names", "node_payer", "intervention_payer", "find_problems"]

# Who usually pays for care in each setting in England.
SETTING_PAYERS = {
    "primary": "primary_care",
    "ed": "nhs_acute",
    "acute": "nhs_acute",
    "community": "nhs_community",
    "social_care": "local_authority",
}
# Names of the cost breakdowns: a payer or a pool of these names would collide with
# them in the metric names (``cost.capacity``), and ``total`` names the sum of all.
RESERVED = ("activity", "capacity", "intervention", "unmet_demand", "delayed_discharge", "total")


def payer_names(cfg: Config) -> list[str]:
    """The declared payers, or the default payers of the settings the model uses."""
    if cfg.payers is not None:
        return list(cfg.payers)
    used = {SETTING_PAYERS[s.setting] for s in cfg.services.values()}
    return [p for p in dict.fromkeys(SETTING_PAYERS.values()) if p in used]


def node_payer(cfg: Config, name: str) -> str:
    svc = cfg.services[name]
    return svc.payer if svc.payer is not None else SETTING_PAYERS[svc.setting]


def intervention_payer(cfg: Config, name: str) -> str:
    iv = cfg.interventions[name]
    if iv.payer is not None:
        return iv.payer
    if iv.at is not None and iv.at in cfg.services:
        return node_payer(cfg, iv.at)
    return payer_names(cfg)[0]


def _unknown_payer(name: str, payers: list[str], what: str) -> str:
    return f"unknown payer '{name}' for {what}" + (did_you_mean(name, payers) or f"; payers are {', '.join(payers)}")


def find_problems(cfg: Config) -> list[Problem]:
    """Payer, pool, death-exit and price problems of a schema-valid config."""
    return list(_payers(cfg)) + list(_pools(cfg)) + list(_deaths(cfg)) + list(_prices(cfg))


def _payers(cfg: Config) -> Iterator[Problem]:
    payers = payer_names(cfg)
    for i, p in enumerate(cfg.payers or []):
        if p in RESERVED:
            yield Problem(("payers", i), f"expected a payer name, found '{p}', which names a cost breakdown "
                          f"({', '.join(RESERVED)})")
        elif p in payers[:i]:
            yield Problem(("payers", i), f"expected each payer once, found '{p}' twice")
    for name, svc in cfg.services.items():
        if svc.payer is not None and svc.payer not in payers:
            yield Problem(("services", name, "payer"), _unknown_payer(svc.payer, payers, f"node '{name}'"))
        elif svc.payer is None and SETTING_PAYERS[svc.setting] not in payers:
            yield Problem(("services", name, "setting"), f"node '{name}' has no payer: the default payer of "
                          f"setting '{svc.setting}', '{SETTING_PAYERS[svc.setting]}', is not among the payers "
                          f"({', '.join(payers)}); add 'payer:' to the node")
    for name, iv in cfg.interventions.items():
        if iv.payer is not None and iv.payer not in payers:
            yield Problem(("interventions", name, "payer"), _unknown_payer(iv.payer, payers,
                                                                           f"intervention '{name}'"))
        if iv.cost is not None and iv.cost.per_patient > 0 and iv.at is None:
            yield Problem(("interventions", name, "cost", "per_patient"),
                          "expected a cost per patient only for an intervention that sees patients at a node "
                          "('at': assessed, diverted or routed there); a thinning intervention's patients never "
                          "arrive, so give its cost as per_year")


def _pools(cfg: Config) -> Iterator[Problem]:
    payers = payer_names(cfg)
    for name, members in cfg.pools.items():
        if name in payers or name in RESERVED:
            yield Problem(("pools", name), f"expected a pool name unlike any payer or cost breakdown, "
                          f"found '{name}'", at_key=True)
        if not members:
            yield Problem(("pools", name), "expected at least one payer in the pool, found none")
        for i, m in enumerate(members):
            if m not in payers:
                yield Problem(("pools", name, i), _unknown_payer(m, payers, f"pool '{name}'"))


def _deaths(cfg: Config) -> Iterator[Problem]:
    exits = cfg.exit_names
    for i, e in enumerate(cfg.deaths):
        if e not in exits:
            msg = f"unknown exit '{e}'" + (did_you_mean(e, exits) or f"; exits are {', '.join(exits)}")
            if e in cfg.services:
                msg = f"expected an exit, found the service node '{e}'"
            yield Problem(("deaths", i), msg)


def _prices(cfg: Config) -> Iterator[Problem]:
    for kind in ("left_without_being_seen", "diverted"):
        prices = getattr(cfg.costs.unmet_demand, kind)
        for node in prices if isinstance(prices, dict) else ():
            if node not in cfg.services:
                yield Problem(("costs", "unmet_demand", kind, node), f"unknown node '{node}'"
                              + did_you_mean(node, cfg.services), at_key=True)
    for node, price in cfg.costs.capacity.items():
        svc = cfg.services.get(node)
        if svc is not None and not isinstance(svc, QueueService):
            yield Problem(("costs", "capacity", node), f"expected a queue node (one with servers), found "
                          f"'{node}', a {svc.kind} node", at_key=True)
