"""The cost ledger of one run: who pays for what, from the event log and the prices.

Engines never compute costs (docs/design.md); everything here is measured over the
window ``[net.warm_up, log.horizon)`` from what happened. Four kinds of cost,
which add up to ``cost_total``:

- **activity**, charged to the payer of the node: ``per_day`` x days a server is
  held (blocked time included), ``per_visit`` x visits started, ``per_admission``
  x admissions to the node, ``ed_attendance`` x ED attendances (at the first ED
  node of the attendance);
- **capacity**, to the node's payer: ``per_server_day`` x server-days the capacity
  schedule offers in the window, used or not; servers above ``escalation.above``
  at the escalation price; escalation beds that open on occupancy (a queue node's
  ``escalation``) at their ``cost_per_bed_day`` x bed days open
  (``escalation_metrics``);
- **unmet demand**, to the node's payer: a price per patient who left the node's
  queue without being seen, or was sent from it to an exit unserved (``when_full``
  or ``elsewhere`` to an exit), so that gridlock never reads as a saving;
- **interventions**, to the intervention's payer while it is switched on:
  ``per_year`` x years in the window, plus ``per_patient`` x patients it saw in
  the window (assessments started, diversions arrived, or route decisions made
  for its cohorts at its ``at`` node).

``cost.delayed_discharge`` is reported beside them, not added: delayed bed days
at the full price of a bed day (``per_day`` plus the capacity price per server-day).

For breakdowns by group (cohort, age band) the costs are also attributed to log
rows: activity, unmet demand and per-patient intervention costs to the row that
incurred them, a node's capacity cost to the rows that held its servers in
proportion to server-minutes held. What no row incurred (the capacity of a node
nobody used, fixed intervention costs) is ``overhead``, which
``flowsim.groups`` spreads in proportion to the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .escalation_metrics import escalation_bed_days
from .eventlog import DIVERTED, ELSEWHERE, RENEGED, EventLog
from .episodes import _capacity_minutes, _episodes, _in_window, _overlap, _until
from .network import Network
from .units import MINUTES_PER_DAY

__all__ = ["Ledger", "ledger", "cost_metrics", "capacity_days"]

MINUTES_PER_YEAR = 365.0 * MINUTES_PER_DAY


@dataclass(frozen=True)
class Ledger:
    """A run's costs. P payers, N nodes, I interventions; one entry per log row."""

    row_cost: np.ndarray      # (rows,) costs attributed to each log row
    overhead: float           # costs no row incurred (idle capacity, fixed intervention costs)
    payer: np.ndarray         # (P,) cost to each payer
    activity: float
    capacity: float
    unmet_demand: float
    intervention: np.ndarray  # (I,) cost of each intervention
    delayed_discharge: float

    @property
    def total(self) -> float:
        return self.activity + self.capacity + self.unmet_demand + float(self.intervention.sum())


