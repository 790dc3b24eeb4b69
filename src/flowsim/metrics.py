"""EventLog -> Metrics: bed days, ED breaches, admissions, waits, occupancy, costs.

Everything is measured over the window ``[net.warm_up, log.horizon)``; whatever
happened during the warm-up is discarded, and whatever is still going on at the
horizon is cut there (see docs/design.md, "Metric definitions").

Times that did not happen by the horizon are NaN in the log. Throughout this
module a visit *holds a server* (a cubicle, a bed, a place in a delay node) from
``start`` to ``depart`` (or to the horizon when ``depart`` is NaN); blocked time
(``end`` .. ``depart``, a delayed discharge) is part of it. A visit that never
started (diverted, reneged, still queueing) holds nothing.

Visits linked into ED attendances and acute stays are ``episodes``'s (shared with the
ledger, the group breakdowns and the series); the costs are ``ledger``'s.

All loops are over nodes or hours of the week, never over rows.
"""

from __future__ import annotations

import numpy as np

from .episodes import (FOUR_HOURS, NAN, TWELVE_HOURS, _capacity_minutes, _episodes, _in_window, _overlap, _until,
                       _waits_from_decision, _whole_days, ed_times)
from .escalation_metrics import escalation_metrics
from .eventlog import DIVERTED, ELSEWHERE, IN_SYSTEM, OTHER_ROUTE, RENEGED, EventLog
from .groups import death_rows, group_metrics
from .ledger import cost_metrics, ledger
from .network import ACUTE, BOOKING, DELAY, QUEUE, Network
from .occupancy import hourly_occupancy  # re-exported: part of this module's interface
from .stability import node_stability
from .tallies import give_up_metrics, intervention_metrics
from .readmission_metrics import readmission_metrics
from .units import MINUTES_PER_DAY

# ed_times, FOUR_HOURS, TWELVE_HOURS: re-exported from ``episodes``
__all__ = ["measure", "assemble", "hourly_occupancy", "ed_times", "FOUR_HOURS", "TWELVE_HOURS"]

# --- per node --------------------------------------------------------------------------------

def _per_node(log: EventLog, net: Network, lo: float, hi: float) -> dict[str, np.ndarray]:
    N = net.n_nodes
    node, horizon = log.node, log.horizon
    arrived = _in_window(log.arrive, lo, hi)
    started = _in_window(log.start, lo, hi)

    def count(mask):
        return np.bincount(node[mask], minlength=N).astype(np.float64)

    def total(weights):
        return np.bincount(node, weights=weights, minlength=N)

    depart = _until(log.depart, horizon)
    held = _overlap(log.start, depart, lo, hi)
    busy = total(held)
    bed_row = net.bed[node]
    bed = total(np.where(bed_row, held, 0.0))
    delayed = total(np.where(bed_row, _overlap(log.end, depart, lo, hi), 0.0))

    out = {
        "arrivals": count(arrived),
        "served": count(started),
        "diverted": count(arrived & ((log.outcome == DIVERTED) | (log.outcome == ELSEWHERE))),
        "reneged": count(arrived & (log.outcome == RENEGED)),
        # arrived in the window and not started by the horizon: left out of wait_mean
        "still_waiting": count(arrived & (log.outcome == IN_SYSTEM) & np.isnan(log.start)),
        "other_route": count(arrived & (log.outcome == OTHER_ROUTE)),
        "busy": busy,
        "bed_days": bed / MINUTES_PER_DAY,
        "delayed_bed_days": delayed / MINUTES_PER_DAY,
        "mean_occupancy": busy / (hi - lo),
    }
    out.update(_waits(node[arrived], (log.start - log.arrive)[arrived], N))

    d0, d1 = _whole_days(lo, hi)
    day = np.floor(log.start / MINUTES_PER_DAY)
    cap_minutes = _utilisation(out, count((day >= d0) & (day < d1)), net, lo, hi)
    out.update(node_stability(log, net, lo, hi, cap_minutes))
    return out


def _utilisation(out: dict, booked: np.ndarray, net: Network, lo: float, hi: float) -> np.ndarray:
    """Adds ``utilisation`` and ``capacity_minutes`` to the per-node metrics ``out`` (which has
    ``busy``), from the visits ``booked`` on whole days of the window; returns the capacity-minutes."""
    N = net.n_nodes
    util = np.full(N, np.nan)
    cap_minutes = _capacity_minutes(net.capacity, lo, hi)
    queue = net.kind == QUEUE
    with np.errstate(divide="ignore", invalid="ignore"):
        util[queue] = out["busy"][queue] / cap_minutes[queue]
        d0, d1 = _whole_days(lo, hi)
        D = net.slots.shape[1]  # 7 weekdays, or the run's days on the calendar
        offered = net.slots @ np.bincount(np.arange(d0, d1) % D, minlength=D)
        booking = net.kind == BOOKING
        util[booking] = booked[booking] / offered[booking]
    util[(net.kind == DELAY) | ~np.isfinite(util)] = np.nan  # no capacity offered: undefined
    out["utilisation"] = util
    out["capacity_minutes"] = np.where(net.kind == DELAY, np.nan, cap_minutes)
    return cap_minutes


