"""Interventions and scenarios in the config language: their schema and checks.

An *intervention* is a named, documented modifier (``source:`` states the
evidence); a *scenario* is a named overlay that changes values by key path and
switches interventions on. The model as written switches on the interventions
listed in ``active_interventions`` (usually none): that is the baseline.

The schema here checks each intervention on its own; :func:`find_problems`
relates it to the model (nodes, routes, cohorts, sources) and is called by
``config.checks``. Scenario overlays are applied to the plain data before
validation, by ``config.scenarios``.
"""

from __future__ import annotations

from typing import Annotated, Any, Iterator

from pydantic import Field, model_validator

from ..codes import MAX_INTERVENTIONS
from ..suggest import did_you_mean
from .population import Target
from .fields import Dist, Duration, Frozen, Probability
from .problem import Problem

__all__ = ["Assessment", "Divert", "Intervention", "Scenario", "find_problems", "cohorts_of"]

Factor = Annotated[float, Field(ge=0.0, strict=True)]
PositiveFactor = Annotated[float, Field(gt=0.0, strict=True)]


class Assessment(Frozen):
    """Assessment by a staffed queue node (e.g. a liaison team) after service at ``at``,
    or during it: ``referred_after`` (time from the start of service, a ward referral).

    The intervention's effects apply only to patients whose assessment started
    within ``within`` of the referral (the end of their service at ``at``, or the
    referral during the stay; a stay that ends first has no referral).
    """

    by: str
    within: Duration
    referred_after: Dist | None = None


class Divert(Frozen):
    """Send patients whose route goes to ``instead_of`` to ``to`` when ``to`` has a free server.

    Only an ``eligible`` share of the targeted patients can be offered the alternative
    (a per-patient draw, stream ``eligible:<intervention>:<source>``).
    """

    instead_of: str
    to: str
    eligible: Probability = 1.0


class InterventionCost(Frozen):
    """What an intervention costs while it is switched on."""

    per_year: Annotated[float, Field(ge=0.0, strict=True)] = 0.0      # fixed: staff, premises
    per_patient: Annotated[float, Field(ge=0.0, strict=True)] = 0.0   # each patient assessed or diverted


class Intervention(Frozen):
    source: str
    description: str | None = None
    at: str | None = None
    cohort: str | list[str] | None = None
    route_scale: dict[str, Factor] | None = None
    freed_to: str | None = None
    duration_scale: dict[str, PositiveFactor] | None = None
    # time to arrange a discharge from NODE (the holds of its routes) x factor
    hold_scale: dict[str, PositiveFactor] | None = None
    thin: dict[str, Probability] | None = None
    divert: Divert | None = None
    assessment: Assessment | None = None
    payer: str | None = None               # default: the payer of `at` (config.money)
    cost: InterventionCost | None = None
    # who it applies to by attributes (config.population), and its effect on readmissions
    target: Target | None = None
    readmission_scale: Factor | None = None

    @model_validator(mode="after")
    def _shape(self):
        if not (self.route_scale or self.duration_scale or self.thin or self.divert or self.hold_scale
                or self.readmission_scale is not None):
            raise ValueError("expected at least one effect: route_scale, duration_scale, hold_scale, thin, divert "
                             "or readmission_scale")
        if self.freed_to is not None and not self.route_scale:
            raise ValueError("'freed_to' says where probability freed by 'route_scale' goes; "
                             "found it without route_scale")
        for what in ("route_scale", "divert", "assessment"):
            if getattr(self, what) and self.at is None:
                raise ValueError(f"expected 'at' (the node whose route decision changes) with '{what}'")
        return self


class Scenario(Frozen):
    description: str | None = None
    set: dict[str, Any] = {}
    interventions: list[str] = []


def cohorts_of(iv: Intervention, all_cohorts) -> list[str]:
    """The cohorts an intervention targets (all when ``cohort`` is not given)."""
    if iv.cohort is None:
        return list(all_cohorts)
    return [iv.cohort] if isinstance(iv.cohort, str) else list(iv.cohort)


# --------------------------------------------------------------------- checks
class _P:
    @staticmethod
    def make(path, message, at_key=False):
        return Problem(tuple(path), message, at_key)


def _routes_for(svc, cohort: str):
    spec = svc.routes
    if isinstance(spec, dict):
        return spec.get(cohort, spec.get("default", []))
    return spec


def find_problems(cfg) -> list:
    """Whole-model problems of the interventions, active list and scenarios of ``cfg``."""
    out: list = []
    if len(cfg.interventions) > MAX_INTERVENTIONS:
        extra = list(cfg.interventions)[MAX_INTERVENTIONS]
        out.append(_P.make(("interventions", extra), f"at most {MAX_INTERVENTIONS} interventions in one model (a "
                           f"patient carries them in a 64-bit mask), found {len(cfg.interventions)}", True))
    for name, iv in cfg.interventions.items():
        out += list(_one(cfg, name, iv))
    for i, name in enumerate(cfg.active_interventions):
        if name not in cfg.interventions:
            out.append(_P.make(("active_interventions", i), f"unknown intervention '{name}'"
                               + did_you_mean(name, cfg.interventions)))
    for sname, sc in cfg.scenarios.items():
        for i, name in enumerate(sc.interventions):
            if name not in cfg.interventions:
                out.append(_P.make(("scenarios", sname, "interventions", i), f"unknown intervention '{name}'"
                                   + did_you_mean(name, cfg.interventions)))
    out += list(_clashes(cfg))
    return out


def _node(cfg, name, path, kinds=None) -> Iterator:
    if name not in cfg.services:
        yield _P.make(path, f"unknown node '{name}'" + did_you_mean(name, cfg.services))
    elif kinds and cfg.services[name].kind not in kinds:
        yield _P.make(path, f"expected a {' or '.join(kinds)} node, found '{name}', a "
                      f"{cfg.services[name].kind} node")


