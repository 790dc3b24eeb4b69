"""Config -> Network: the model as plain numpy arrays.

Engines and metrics read only a Network, never the config objects, so that a
compiled engine can take the same arrays. Node i is ``node_names[i]``; a
destination code ``d >= 0`` is a node, ``d < 0`` is exit ``-(d + 1)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .arrivals import weekly_rate
from .codes import NO_NODE
from .config.population import per_1000_rate
from .config.schema import WEEKDAYS, Config, QueueService
from .distributions import MAX_PARAMS, cumulative_weights, dist_arrays
from .interventions import InterventionArrays, build_interventions
from .node_tables import Build, by_cohort, dest_code, service_tables
from .population import PopulationArrays, ReadmitArrays, build_population, build_readmission
from .prices import Prices, build_prices
from .timeline import days_of_run, day_rows, hourly_rate, weekly_or_full
from .units import HOURS_PER_WEEK

__all__ = ["Network", "GiveUps", "build_network", "capacity_by_hour", "QUEUE", "BOOKING", "DELAY", "SETTING_CODES", "NO_NODE", "UNLIMITED"]

QUEUE, BOOKING, DELAY = 0, 1, 2
KIND_CODES = {"queue": QUEUE, "booking": BOOKING, "delay": DELAY}
SETTING_CODES = {"primary": 0, "ed": 1, "acute": 2, "community": 3, "social_care": 4}
ED, ACUTE = SETTING_CODES["ed"], SETTING_CODES["acute"]
UNLIMITED = 2**31 - 1     # servers of a delay node


@dataclass(frozen=True)
class GiveUps:
    """Blocked waits that end another way (a route's ``give_up``), R routes, A alternatives.

    A patient blocked on route r (keeping its bed while it waits for room at the
    route's node) leaves that queue after its drawn ``give_up`` time, frees the bed
    and goes to one of the alternatives ``dest[start[r] .. start[r] + length[r]]``,
    chosen by its own uniform against ``cum``.
    """

    has: np.ndarray             # (R,) bool: the route has a give_up
    code: np.ndarray            # (R,) int8 distribution code of the time until it ends another way
    params: np.ndarray          # (R, MAX_PARAMS) float64
    start: np.ndarray           # (R,) int64 first alternative of the route
    length: np.ndarray          # (R,) int64 number of alternatives
    dest: np.ndarray            # (A,) int64 destination codes
    cum: np.ndarray             # (A,) float64 cumulative probability within the route's alternatives

    def edges(self, route_dest) -> list[tuple[int, int]]:
        """(node waited at, alternative node) for every alternative that is a node;
        ``route_dest`` is ``Network.route_dest`` (the node a blocked patient waits at)."""
        out = []
        for r in np.flatnonzero(self.has):
            for a in range(self.start[r], self.start[r] + self.length[r]):
                if self.dest[a] >= 0:
                    out.append((int(route_dest[r]), int(self.dest[a])))
        return out


@dataclass(frozen=True)
class Network:
    """A validated model as arrays. N nodes, C cohorts, S sources, R routes."""

    name: str
    node_names: tuple[str, ...]
    exit_names: tuple[str, ...]
    cohorts: tuple[str, ...]
    source_names: tuple[str, ...]
    horizon: float
    warm_up: float
    # nodes
    kind: np.ndarray            # (N,) int8: QUEUE, BOOKING, DELAY
    setting: np.ndarray         # (N,) int8: SETTING_CODES
    bed: np.ndarray             # (N,) bool
    # Time-indexed arrays repeat with their own length: hour h of the run uses column
    # h % P. P is 168 (a week) unless the calendar makes weeks differ (run.start with
    # months, growth, bank holidays or date ranges): then the run's hours (and days).
    capacity: np.ndarray        # (N, P) int64 servers by hour (UNLIMITED for delay)
    scheduled: np.ndarray       # (N,) bool: capacity changes during the week
    priority: np.ndarray        # (N, C) int64, lower is served first
    dur_code: np.ndarray        # (N, C) int8 distribution codes
    dur_params: np.ndarray      # (N, C, MAX_PARAMS) float64
    has_patience: np.ndarray    # (N,) bool
    pat_code: np.ndarray        # (N, C) int8
    pat_params: np.ndarray      # (N, C, MAX_PARAMS)
    full_to: np.ndarray         # (N,) int64 destination when full on arrival, or NO_NODE
    queue_limit: np.ndarray     # (N,) int64 queue length tolerated before when_full applies
    # routes: for node n and cohort c, routes route_start[n, c] .. + route_len[n, c]
    route_start: np.ndarray     # (N, C) int64
    route_len: np.ndarray       # (N, C) int64
    route_dest: np.ndarray      # (R,) int64 destination codes
    route_cum: np.ndarray       # (R,) float64 cumulative probability within its set
    route_block: np.ndarray     # (R,) bool
    # hold: time to arrange a discharge after service, before moving on (routes without one: no hold)
    route_has_hold: np.ndarray  # (R,) bool
    route_hold_code: np.ndarray  # (R,) int8 distribution code
    route_hold_params: np.ndarray  # (R, MAX_PARAMS) float64
    route_node: np.ndarray      # (R,) int64 node the route leaves from
    route_cohort: np.ndarray    # (R,) int64 cohort whose route set holds it
    route_index: np.ndarray     # (R,) int64 position in its route set (names the hold stream)
    # booking nodes
    slots: np.ndarray           # (N, D) int64 slots per day (D = 7, weekdays, or the run's days)
    open_at: np.ndarray         # (N,) float64 minute of day the first slot starts
    close_at: np.ndarray        # (N,) float64 minute of day the day's slots end
    elsewhere_after: np.ndarray  # (N,) float64 (inf when no rule)
    elsewhere_p: np.ndarray     # (N,) float64
    elsewhere_to: np.ndarray    # (N,) int64 destination code or NO_NODE
    # sources
    source_to: np.ndarray       # (S,) int64 entry node
    source_rate: np.ndarray     # (S, P) float64 arrivals per minute by hour (as capacity)
    source_cohort_cum: np.ndarray  # (S, C) float64 cumulative cohort mix
    # empirical distributions: values/cumulative weights, indexed by params[0]
    emp_values: tuple[np.ndarray, ...]
    emp_cum: tuple[np.ndarray, ...]
    # costs
    cost_per_day: np.ndarray    # (N,)
    cost_per_visit: np.ndarray  # (N,)
    cost_ed_attendance: float
    # visits to a node a patient can make: 1 unless the node lies on a cycle
    revisit: np.ndarray         # (N,) bool
    # interventions (see flowsim.interventions): every defined one, with its switch
    interventions: InterventionArrays | None = None
    # blocked waits that end another way; None when no route has a give_up
    give_up: GiveUps | None = None
    # escalation beds (None: no node has any): (N, 3) int64 beds, open_at, close_below
    # (beds 0 where none), and (N,) float64 GBP per escalation bed day open
    escalation: np.ndarray | None = None
    escalation_cost: np.ndarray | None = None
    # (E,) bool: leaving by this exit means the patient died (None: the exit named 'died')
    exit_is_death: np.ndarray | None = None
    # payers and prices, read after the run by flowsim.ledger (None: activity costs only)
    prices: Prices | None = None
    # a registered population, targeting and readmissions (see flowsim.population)
    population: PopulationArrays | None = None
    readmit: ReadmitArrays | None = None
    # the calendar: time 0 is this date at 00:00 (None: a Monday of no date)
    start: dt.date | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.node_names)

    def dest_name(self, code: int) -> str:
        return self.node_names[code] if code >= 0 else self.exit_names[-code - 1]


def _schedule_week(schedule) -> np.ndarray:
    """Servers by hour of a Monday-first week from a Schedule."""
    cap = np.empty(HOURS_PER_WEEK, dtype=np.int64)
    for d, day in enumerate(WEEKDAYS):
        cap[d * 24:(d + 1) * 24] = schedule.weekdays.get(day, schedule.hours)
    return cap


def _weekly_capacity(svc) -> np.ndarray:
    if isinstance(svc, QueueService):
        if svc.schedule is not None:
            return _schedule_week(svc.schedule)
        return np.full(HOURS_PER_WEEK, svc.servers, dtype=np.int64)
    return np.full(HOURS_PER_WEEK, UNLIMITED, dtype=np.int64)


def capacity_by_hour(net: Network, n_hours: int) -> np.ndarray:
    """Servers of every node in each of the first ``n_hours`` hours of the run: (N, n_hours).

    The one reading of ``Network.capacity`` over time (metrics, reports and costs use
    it; engines index the same array by ``h % P``). Delay nodes read UNLIMITED.
    """
    P = net.capacity.shape[1]
    return net.capacity[:, np.arange(int(n_hours)) % P]


def _weekday(name: str | None) -> int | None:
    return None if name is None else WEEKDAYS.index(name)


def _calendar_capacity(svc, weekly: np.ndarray, days) -> np.ndarray:
    """Hourly servers of one node over the run's days: bank holidays, then date ranges."""
    if not isinstance(svc, QueueService):
        return day_rows(weekly, days.weekday)
    wd = days.weekday_as(_weekday(svc.bank_holidays))
    cap = day_rows(weekly, wd)
    for rng in svc.dates:  # later ranges win
        on = np.repeat(rng.days(days.start, days.n_days), 24)
        if rng.servers is not None:
            cap[on] = rng.servers
        else:
            cap[on] = day_rows(_schedule_week(rng.schedule), wd)[on]
    return cap


def _calendar(cfg: Config, capacity: np.ndarray, slots: np.ndarray, rate: np.ndarray):
    """Capacity, slots and source rates over the run's dates (see flowsim.timeline)."""
    days = days_of_run(cfg.run.start, cfg.run.horizon, cfg.run.bank_holidays)
    svcs = list(cfg.services.values())
    cap = np.stack([_calendar_capacity(svc, capacity[i], days) for i, svc in enumerate(svcs)])
    sl = np.stack([slots[i][days.weekday_as(_weekday(getattr(svc, "bank_holidays", None)))]
                   for i, svc in enumerate(svcs)])
    rt = np.stack([hourly_rate(rate[s], days, src.by_month, src.growth, _weekday(src.bank_holidays))
                   for s, src in enumerate(cfg.sources.values())])
    return weekly_or_full(cap, HOURS_PER_WEEK), weekly_or_full(sl, 7), weekly_or_full(rt, HOURS_PER_WEEK)


def _on_cycle(n_nodes: int, edges: list[tuple[int, int]]) -> np.ndarray:
    """Nodes that can reach themselves again."""
    succ = [set() for _ in range(n_nodes)]
    for a, b in edges:
        succ[a].add(b)
    out = np.zeros(n_nodes, dtype=bool)
    for s in range(n_nodes):
        seen, stack = set(), list(succ[s])
        while stack:
            v = stack.pop()
            if v == s:
                out[s] = True
                break
            if v not in seen:
                seen.add(v)
                stack.extend(succ[v])
    return out


def _route_holds(r_hold, r_node, r_cohort, r_index) -> dict[str, np.ndarray]:
    """The route hold arrays of Network from one (code, params) or None per route."""
    R = len(r_hold)
    code = np.zeros(R, dtype=np.int8)
    params = np.zeros((R, MAX_PARAMS))
    for r, h in enumerate(r_hold):
        if h is not None:
            code[r], params[r] = h
    i64 = np.int64
    return dict(route_has_hold=np.array([h is not None for h in r_hold], dtype=bool), route_hold_code=code,
                route_hold_params=params, route_node=np.array(r_node, dtype=i64),
                route_cohort=np.array(r_cohort, dtype=i64), route_index=np.array(r_index, dtype=i64))


def _give_ups(cfg: Config, cohorts, nodes, exits, emp_values, emp_cum) -> GiveUps | None:
    """The GiveUps of the routes in Network order (services, cohorts, routes), or None."""
    has, code, params, start, length, dest, cum = [], [], [], [], [], [], []
    for svc in cfg.services.values():
        for c, routes in enumerate(by_cohort(svc.routes, cohorts)):
            for r in routes:
                g = r.give_up
                has.append(g is not None)
                start.append(len(dest))
                length.append(0 if g is None else len(g.routes))
                if g is None:
                    code.append(0)
                    params.append(np.zeros(MAX_PARAMS))
                    continue
                # the time until the wait ends another way may differ by cohort
                k, prm = dist_arrays(by_cohort(g.after, cohorts)[c], emp_values, emp_cum)
                code.append(k)
                params.append(prm)
                dest.extend(dest_code(a.to, nodes, exits) for a in g.routes)
                cum.extend(cumulative_weights([a.p for a in g.routes]).tolist())
    if not any(has):
        return None
    i64 = np.int64
    return GiveUps(has=np.array(has, dtype=bool), code=np.array(code, dtype=np.int8), params=np.array(params),
                   start=np.array(start, dtype=i64), length=np.array(length, dtype=i64),
                   dest=np.array(dest, dtype=i64), cum=np.array(cum, dtype=float))


def _escalation(cfg: Config) -> dict:
    """The escalation arrays, or None for both when no service has escalation beds."""
    esc = [getattr(s, "escalation", None) for s in cfg.services.values()]
    if all(e is None for e in esc):
        return dict(escalation=None, escalation_cost=None)
    arr = np.array([(e.beds, e.open_at, e.close_below) if e else (0, 0, 0) for e in esc], dtype=np.int64)
    return dict(escalation=arr, escalation_cost=np.array([e.cost_per_bed_day if e else 0.0 for e in esc]))


def _sources(cfg: Config, nodes: dict[str, int], cohorts: list[str]) -> dict[str, np.ndarray]:
    """Each source's weekly arrival rate, entry node and cumulative cohort mix."""
    source_rate = np.stack([weekly_rate(s, None if s.per_1000 is None else per_1000_rate(cfg.population, s))
                            for s in cfg.sources.values()])
    source_to = np.array([nodes[s.to] for s in cfg.sources.values()], dtype=np.int64)
    source_cohort_cum = np.zeros((len(cfg.sources), len(cohorts)))
    for s, src in enumerate(cfg.sources.values()):
        mix = np.zeros(len(cohorts))
        if src.cohorts is None:
            mix[0] = 1.0
        else:
            for coh, w in src.cohorts.items():
                mix[cohorts.index(coh)] = w
        source_cohort_cum[s] = cumulative_weights(mix)
    return dict(source_rate=source_rate, source_to=source_to, source_cohort_cum=source_cohort_cum)


def _revisits(N: int, edges: list[tuple[int, int]], iv: InterventionArrays, readmit) -> np.ndarray:
    """(N,) bool: nodes a patient can visit more than once (on a cycle of the graph)."""
    if readmit is not None:  # a return re-enters: nodes on its way can be visited again
        edges = edges + [(int(a), readmit.to) for a in np.flatnonzero(readmit.after)]
    revisit = _on_cycle(N, edges)
    for at, by in zip(iv._at, iv.assess_by.tolist()):
        # an assessment is a side trip from `at`: each return to `at` is another visit to `by`
        if at >= 0 and by >= 0 and revisit[at]:
            revisit[by] = True
    return revisit


def build_network(cfg: Config) -> Network:
    """Turn a validated Config into a Network of arrays."""
    names = list(cfg.services)
    nodes = {n: i for i, n in enumerate(names)}
    exit_names = cfg.exit_names
    cohorts = list(cfg.cohorts)
    b = Build(cohorts, nodes, {e: i for i, e in enumerate(exit_names)})
    a, rl = service_tables(cfg, b)
    capacity = np.stack([_weekly_capacity(s) for s in cfg.services.values()])
    src = _sources(cfg, nodes, cohorts)
    if cfg.run.start is not None:
        capacity, a["slots"], src["source_rate"] = _calendar(cfg, capacity, a["slots"], src["source_rate"])
    scheduled = np.array([capacity[i].min() != capacity[i].max() for i in range(len(names))], dtype=bool)

    r_dest_a, r_cum_a = np.array(rl["dest"], dtype=np.int64), np.array(rl["cum"], dtype=float)
    give_up = _give_ups(cfg, cohorts, nodes, b.exits, b.emp_values, b.emp_cum)
    if give_up is not None:
        b.edges += give_up.edges(r_dest_a)
    iv = build_interventions(cfg, nodes, b.exits, a["route_start"], a["route_len"], r_dest_a, r_cum_a,
                             b.emp_values, b.emp_cum)
    b.edges += iv.extra_edges()
    readmit = build_readmission(cfg, nodes, exit_names, b.emp_values, b.emp_cum)

    return Network(
        name=cfg.name, node_names=tuple(names), exit_names=tuple(exit_names), cohorts=tuple(cohorts),
        source_names=tuple(cfg.sources), horizon=float(cfg.run.horizon), warm_up=float(cfg.run.warm_up),
        kind=np.array([KIND_CODES[s.kind] for s in cfg.services.values()], dtype=np.int8),
        setting=np.array([SETTING_CODES[s.setting] for s in cfg.services.values()], dtype=np.int8),
        bed=np.array([s.bed for s in cfg.services.values()], dtype=bool), capacity=capacity, scheduled=scheduled,
        **a, route_dest=r_dest_a, route_cum=r_cum_a, route_block=np.array(rl["block"], dtype=bool),
        **_route_holds(rl["hold"], rl["node"], rl["cohort"], rl["index"]), **src,
        emp_values=tuple(b.emp_values), emp_cum=tuple(b.emp_cum),
        cost_per_day=np.array([cfg.costs.per_day.get(n, 0.0) for n in names]),
        cost_per_visit=np.array([cfg.costs.per_visit.get(n, 0.0) for n in names]),
        cost_ed_attendance=float(cfg.costs.ed_attendance), revisit=_revisits(len(names), b.edges, iv, readmit),
        interventions=iv, give_up=give_up, **_escalation(cfg),
        exit_is_death=np.array([e in cfg.deaths for e in exit_names], dtype=bool), prices=build_prices(cfg),
        population=build_population(cfg), readmit=readmit,
        start=cfg.run.start,
    )