def _waits(node: np.ndarray, wait: np.ndarray, N: int) -> dict[str, np.ndarray]:
    """Mean, median and 95th centile of the waits of visits that started, and the share that waited, by node."""
    # MEM: one index array (stable: each node's waits in their order, so the means are the same
    # sums), and one node's waits gathered at a time, without the visits that never started.
    # PERF: node numbers as int16 when they fit, where numpy's stable sort is a radix sort (the same
    # order): 2.7 -> 1.1 ms for the perf chain's 150k waits
    order = np.argsort(node.astype(np.int16) if N < 2 ** 15 else node, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(node, minlength=N))])
    mean, median, p95, waited = (np.full(N, np.nan) for _ in range(4))
    for n in range(N):
        w = wait[order[bounds[n]:bounds[n + 1]]]
        w = w[~np.isnan(w)]
        if len(w):
            mean[n] = w.mean()
            median[n], p95[n] = np.percentile(w, [50.0, 95.0])
            waited[n] = np.mean(w > 0)
    return {"wait_mean": mean, "wait_median": median, "wait_p95": p95, "wait_share": waited}


# --- public ----------------------------------------------------------------------------------

def measure(log: EventLog, net: Network, band: np.ndarray | None = None) -> dict[str, float]:
    """Metrics of one run over the window ``[net.warm_up, log.horizon)``.

    Parameters
    ----------
    log : EventLog
        The run's event log.
    net : Network
        The network the run used (kinds, settings, beds, capacities, slots, costs).
    band : np.ndarray, optional
        Age band of each patient (``Draws.attrs.band``): adds ``age_band.<band>.<metric>``
        (``groups.group_metrics``). With ``Network.readmit``, ``readmissions_30d`` and
        ``readmission_rate_30d`` are measured too (``readmission_metrics``).

    Returns
    -------
    dict[str, float]
        Flat dotted names to plain floats; NaN where a ratio or a statistic has
        nothing to measure. Totals:

        - ``bed_days``, ``delayed_bed_days``: over bed-holding nodes, days a bed is
          held (``start`` .. ``depart``) and the blocked part of it (``end`` ..
          ``depart``) inside the window; a bed still held at the horizon counts
          until the horizon.
        - ``delayed_bed_share``: delayed / bed days over acute bed-holding nodes.
        - ``acute_occupancy``: acute bed days / acute bed capacity-days in the window.
        - ``ed_attendances``: ED attendances whose ED arrival lies in the window. An
          attendance runs from entering an ed-setting node from outside ED through
          consecutive (linked) ed-setting visits until the patient leaves the last
          of them, time blocked waiting for a bed included.
        - ``four_hour_breaches`` / ``twelve_hour_waits``: attendances whose time in ED
          exceeds 240 / 720 minutes (strictly: exactly 240 is not a breach), including
          those still in ED at the horizon once ``horizon - arrival`` exceeds it.
        - ``twelve_hour_waits_from_decision``: attendances (arrived in the window) that left
          ED for an acute bed more than 720 minutes after the decision to admit (the end of
          their last ED visit), or are still waiting at the horizon 720 minutes after it.
        - ``ed_censored``: attendances still in ED at the horizon for 240 minutes or
          less; neither breaches nor within four hours.
        - ``four_hour_performance``: 1 - breaches / (attendances - censored).
        - ``admissions``: acute stays begun in the window. A stay is a run of linked
          visits to acute bed-holding nodes; its admission is its first visit that
          took a bed (``start`` not NaN), counted when that start lies in the window.
          So a transfer between acute wards is not an admission, a patient diverted
          from a full ward to an outlier ward is admitted once (at the ward that took
          them), and a patient still waiting for a bed at the horizon, or who never
          got one, is not (yet) admitted.
        - ``patients``: ``log.patients``, the one metric over the whole run (warm-up
          included; the name is kept for scripts); ``left_without_being_seen``: visits arriving
          in the window that reneged.
        - ``cost_total`` and ``cost.*``: the ledger by payer and kind of cost
          (``flowsim.ledger``, docs/costs.md).
        - ``deaths``, ``deaths.<node>``: patients leaving by a death exit in the window,
          by the node they left; ``cohort.<c>.<metric>``: ``flowsim.groups``.

        Per node, ``node.<name>.``: ``arrivals`` (arrived in window), ``served``
        (service started in window), ``diverted`` (DIVERTED or ELSEWHERE, arrived in
        window), ``reneged``, ``still_waiting`` (arrived in window, not started by the
        horizon), ``wait_mean`` / ``wait_median`` / ``wait_p95`` (minutes,
        ``start - arrive`` over visits arriving in the window that started; visits
        still waiting at the horizon and reneged visits are not included: see
        ``still_waiting`` and ``reneged``), ``utilisation``,
        ``mean_occupancy`` (server-minutes held in window / window length),
        ``bed_days``, ``delayed_bed_days``; booking nodes also ``wait_mean_days``; with any
        route ``give_up``, ``other_route`` (blocked waits at the node that ended another
        way, see ``give_up_metrics``).
        ``utilisation`` is, for queue nodes, server-minutes held (blocked time
        included) / capacity-minutes in the window; for booking nodes, appointments
        started / slots offered, both over the whole days inside the window; NaN for
        delay nodes and where no capacity was offered in the window.

    Raises
    ------
    ValueError
        If the window is empty (``log.horizon <= net.warm_up``).
    """
    lo, hi = float(net.warm_up), float(log.horizon)
    if not hi > lo:
        raise ValueError(f"empty measurement window: warm-up {lo} min is not before horizon {hi} min")
    per = _per_node(log, net, lo, hi)
    ep = _episodes(log, net)

    arrival, elapsed, still_in, _ = ep.ed
    counted = _in_window(arrival, lo, hi)
    elapsed, still_in = elapsed[counted], still_in[counted]
    dta_arrival, dta_wait = _waits_from_decision(log, net, ep.order, ep.linked)
    ed = _ed_summary(float(counted.sum()), float((elapsed > FOUR_HOURS).sum()),
                     float((still_in & (elapsed <= FOUR_HOURS)).sum()), float((elapsed > TWELVE_HOURS).sum()),
                     float((_in_window(dta_arrival, lo, hi) & (dta_wait > TWELVE_HOURS)).sum()))
    admissions = float(_in_window(log.start[ep.admission_rows], lo, hi).sum())

    dead = death_rows(log, net)
    deaths_at = np.bincount(log.node[dead], minlength=net.n_nodes)
    led = ledger(log, net, ep)
    parts = [cost_metrics(led, net), intervention_metrics(log, net), give_up_metrics(log, net),
             escalation_metrics(log, net),
             group_metrics(log, net, log.cohort, net.cohorts, "cohort", led=led, episodes=ep)]
    tail = {}
    if net.readmit is not None:
        tail.update(readmission_metrics(log, net, ep.order, ep.linked))
    if band is not None and net.population is not None:
        tail.update(group_metrics(log, net, band[log.patient], net.population.band_names, "age_band",
                                  led=led, episodes=ep))
    return assemble(net, float(log.patients), per, ed, admissions, deaths_at, parts, tail)