def capacity_days(capacity: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Server-days each row of a capacity schedule offers in ``[lo, hi)``.

    The one place costs read the capacity schedule: a change to how schedules are
    stored changes ``metrics._capacity_minutes`` and nothing here.
    """
    return _capacity_minutes(capacity, lo, hi) / MINUTES_PER_DAY


def _capacity_cost(net: Network, lo: float, hi: float) -> np.ndarray:
    """Cost per node of the capacity offered in the window, escalation servers at their price."""
    pr = net.prices
    priced = (pr.cap_price > 0) | (pr.esc_price > 0)
    out = np.zeros(net.n_nodes)
    if not priced.any():
        return out
    cap = np.asarray(net.capacity)[priced]
    above = pr.esc_above[priced].reshape((-1,) + (1,) * (cap.ndim - 1))
    base = capacity_days(np.minimum(cap, above), lo, hi)
    extra = capacity_days(np.maximum(cap - np.minimum(cap, above), 0), lo, hi)
    out[priced] = pr.cap_price[priced] * base + pr.esc_price[priced] * extra
    return out


def _iv_patient_rows(log: EventLog, net: Network, i: int, lo: float, hi: float) -> np.ndarray:
    """Rows of the patients intervention i saw in the window (see module docstring)."""
    iv = net.interventions
    at = iv._at[i]
    from_at = (log.prev == at) & net.prices.iv_cohorts[i][log.cohort]
    if iv.assess_by[i] >= 0:
        return from_at & (log.node == iv.assess_by[i]) & _in_window(log.start, lo, hi)
    if iv.divert_to[i] >= 0:
        return from_at & (log.node == iv.divert_to[i]) & _in_window(log.arrive, lo, hi)
    return (log.node == at) & net.prices.iv_cohorts[i][log.cohort] & _in_window(log.end, lo, hi)


def _activity(log: EventLog, net: Network, lo: float, hi: float, held: np.ndarray, ep) -> np.ndarray:
    node = log.node
    cost = net.cost_per_day[node] * held / MINUTES_PER_DAY
    cost += net.cost_per_visit[node] * _in_window(log.start, lo, hi)
    arrival, _, _, first = ep.ed
    cost[first[_in_window(arrival, lo, hi)]] += net.cost_ed_attendance
    if net.prices is not None:
        adm = ep.admission_rows
        adm = adm[_in_window(log.start[adm], lo, hi)]
        cost[adm] += net.prices.per_admission[node[adm]]
    return cost


def _unmet(log: EventLog, net: Network, lo: float, hi: float) -> np.ndarray:
    pr, node = net.prices, log.node
    arrived = _in_window(log.arrive, lo, hi)
    lwbs = arrived & (log.outcome == RENEGED)
    out = arrived & ((log.outcome == DIVERTED) | (log.outcome == ELSEWHERE)) & (log.dest < 0)
    return pr.lwbs_price[node] * lwbs + pr.diverted_price[node] * out


def ledger(log: EventLog, net: Network, episodes=None) -> Ledger:
    """The costs of one run over the window ``[net.warm_up, log.horizon)``.

    Parameters
    ----------
    log : EventLog
        The run's event log.
    net : Network
        Its network; ``net.prices`` None means activity costs only, to one payer.
    episodes : optional
        ``metrics._episodes(log, net)``, if already computed.

    Returns
    -------
    Ledger
    """
    lo, hi = float(net.warm_up), float(log.horizon)
    node, rows = log.node, len(log)
    held = _overlap(log.start, _until(log.depart, log.horizon), lo, hi)
    activity = _activity(log, net, lo, hi, held, episodes if episodes is not None else _episodes(log, net))
    delayed = np.where(net.bed[node], _overlap(log.end, _until(log.depart, log.horizon), lo, hi), 0.0)
    pr = net.prices
    I = len(net.interventions.names) if net.interventions is not None else 0
    esc = escalation_bed_days(log, net) * (net.escalation_cost if net.escalation is not None else 0.0)
    if pr is None:
        price = net.cost_per_day[node] / MINUTES_PER_DAY
        total = float(activity.sum()) + float(esc.sum())
        return Ledger(activity, float(esc.sum()), np.array([total]), float(activity.sum()), float(esc.sum()), 0.0,
                      np.zeros(I), float((delayed * price).sum()))
    N, P = net.n_nodes, len(pr.payer_names)
    unmet = _unmet(log, net, lo, hi)
    cap = _capacity_cost(net, lo, hi) + esc
    node_held = np.bincount(node, weights=held, minlength=N)
    used = node_held > 0
    share = np.divide(held, node_held[node], out=np.zeros(rows), where=node_held[node] > 0)
    row_cost = activity + unmet + cap[node] * share
    overhead = float(cap[~used].sum())
    payer = np.bincount(pr.node_payer[node], weights=activity + unmet, minlength=P)
    payer += np.bincount(pr.node_payer, weights=cap, minlength=P)
    iv_cost = np.zeros(I)
    for i in range(I):
        if not net.interventions.active[i]:
            continue
        fixed = pr.iv_per_year[i] * (hi - lo) / MINUTES_PER_YEAR
        seen = _iv_patient_rows(log, net, i, lo, hi) if pr.iv_per_patient[i] > 0 else np.zeros(rows, bool)
        row_cost += pr.iv_per_patient[i] * seen
        iv_cost[i] = fixed + pr.iv_per_patient[i] * float(seen.sum())
        overhead += fixed
        payer[pr.iv_payer[i]] += iv_cost[i]
    price = (net.cost_per_day + pr.cap_price)[node] / MINUTES_PER_DAY
    return Ledger(row_cost, overhead, payer, float(activity.sum()), float(cap.sum()), float(unmet.sum()),
                  iv_cost, float((delayed * price).sum()))


def cost_metrics(led: Ledger, net: Network) -> dict[str, float]:
    """``cost_total`` and the ``cost.*`` metrics of a ledger (docs/costs.md)."""
    out = {"cost_total": led.total}
    if net.prices is None:
        return out
    pr = net.prices
    for p, name in enumerate(pr.payer_names):
        out[f"cost.{name}"] = float(led.payer[p])
    for q, name in enumerate(pr.pool_names):
        out[f"cost.{name}"] = float(led.payer[pr.pool_members[q]].sum())
    out["cost.activity"] = led.activity
    out["cost.capacity"] = led.capacity
    out["cost.unmet_demand"] = led.unmet_demand
    out["cost.delayed_discharge"] = led.delayed_discharge
    out["cost.intervention"] = float(led.intervention.sum())
    for i, name in enumerate(net.interventions.names if net.interventions is not None else ()):
        out[f"cost.intervention.{name}"] = float(led.intervention[i])
    return out
