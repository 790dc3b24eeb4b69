"""Interventions as arrays (``InterventionArrays``): what the engines read to apply them.

Every intervention defined in a config is built, switched on or not
(``active``), so that the arrays, the draws and the metric names are the same in
every scenario; only ``active`` and the per-(node, cohort) lookups differ.
I interventions, N nodes, C cohorts, S sources, R routes (as in Network)::

    names        (I,)        intervention names, in config order
    active       (I,) bool   switched on in this scenario
    thin_share   (I, S, C)   share of a source's patients of a cohort who never arrive
    route_of     (N, C)      active intervention whose route_scale changes the route
                             decision at node n for cohort c, or -1
    divert_of    (N, C)      active intervention whose divert applies there, or -1; applied
                             after route_scale, to the destination it chose
    eligible     (I,)        share of targeted patients divert can be offered to
    route_cum    (I, R)      cumulative route probabilities with route_scale applied
                             (equal to Network.route_cum where it does not apply)
    divert_from  (I,)        destination code replaced by divert, or NO_NODE
    divert_to    (I,)        alternative node (a queue node with its own servers)
    assess_of    (N, C)      active intervention assessing patients of cohort c after
                             service at node n, or -1
    assess_by    (I,)        assessment node, or -1
    within       (I,)        minutes from referral to the start of assessment for the
                             effects to apply (inf without assessment)
    during_of    (N, C)      active intervention assessing patients of cohort c during
                             their stay at node n (``referred_after``), or -1
    during       (I,) bool   the assessment is during the stay (``referred_after``)
    ref_code     (I,)        distribution of the time from the start of service to the
    ref_params   (I, P)      referral, for an assessment during the stay
    dur_scale    (I, N, C)   duration factor (1 where it does not apply)
    hold_scale   (I, N, C)   factor on the holds of routes leaving node n (1 where it does not apply)

How an engine uses them is documented in ``engines.simpy_engine`` and
implemented, as small functions over these arrays, in ``engines.effects``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .codes import NO_NODE
from .distributions import MAX_PARAMS, cumulative_weights, dist_arrays

__all__ = ["InterventionArrays", "build_interventions", "uses_interventions", "NONE"]

NONE = -1


@dataclass(frozen=True)
class InterventionArrays:
    """Every intervention of a model as arrays (``Network.interventions``); not to be
    confused with one intervention as written (``config.interventions.Intervention``)."""

    names: tuple[str, ...]
    active: np.ndarray
    thin_share: np.ndarray
    route_of: np.ndarray
    route_cum: np.ndarray
    divert_from: np.ndarray
    divert_to: np.ndarray
    assess_of: np.ndarray
    assess_by: np.ndarray
    within: np.ndarray
    dur_scale: np.ndarray
    divert_of: np.ndarray
    eligible: np.ndarray
    hold_scale: np.ndarray
    during_of: np.ndarray
    during: np.ndarray
    ref_code: np.ndarray
    ref_params: np.ndarray

    def at_node(self, i: int) -> int:
        """The node ``at`` of intervention i, or -1."""
        return self._at[i]

    @property
    def any_active(self) -> bool:
        return bool(self.active.any())

    def extra_edges(self) -> list[tuple[int, int]]:
        """(from node, to node) moves interventions can add: assessments and diversions.

        Built from every defined intervention, active or not, so the draws of a
        replication do not depend on the scenario.
        """
        out = []
        n_nodes = self.route_of.shape[0]
        for i in range(len(self.names)):
            at = self._at[i]
            if at < 0:
                continue
            if self.assess_by[i] >= 0:
                out.append((at, int(self.assess_by[i])))
            if self.divert_to[i] >= 0:
                out.append((at, int(self.divert_to[i])))
        return [(a, b) for a, b in out if 0 <= a < n_nodes]

    _at: tuple = ()


def _empty(I, N, C, S, R, names) -> InterventionArrays:
    iv = InterventionArrays(
        names=tuple(names), active=np.zeros(I, dtype=bool), thin_share=np.zeros((I, S, C)),
        route_of=np.full((N, C), NONE, dtype=np.int64), route_cum=np.zeros((I, R)),
        divert_from=np.full(I, NO_NODE, dtype=np.int64), divert_to=np.full(I, NONE, dtype=np.int64),
        assess_of=np.full((N, C), NONE, dtype=np.int64), assess_by=np.full(I, NONE, dtype=np.int64),
        within=np.full(I, math.inf), dur_scale=np.ones((I, N, C)), divert_of=np.full((N, C), NONE, dtype=np.int64),
        eligible=np.ones(I), hold_scale=np.ones((I, N, C)), during_of=np.full((N, C), NONE, dtype=np.int64),
        during=np.zeros(I, dtype=bool), ref_code=np.zeros(I, dtype=np.int8), ref_params=np.zeros((I, MAX_PARAMS)))
    object.__setattr__(iv, "_at", tuple([NONE] * I))
    return iv


def scaled_probabilities(p: list[float], dests: list[str], scale: dict[str, float],
                         freed_to: str | None) -> list[float]:
    """Route probabilities with ``scale`` applied; the change is taken from (or given to)
    ``freed_to``, or spread over the unscaled routes in proportion to their probability."""
    new = [pi * scale.get(d, 1.0) for pi, d in zip(p, dests)]
    delta = sum(p) - sum(new)
    others = [k for k, d in enumerate(dests) if d not in scale]
    if freed_to is not None:
        k = dests.index(freed_to)
        new[k] = max(0.0, new[k] + delta)
    else:
        rest = sum(p[k] for k in others)
        for k in others:
            new[k] = p[k] + delta * p[k] / rest if rest > 0 else p[k]
            new[k] = max(0.0, new[k])
    return new


def build_interventions(cfg, nodes: dict[str, int], exits: dict[str, int], route_start, route_len,
                        route_dest, route_cum, emp_values: list | None = None,
                        emp_cum: list | None = None) -> InterventionArrays:
    """Arrays of every intervention of a validated config (see module docstring)."""
    from .config.interventions import cohorts_of

    cohorts = list(cfg.cohorts)
    sources = list(cfg.sources)
    names = list(cfg.interventions)
    I, N, C, S, R = len(names), len(nodes), len(cohorts), len(sources), len(route_dest)
    iv = _empty(I, N, C, S, R, names)
    active = set(cfg.active_interventions)
    at_codes = []

    def code(name: str) -> int:
        return nodes[name] if name in nodes else -(1 + exits[name])

    for i, (name, spec) in enumerate(cfg.interventions.items()):
        on = name in active
        iv.active[i] = on
        iv.route_cum[i] = route_cum
        cs = [cohorts.index(c) for c in cohorts_of(spec, cohorts)]
        at = nodes[spec.at] if spec.at is not None else NONE
        at_codes.append(at)
        for src, share in (spec.thin or {}).items():
            iv.thin_share[i, sources.index(src), cs] = share
        for node, f in (spec.duration_scale or {}).items():
            iv.dur_scale[i, nodes[node], cs] = f
        for node, f in (spec.hold_scale or {}).items():
            iv.hold_scale[i, nodes[node], cs] = f
        if spec.divert is not None:
            iv.divert_from[i] = code(spec.divert.instead_of)
            iv.divert_to[i] = nodes[spec.divert.to]
            iv.eligible[i] = spec.divert.eligible
        during = spec.assessment is not None and spec.assessment.referred_after is not None
        if spec.assessment is not None:
            iv.assess_by[i] = nodes[spec.assessment.by]
            iv.within[i] = spec.assessment.within
        if during:
            iv.during[i] = True
            iv.ref_code[i], iv.ref_params[i] = dist_arrays(spec.assessment.referred_after,
                                                           [] if emp_values is None else emp_values,
                                                           [] if emp_cum is None else emp_cum)
        for c in cs:
            if spec.route_scale:
                a, n = route_start[at, c], route_len[at, c]
                dests = [_name(int(d), nodes, exits) for d in route_dest[a:a + n]]
                p = np.diff(np.concatenate([[0.0], route_cum[a:a + n]])).tolist()
                new = scaled_probabilities(p, dests, spec.route_scale, spec.freed_to)
                iv.route_cum[i, a:a + n] = cumulative_weights(new)
            if on and spec.route_scale:
                iv.route_of[at, c] = i
            if on and spec.divert:
                iv.divert_of[at, c] = i
            if on and spec.assessment is not None:
                (iv.during_of if during else iv.assess_of)[at, c] = i
    object.__setattr__(iv, "_at", tuple(at_codes))
    return iv


def _name(code: int, nodes: dict[str, int], exits: dict[str, int]) -> str:
    table = nodes if code >= 0 else exits
    idx = code if code >= 0 else -code - 1
    return next(k for k, v in table.items() if v == idx)


def uses_interventions(net) -> bool:
    """Whether a network switches on any intervention (both engines apply them)."""
    iv = getattr(net, "interventions", None)
    return iv is not None and iv.any_active