def _ed_summary(attendances: float, breaches: float, censored: float, twelve: float,
                from_decision: float) -> dict[str, float]:
    """The ED metrics from their counts (see ``measure``)."""
    decided = attendances - censored
    return {"ed_attendances": attendances, "four_hour_breaches": breaches, "ed_censored": censored,
            "four_hour_performance": 1.0 - breaches / decided if decided > 0 else NAN,
            "twelve_hour_waits": twelve, "twelve_hour_waits_from_decision": from_decision}


def assemble(net: Network, patients: float, per: dict, ed: dict, admissions: float, deaths_at: np.ndarray,
             parts: list[dict], tail: dict) -> dict[str, float]:
    """The metrics dict of ``measure`` from its pieces (shared with ``stream_metrics``): the per-node
    arrays ``per`` (``_per_node``), the ED counts, admissions, deaths by node, the costs, tallies
    and cohort breakdown ``parts`` and the breakdowns that follow the per-node deaths (``tail``)."""
    out: dict[str, float] = {"patients": patients}
    acute = (net.setting == ACUTE) & net.bed
    bed, delayed = per["bed_days"], per["delayed_bed_days"]
    out["bed_days"] = float(bed.sum())
    out["delayed_bed_days"] = float(delayed.sum())
    acute_bed = float(bed[acute].sum())
    out["delayed_bed_share"] = float(delayed[acute].sum()) / acute_bed if acute_bed > 0 else NAN
    acute_capacity = float(per["capacity_minutes"][acute].sum()) / MINUTES_PER_DAY
    out["acute_occupancy"] = acute_bed / acute_capacity if acute_capacity > 0 else NAN
    out.update(ed)
    out["admissions"] = admissions
    out["left_without_being_seen"] = float(per["reneged"].sum())
    out["deaths"] = float(deaths_at.sum())
    for part in parts:
        out.update(part)
    for i, node in enumerate(net.node_names):
        out[f"deaths.{node}"] = float(deaths_at[i])
    out.update(tail)

    names = ("arrivals", "served", "diverted", "reneged", "still_waiting", "wait_mean", "wait_median", "wait_p95",
             "wait_share", "utilisation", "mean_occupancy", "bed_days", "delayed_bed_days",
             "offered_load", "wait_first_quarter", "wait_last_quarter")
    if net.give_up is not None:
        names += ("other_route",)
    for i, node in enumerate(net.node_names):
        for name in names:
            out[f"node.{node}.{name}"] = float(per[name][i])
        if net.kind[i] == BOOKING:
            out[f"node.{node}.wait_mean_days"] = float(per["wait_mean"][i]) / MINUTES_PER_DAY
    return out
