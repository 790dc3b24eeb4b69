"""Streamed -> Metrics: the metrics of ``metrics.measure`` from the sums the compiled loop kept.

The twin of ``metrics.measure`` for a replication that measured as it ran
(``flowsim.streamed``, ``engines._tally``): the same names and definitions, the
same assembly (``metrics.assemble``). Figures equal the event-log ones up to the
order of floating-point summation (sums of minutes and costs, row by row here,
pairwise in numpy there: differences of order 1e-12 relative); counts, and the
wait quantiles (exact: the waits are kept), are equal.
"""

from __future__ import annotations

import numpy as np

from .escalation_metrics import escalation_bed_days, escalation_metrics
from .groups import GROUP_METRICS, _spread, group_dict
from .ledger import MINUTES_PER_YEAR, Ledger, _capacity_cost, cost_metrics
from .metrics import _ed_summary, _utilisation, _waits, assemble
from .network import Network
from .stability import node_load
from .streamed import (A_ARR, A_BOOKED, A_BUSY, A_COST, A_DCOST, A_DEATHS, A_DEL, A_DIV, A_OTHER, A_Q1N, A_Q1S,
                       A_Q4N, A_Q4S, A_REN, A_ROWS, A_SERVED, A_STILL, A_SVCN, A_UNMET, A_SVCS, C_ADM, C_ATT, C_BED,
                       C_BREACH, C_COST, C_DEATHS, C_DEL, T_ADM, T_ATT, T_BREACH, T_CENS, T_DTA, T_TWELVE,
                       Streamed)
from .tallies import intervention_metrics
from .units import MINUTES_PER_DAY

__all__ = ["measure_streamed"]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1.0), np.nan)


def _per_node(st: Streamed, net: Network, lo: float, hi: float) -> dict[str, np.ndarray]:
    """``metrics._per_node`` from the per-node sums."""
    a = st.na
    busy = a[:, A_BUSY]
    out = {"arrivals": a[:, A_ARR].copy(), "served": a[:, A_SERVED].copy(), "diverted": a[:, A_DIV].copy(),
           "reneged": a[:, A_REN].copy(), "still_waiting": a[:, A_STILL].copy(), "other_route": a[:, A_OTHER].copy(),
           "busy": busy, "bed_days": np.where(net.bed, busy, 0.0) / MINUTES_PER_DAY,
           "delayed_bed_days": a[:, A_DEL] / MINUTES_PER_DAY, "mean_occupancy": busy / (hi - lo)}
    out.update(_waits(st.wait_node, st.wait, net.n_nodes))
    cap_minutes = _utilisation(out, a[:, A_BOOKED], net, lo, hi)
    out["offered_load"] = node_load(a[:, A_ARR], _ratio(a[:, A_SVCS], a[:, A_SVCN]), cap_minutes,
                                    a[:, A_ROWS] > 0, net)
    out["wait_first_quarter"] = _ratio(a[:, A_Q1S], a[:, A_Q1N])
    out["wait_last_quarter"] = _ratio(a[:, A_Q4S], a[:, A_Q4N])
    return out


def _ledger(st: Streamed, net: Network, lo: float, hi: float) -> tuple[Ledger, np.ndarray]:
    """``ledger.ledger`` from the sums (no per-patient intervention prices: ``streamed.streamable``),
    and each cohort's cost before the overhead is spread."""
    a, pr = st.na, net.prices
    esc = escalation_bed_days(st, net) * (net.escalation_cost if net.escalation is not None else 0.0)
    direct = a[:, A_COST] + a[:, A_UNMET]
    I = len(net.interventions.names) if net.interventions is not None else 0
    delayed = float(a[:, A_DCOST].sum())
    cohort = st.cf[:, C_COST].copy()
    if pr is None:
        total = float(a[:, A_COST].sum()) + float(esc.sum())
        return Ledger(np.zeros(0), float(esc.sum()), np.array([total]), float(a[:, A_COST].sum()), float(esc.sum()),
                      0.0, np.zeros(I), delayed), cohort
    cap = _capacity_cost(net, lo, hi) + esc
    node_held = a[:, A_BUSY]
    used = node_held > 0
    share = np.divide(st.chold, node_held, out=np.zeros_like(st.chold), where=used)
    cohort += share @ cap
    overhead = float(cap[~used].sum())
    payer = np.bincount(pr.node_payer, weights=direct, minlength=len(pr.payer_names))
    payer += np.bincount(pr.node_payer, weights=cap, minlength=len(pr.payer_names))
    iv_cost = np.zeros(I)
    for i in range(I):
        if net.interventions.active[i]:
            iv_cost[i] = pr.iv_per_year[i] * (hi - lo) / MINUTES_PER_YEAR
            overhead += iv_cost[i]
            payer[pr.iv_payer[i]] += iv_cost[i]
    return Ledger(np.zeros(0), overhead, payer, float(a[:, A_COST].sum()), float(cap.sum()), float(a[:, A_UNMET].sum()),
                  iv_cost, delayed), cohort


def _give_ups(st: Streamed, net: Network) -> dict[str, float]:
    """``tallies.give_up_metrics`` from the (node, destination) counts."""
    g = net.give_up
    if g is None:
        return {}
    E = len(net.exit_names)
    out = {"other_route": float(st.na[:, A_OTHER].sum())}
    for r in np.flatnonzero(g.has):
        at = int(net.route_dest[r])
        for k in range(g.start[r], g.start[r] + g.length[r]):
            to = int(g.dest[k])
            out[f"other_route.{net.node_names[at]}.{net.dest_name(to)}"] = float(st.od[at, to + E])
    return out


def measure_streamed(st: Streamed, net: Network) -> dict[str, float]:
    """The metrics of a replication that measured as it ran: the same names and values as
    ``metrics.measure`` on its event log (see the module docstring for the differences)."""
    lo, hi = float(net.warm_up), float(st.horizon)
    if not hi > lo:
        raise ValueError(f"empty measurement window: warm-up {lo} min is not before horizon {hi} min")
    per = _per_node(st, net, lo, hi)
    t = st.tot
    ed = _ed_summary(float(t[T_ATT]), float(t[T_BREACH]), float(t[T_CENS]), float(t[T_TWELVE]), float(t[T_DTA]))
    led, cohort_cost = _ledger(st, net, lo, hi)
    cf = st.cf
    values = {"admissions": cf[:, C_ADM], "ed_attendances": cf[:, C_ATT], "four_hour_breaches": cf[:, C_BREACH],
              "bed_days": cf[:, C_BED] / MINUTES_PER_DAY, "delayed_bed_days": cf[:, C_DEL] / MINUTES_PER_DAY,
              "cost_total": _spread(cohort_cost, led.overhead), "deaths": cf[:, C_DEATHS]}
    parts = [cost_metrics(led, net), intervention_metrics(st, net), _give_ups(st, net), escalation_metrics(st, net),
             group_dict(values, net.cohorts, "cohort", GROUP_METRICS)]
    return assemble(net, float(st.patients), per, ed, float(t[T_ADM]), st.na[:, A_DEATHS], parts, {})