def _one(cfg, name: str, iv: Intervention) -> Iterator:
    base = ("interventions", name)
    cohorts = list(cfg.cohorts)
    targets = [iv.cohort] if isinstance(iv.cohort, str) else (iv.cohort or [])
    for i, c in enumerate(targets):
        if c not in cohorts:
            path = base + ("cohort",) + (() if isinstance(iv.cohort, str) else (i,))
            yield _P.make(path, f"unknown cohort '{c}'" + did_you_mean(c, cohorts))
    if any(c not in cohorts for c in targets):
        return
    at_ok = True
    if iv.at is not None:
        probs = list(_node(cfg, iv.at, base + ("at",)))
        at_ok = not probs
        yield from probs
    for node in iv.duration_scale or {}:
        yield from (_P.make(p.path, p.message, True) for p in _node(cfg, node, base + ("duration_scale", node)))
    for node in iv.hold_scale or {}:
        probs = list(_node(cfg, node, base + ("hold_scale", node)))
        yield from (_P.make(p.path, p.message, True) for p in probs)
        if not probs and not any(r.hold is not None for c in cohorts for r in _routes_for(cfg.services[node], c)):
            yield _P.make(base + ("hold_scale", node), f"expected a node with a route that has a 'hold' "
                          f"(the time to arrange a discharge), found '{node}' without one", True)
    for src in iv.thin or {}:
        if src not in cfg.sources:
            yield _P.make(base + ("thin", src), f"unknown source '{src}'" + did_you_mean(src, cfg.sources), True)
    if not at_ok:
        return
    svc = cfg.services.get(iv.at)
    for c in cohorts_of(iv, cohorts) if svc is not None else []:
        dests = [r.to for r in _routes_for(svc, c)]
        probs = {r.to: 0.0 for r in _routes_for(svc, c)}
        for r in _routes_for(svc, c):
            probs[r.to] += r.p
        for dest, f in (iv.route_scale or {}).items():
            if dest not in dests:
                yield _P.make(base + ("route_scale", dest), f"'{iv.at}' has no route to '{dest}' for cohort "
                              f"'{c}'" + did_you_mean(dest, dests), True)
            elif probs[dest] * f > 1.0 + 1e-9:
                yield _P.make(base + ("route_scale", dest), f"expected a factor that keeps the probability "
                              f"<= 1, found {f:g} x {probs[dest]:g} for cohort '{c}'")
        if iv.route_scale and all(d in dests for d in iv.route_scale):
            others = [d for d in dests if d not in iv.route_scale]
            if iv.freed_to is not None and iv.freed_to not in others:
                yield _P.make(base + ("freed_to",), f"expected a route of '{iv.at}' not scaled by this "
                              f"intervention, found '{iv.freed_to}'" + did_you_mean(iv.freed_to, others))
            elif sum(probs[d] for d in others) <= 0 and any(f != 1 for f in iv.route_scale.values()):
                yield _P.make(base + ("route_scale",), f"'{iv.at}' has no other route with a positive "
                              f"probability for cohort '{c}' to take the freed probability")
        if iv.divert and iv.divert.instead_of not in dests:
            yield _P.make(base + ("divert", "instead_of"), f"'{iv.at}' has no route to '{iv.divert.instead_of}'"
                          f" for cohort '{c}'" + did_you_mean(iv.divert.instead_of, dests))
    if iv.divert:
        yield from _node(cfg, iv.divert.to, base + ("divert", "to"), kinds=("queue",))
    if iv.assessment:
        path = base + ("assessment", "by")
        probs = list(_node(cfg, iv.assessment.by, path, kinds=("queue",)))
        yield from probs
        by = cfg.services.get(iv.assessment.by)
        if not probs and iv.assessment.by == iv.at:
            yield _P.make(path, f"expected an assessment node other than 'at' ('{iv.at}')")
        elif not probs and by.setting == "ed":
            yield _P.make(path, f"expected an assessment node outside the ed setting, found '{iv.assessment.by}'"
                          " (its visit runs alongside the ED stay and would count as a second attendance)")
        elif not probs and (by.when_full is not None or by.patience is not None):
            yield _P.make(path, f"expected an assessment node without when_full or patience, found "
                          f"'{iv.assessment.by}'")
        elif not probs and iv.assessment.referred_after is not None and by.bed:
            yield _P.make(path, f"expected an assessment node without beds for an assessment during the stay "
                          f"(the patient keeps its bed at '{iv.at}'), found '{iv.assessment.by}' with bed: true")
        if svc is not None and svc.kind == "booking":
            yield _P.make(base + ("at",), f"expected a queue or delay node for an assessment, found "
                          f"'{iv.at}', a booking node")


def _clashes(cfg) -> Iterator:
    """Two interventions that change one route decision can never be on together.

    Checked on ``active_interventions``, which holds the interventions of the
    scenario being applied (its entries point back at the scenario's list).
    """
    seen: dict[tuple, str] = {}
    for i, name in enumerate(cfg.active_interventions):
        iv = cfg.interventions.get(name)
        if iv is None or iv.at is None:
            continue
        for c in cohorts_of(iv, cfg.cohorts):
            for what, on in (("route_scale", iv.route_scale), ("divert", iv.divert),
                             ("assessment", iv.assessment)):
                if not on:
                    continue
                key = (what, iv.at, c)
                if key in seen and seen[key] != name:
                    label = "assessment" if what == "assessment" else f"route ({what})"
                    yield _P.make(("active_interventions", i), f"interventions '{seen[key]}' and '{name}' both "
                                  f"change the {label} at '{iv.at}' for cohort '{c}'; switch on one of them")
                    return
                seen[key] = name
