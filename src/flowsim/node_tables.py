"""The per-service arrays of a Network: durations, routes, queue and booking rules.

A stage of ``network.build_network``: one pass over the services in config
order fills the node-by-cohort tables and the flat route lists, and records the
edges that routes and rules add to the graph. Empirical distributions are
appended to the shared tables in the order met (durations, then routes and their
holds, then patience, service by service), which fixes their indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .codes import NO_NODE
from .config.schema import BookingService, Config, QueueService
from .distributions import MAX_PARAMS, cumulative_weights, dist_arrays
from .units import MINUTES_PER_DAY

__all__ = ["Build", "service_tables", "dest_code", "by_cohort"]


def dest_code(name: str, nodes: dict[str, int], exits: dict[str, int]) -> int:
    """The destination code of a node (>= 0) or an exit (-(1 + e))."""
    return nodes[name] if name in nodes else -(1 + exits[name])


def by_cohort(spec, cohorts):
    """A per-cohort spec (dict) or one value for all cohorts -> list, one per cohort."""
    if isinstance(spec, dict):
        return [spec.get(c, spec.get("default")) for c in cohorts]
    return [spec] * len(cohorts)


@dataclass
class Build:
    """What the stages of build_network share: names to codes, the empirical tables
    filled so far and the graph's edges (node -> node) found so far."""

    cohorts: list[str]
    nodes: dict[str, int]
    exits: dict[str, int]
    emp_values: list[np.ndarray] = field(default_factory=list)
    emp_cum: list[np.ndarray] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)

    def dist(self, d):
        """(code, params) of a distribution, appending an empirical one to the tables."""
        return dist_arrays(d, self.emp_values, self.emp_cum)

    def dest(self, name: str) -> int:
        return dest_code(name, self.nodes, self.exits)


def _node_arrays(N: int, C: int) -> dict[str, np.ndarray]:
    """Per-node arrays at their defaults: no rule, no slots, open all day."""
    return dict(
        priority=np.zeros((N, C), dtype=np.int64), dur_code=np.zeros((N, C), dtype=np.int8),
        dur_params=np.zeros((N, C, MAX_PARAMS)), has_patience=np.zeros(N, dtype=bool),
        pat_code=np.zeros((N, C), dtype=np.int8), pat_params=np.zeros((N, C, MAX_PARAMS)),
        full_to=np.full(N, NO_NODE, dtype=np.int64), queue_limit=np.zeros(N, dtype=np.int64),
        route_start=np.zeros((N, C), dtype=np.int64), route_len=np.zeros((N, C), dtype=np.int64),
        slots=np.zeros((N, 7), dtype=np.int64), open_at=np.zeros(N), close_at=np.full(N, MINUTES_PER_DAY),
        elsewhere_after=np.full(N, np.inf), elsewhere_p=np.zeros(N), elsewhere_to=np.full(N, NO_NODE, dtype=np.int64),
    )


def _add_routes(a: dict, rl: dict, i: int, svc, b: Build) -> None:
    """Service i's routes, cohort by cohort, onto the flat route lists ``rl``."""
    for c, routes in enumerate(by_cohort(svc.routes, b.cohorts)):
        a["route_start"][i, c] = len(rl["dest"])
        a["route_len"][i, c] = len(routes)
        if routes:
            # exactly 1.0 from the last positive route on: a p=0 route is never chosen
            rl["cum"].extend(cumulative_weights([r.p for r in routes]).tolist())
        for ri, r in enumerate(routes):
            code = b.dest(r.to)
            rl["dest"].append(code)
            rl["block"].append(r.blocking)
            rl["node"].append(i)
            rl["cohort"].append(c)
            rl["index"].append(ri)
            hold = None if r.hold is None else by_cohort(r.hold, b.cohorts)[c]
            rl["hold"].append(None if hold is None else b.dist(hold))
            if code >= 0 and r.p > 0:
                b.edges.append((i, code))


def _add_queue_rules(a: dict, i: int, svc: QueueService, b: Build) -> None:
    """Priorities, patience and the when_full rule of queue node i."""
    for c, coh in enumerate(b.cohorts):
        a["priority"][i, c] = svc.priority.get(coh, 0)
    if svc.patience is not None:
        a["has_patience"][i] = True
        for c, d in enumerate(by_cohort(svc.patience, b.cohorts)):
            a["pat_code"][i, c], a["pat_params"][i, c] = b.dist(d)
    if svc.when_full is not None:
        a["full_to"][i] = b.dest(svc.when_full.to)
        a["queue_limit"][i] = svc.when_full.queue_limit
        if a["full_to"][i] >= 0:
            b.edges.append((i, int(a["full_to"][i])))


def _add_booking_rules(a: dict, i: int, svc: BookingService, b: Build) -> None:
    """Slots, opening hours and the elsewhere rule of booking node i."""
    a["slots"][i] = svc.slots.as_list()
    a["open_at"][i] = svc.hours.open
    a["close_at"][i] = svc.hours.close
    if svc.elsewhere is not None:
        a["elsewhere_after"][i] = svc.elsewhere.after
        a["elsewhere_p"][i] = svc.elsewhere.p
        a["elsewhere_to"][i] = b.dest(svc.elsewhere.to)
        if a["elsewhere_to"][i] >= 0:
            b.edges.append((i, int(a["elsewhere_to"][i])))


def service_tables(cfg: Config, b: Build) -> tuple[dict[str, np.ndarray], dict[str, list]]:
    """(per-node arrays by Network field name, flat route lists) of the config's services.

    The route lists (``dest``, ``cum``, ``block``, ``hold``, ``node``, ``cohort``,
    ``index``) hold one entry per route, node by node and cohort by cohort.
    """
    a = _node_arrays(len(cfg.services), len(b.cohorts))
    rl: dict[str, list] = dict(dest=[], cum=[], block=[], hold=[], node=[], cohort=[], index=[])
    for i, svc in enumerate(cfg.services.values()):
        for c, d in enumerate(by_cohort(svc.duration, b.cohorts)):
            a["dur_code"][i, c], a["dur_params"][i, c] = b.dist(d)
        _add_routes(a, rl, i, svc, b)
        if isinstance(svc, QueueService):
            _add_queue_rules(a, i, svc, b)
        elif isinstance(svc, BookingService):
            _add_booking_rules(a, i, svc, b)
    return a, rl
