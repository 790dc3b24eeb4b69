"""Checks that need the whole config: names, sums and the shape of the network.

The schema checks each value on its own; these checks relate values to each
other (a route's ``to`` names a node, a cohort mix sums to 1, every node can
reach an exit). Each problem carries the key path of the offending value, so
that ``config.load`` can point at its line and column.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..suggest import did_you_mean
from ..units import MINUTES_PER_DAY
from .interventions import find_problems as intervention_problems
from .money import find_problems as money_problems
from .population import find_problems as population_problems, per_1000_rate
from .problem import Problem
from .schema import DIST_NAMES, BookingService, Config, QueueService

__all__ = ["Problem", "find_problems", "ROUTE_TOLERANCE", "MIX_TOLERANCE"]

ROUTE_TOLERANCE = 1e-9
MIX_TOLERANCE = 1e-6


def _names(items) -> str:
    return ", ".join(items)


def find_problems(cfg: Config) -> list[Problem]:
    """Every whole-model problem in a schema-valid config.

    Parameters
    ----------
    cfg : Config
        A config that passed the schema.

    Returns
    -------
    list of Problem
        Empty when the config is sound. Callers raise the first in file order.
    """
    problems = list(_names_and_cohorts(cfg))
    problems += list(_destinations(cfg))
    problems += list(_cohort_specs(cfg))
    problems += list(_sums(cfg))
    problems += list(_calendar_keys(cfg))
    problems += list(_size(cfg))
    if not any(p.message.startswith("unknown node") for p in problems):
        problems += list(_network_shape(cfg))
        problems += intervention_problems(cfg)
        problems += population_problems(cfg)
    problems += money_problems(cfg)
    return problems


# -------------------------------------------------------------------- names
def _names_and_cohorts(cfg: Config) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, c in enumerate(cfg.cohorts):
        if c in seen:
            yield Problem(("cohorts", i), f"expected each cohort name once, found '{c}' twice")
        if c == "default":
            yield Problem(("cohorts", i), "expected a cohort name, found 'default' (it is reserved for "
                          "the fallback entry of by-cohort specs)")
        if c in DIST_NAMES:
            yield Problem(("cohorts", i), f"expected a cohort name, found '{c}', which is a distribution "
                          "name and would make by-cohort durations ambiguous")
        seen.add(c)
    for i, e in enumerate(cfg.exits):
        if e in cfg.services:
            yield Problem(("exits", i), f"expected an exit name distinct from node names, found '{e}', "
                          "which is also a service")
    exits = set(cfg.exit_names)
    for name in cfg.services:
        if name in exits:
            yield Problem(("services", name), f"expected a node name distinct from exit names, found "
                          f"'{name}', which is an exit ({_names(cfg.exit_names)})", at_key=True)


def _unknown(name: str, cfg: Config, allow_exits: bool) -> str | None:
    if name in cfg.services:
        return None
    if name in cfg.exit_names:
        if allow_exits:
            return None
        return f"expected a service node, found the exit '{name}'"
    choices = list(cfg.services) + (cfg.exit_names if allow_exits else [])
    return f"unknown node '{name}'" + did_you_mean(name, choices)


def _destinations(cfg: Config) -> Iterator[Problem]:
    for sname, src in cfg.sources.items():
        msg = _unknown(src.to, cfg, allow_exits=False)
        if msg:
            yield Problem(("sources", sname, "to"), msg)
    for name, svc in cfg.services.items():
        for path, routes in _route_sets(name, svc.routes):
            for i, r in enumerate(routes):
                msg = _unknown(r.to, cfg, allow_exits=True)
                if msg:
                    yield Problem(path + (i, "to"), msg)
                elif r.blocking and isinstance(cfg.services.get(r.to), BookingService):
                    yield Problem(path + (i, "blocking"), "blocking routes need a queue or delay node; "
                                  f"found '{r.to}', a booking node (a booking has no room to wait for)")
                if r.give_up is not None:
                    yield from _give_up_destinations(cfg, path + (i, "give_up"), r)
        if isinstance(svc, QueueService) and svc.when_full is not None:
            msg = _unknown(svc.when_full.to, cfg, allow_exits=True)
            if msg:
                yield Problem(("services", name, "when_full", "to"), msg)
        if isinstance(svc, BookingService) and svc.elsewhere is not None:
            msg = _unknown(svc.elsewhere.to, cfg, allow_exits=True)
            if msg:
                yield Problem(("services", name, "elsewhere", "to"), msg)
    for table in ("per_day", "per_visit", "per_admission", "capacity"):
        for node in getattr(cfg.costs, table):
            msg = _unknown(node, cfg, allow_exits=False)
            if msg:
                yield Problem(("costs", table, node), msg, at_key=True)


def _give_up_destinations(cfg: Config, path: tuple, r) -> Iterator[Problem]:
    """A ``give_up`` needs a blocking route, known destinations and shares summing to 1."""
    if not r.blocking:
        yield Problem(path, "expected give_up only on a blocking route (a wait for room downstream "
                      "that can end another way), found a route without 'blocking: true'", at_key=True)
    for k, alt in enumerate(r.give_up.routes):
        msg = _unknown(alt.to, cfg, allow_exits=True)
        if msg:
            yield Problem(path + ("routes", k, "to"), msg)
    total = sum(alt.p for alt in r.give_up.routes)
    if abs(total - 1.0) > ROUTE_TOLERANCE:
        yield Problem(path + ("routes",), f"expected give_up route probabilities summing to 1, found {total:.10g}")


def _route_sets(name: str, spec) -> Iterator[tuple[tuple, list]]:
    base = ("services", name, "routes")
    if isinstance(spec, dict):
        for cohort, routes in spec.items():
            yield base + (cohort,), routes
    else:
        yield base, spec


# ------------------------------------------------------------------- cohorts
def _by_cohort(cfg: Config, path: tuple, spec: Any, what: str) -> Iterator[Problem]:
    if not isinstance(spec, dict):
        return
    cohorts = list(cfg.cohorts)
    for key in spec:
        if key != "default" and key not in cohorts:
            yield Problem(path + (key,), f"unknown cohort '{key}'" + did_you_mean(key, cohorts + ["default"]),
                          at_key=True)
    if "default" not in spec:
        for c in cohorts:
            if c not in spec:
                yield Problem(path, f"no {what} for cohort '{c}' and no 'default'")
                break


def _cohort_specs(cfg: Config) -> Iterator[Problem]:
    cohorts = list(cfg.cohorts)
    for sname, src in cfg.sources.items():
        for key in src.cohorts or {}:
            if key not in cohorts:
                yield Problem(("sources", sname, "cohorts", key), f"unknown cohort '{key}'"
                              + did_you_mean(key, cohorts), at_key=True)
    for name, svc in cfg.services.items():
        base = ("services", name)
        yield from _by_cohort(cfg, base + ("duration",), svc.duration, "duration")
        yield from _by_cohort(cfg, base + ("routes",), svc.routes, "routes")
        yield from _route_holds(cfg, name, svc.routes)
        if isinstance(svc, QueueService):
            if svc.patience is not None:
                yield from _by_cohort(cfg, base + ("patience",), svc.patience, "patience")
            for key in svc.priority:
                if key not in cohorts:
                    yield Problem(base + ("priority", key), f"unknown cohort '{key}'" + did_you_mean(key, cohorts),
                                  at_key=True)


def _route_holds(cfg: Config, name: str, spec) -> Iterator[Problem]:
    """A by-cohort ``hold`` (or ``give_up.after``) must cover the cohorts that can take its route."""
    cohorts = list(cfg.cohorts)
    for path, routes in _route_sets(name, spec):
        users = cohorts if not isinstance(spec, dict) else (
            [path[-1]] if path[-1] != "default" else [c for c in cohorts if c not in spec])
        for i, r in enumerate(routes):
            given = [((i, "hold"), r.hold, "hold")]
            if r.give_up is not None:
                given.append(((i, "give_up", "after"), r.give_up.after, "give_up time"))
            for sub, by, what in given:
                if not isinstance(by, dict):
                    continue
                for key in by:
                    if key != "default" and key not in cohorts:
                        yield Problem(path + sub + (key,), f"unknown cohort '{key}'"
                                      + did_you_mean(key, cohorts + ["default"]), at_key=True)
                if "default" not in by:
                    for c in users:
                        if c not in by:
                            yield Problem(path + sub, f"no {what} for cohort '{c}' and no 'default'")
                            break


# ---------------------------------------------------------------------- sums
def _sums(cfg: Config) -> Iterator[Problem]:
    for sname, src in cfg.sources.items():
        if src.cohorts is not None:
            total = sum(src.cohorts.values())
            if abs(total - 1.0) > MIX_TOLERANCE:
                yield Problem(("sources", sname, "cohorts"),
                              f"expected cohort shares summing to 1, found {total:.10g}")
    for name, svc in cfg.services.items():
        for path, routes in _route_sets(name, svc.routes):
            total = sum(r.p for r in routes)
            if abs(total - 1.0) > ROUTE_TOLERANCE:
                yield Problem(path, f"expected route probabilities summing to 1, found {total:.10g}")


def _calendar_keys(cfg: Config) -> Iterator[Problem]:
    """Month profiles, growth, bank holidays and date ranges need a start date."""
    if cfg.run.start is not None:
        return
    why = "needs a start date for the run (run.start: YYYY-MM-DD), found none"
    if cfg.run.bank_holidays is not None:
        yield Problem(("run", "bank_holidays"), f"expected no bank holidays without a calendar: it {why}")
    for sname, src in cfg.sources.items():
        for key in ("by_month", "growth", "bank_holidays"):
            if key in src.model_fields_set:
                yield Problem(("sources", sname, key), f"'{key}' {why}")
    for name, svc in cfg.services.items():
        for key in ("dates", "bank_holidays"):
            if key in svc.model_fields_set:
                yield Problem(("services", name, key), f"'{key}' {why}")


# --------------------------------------------------------------- the network
def _edges(cfg: Config) -> dict[str, set[str]]:
    """Where a patient at each node may go next: routes with p > 0, when_full, elsewhere."""
    out: dict[str, set[str]] = {}
    for name, svc in cfg.services.items():
        nxt = {r.to for _, routes in _route_sets(name, svc.routes) for r in routes if r.p > 0}
        if isinstance(svc, QueueService) and svc.when_full is not None:
            nxt.add(svc.when_full.to)
        if isinstance(svc, BookingService) and svc.elsewhere is not None and svc.elsewhere.p > 0:
            nxt.add(svc.elsewhere.to)
        out[name] = nxt
    return out


def _network_shape(cfg: Config) -> Iterator[Problem]:
    edges = _edges(cfg)
    exits = set(cfg.exit_names)
    # Nodes that can reach an exit, grown backwards from the exits.
    leaves = {n for n, nxt in edges.items() if nxt & exits}
    changed = True
    while changed:
        changed = False
        for n, nxt in edges.items():
            if n not in leaves and nxt & leaves:
                leaves.add(n)
                changed = True
    for name in cfg.services:
        if name in leaves:
            continue
        reach, stack = [], [name]
        while stack:
            v = stack.pop()
            for w in sorted(edges.get(v, ())):
                if w not in reach:
                    reach.append(w)
                    stack.append(w)
        shown = sorted(reach) if reach else []
        lead = f"only lead back to {_names(shown)}" if shown else "lead nowhere"
        yield Problem(("services", name, "routes"), f"patients entering '{name}' can never leave: "
                      f"routes from '{name}' {lead}; add a route to an exit")
    for name, svc in cfg.services.items():
        if not isinstance(svc, QueueService) or svc.when_full is None:
            continue
        chain, cur = [name], svc.when_full.to
        while True:
            if cur == name:
                chain.append(cur)
                if name != min(chain):  # report each loop once, from its first name
                    break
                yield Problem(("services", name, "when_full", "to"), "expected a when_full chain that ends "
                              f"somewhere, found a loop: {' -> '.join(chain)}")
                break
            nxt = cfg.services.get(cur)
            if cur in chain or not isinstance(nxt, QueueService) or nxt.when_full is None:
                break
            chain.append(cur)
            cur = nxt.when_full.to


# -------------------------------------------------------------------- size
MAX_PATIENTS = 50_000_000   # per replication; memory grows with patients (benchmarks/README.md)


def _size(cfg: Config) -> Iterator[Problem]:
    """A run whose sources would bring more patients than one replication can hold
    is refused before it starts, not after it has filled the memory."""
    days = cfg.run.horizon / MINUTES_PER_DAY
    expected = 0.0
    for src in cfg.sources.values():
        if src.per_1000 is not None:  # a population source (without a population: reported elsewhere)
            per_day = 0.0 if cfg.population is None else per_1000_rate(cfg.population, src) * MINUTES_PER_DAY
        else:
            per_day = src.rate * MINUTES_PER_DAY if src.rate is not None else sum(src.rate_by_hour)
        # growth (the calendar) raises the rate to (1 + g)^years by the end: bound by that
        expected += per_day * days * max(1.0, (1.0 + src.growth) ** (days / 365.25))
    if expected > MAX_PATIENTS:
        key = "rate" if len(cfg.sources) == 1 else None
        path = ("sources", next(iter(cfg.sources)), key) if key else ("run", "horizon")
        yield Problem(path, f"expected at most {MAX_PATIENTS:,} patients per replication, found about "
                            f"{expected:,.0f} (source rates x {days:,.0f}-day horizon); shorten the horizon "
                            f"or lower the rates")
