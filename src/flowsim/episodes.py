"""The event log's episodes: linked visits, ED attendances, admissions, and time helpers.

Consecutive visits of one patient are linked by the visit number the engines
write (``seq``): a row continues the one before when it is the same patient's next
visit and came from that row's node (an assessment is a side trip: the visit
after it came from the assessing node, not from the assessor). Runs of linked
visits make up ED attendances (runs through ed-setting nodes) and acute stays (runs
through acute bed-holding nodes).

``metrics`` (the headline figures), ``ledger`` (costs), ``groups`` (breakdowns),
``series`` and ``readmission_metrics`` all build on these; none of them is imported here.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .eventlog import NO_DEST, EventLog
from .network import ACUTE, ED, Network
from .units import MINUTES_PER_DAY

__all__ = ["FOUR_HOURS", "TWELVE_HOURS", "ed_times"]

FOUR_HOURS = 240.0
TWELVE_HOURS = 720.0

NAN = float("nan")


# --- time helpers -------------------------------------------------------------------------

def _overlap(a: np.ndarray, b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Length of [a, b) inside [lo, hi); 0 where ``a`` is NaN (the interval never began)."""
    length = np.minimum(b, hi) - np.maximum(a, lo)
    return np.where(np.isnan(a), 0.0, np.maximum(length, 0.0))


def _until(t: np.ndarray, horizon: float) -> np.ndarray:
    """``t``, with NaN (did not happen by the horizon) read as the horizon."""
    return np.where(np.isnan(t), horizon, t)


def _in_window(t: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``lo <= t < hi``; False for NaN."""
    return (t >= lo) & (t < hi)


def _capacity_minutes(capacity: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Server-minutes offered in [lo, hi) by each row of a (K, P) hourly schedule.

    Column h covers minutes [60 h, 60 (h + 1)), repeating every P hours (a week, or the
    run's calendar), so the integral from 0 to t is whole periods plus a prefix sum.
    """
    cap = np.asarray(capacity, dtype=np.float64)
    P = cap.shape[1]
    cum = np.concatenate([np.zeros((len(cap), 1)), np.cumsum(cap * 60.0, axis=1)], axis=1)

    def integral(t: float) -> np.ndarray:
        weeks, r = divmod(t, 60.0 * P)
        h = min(int(r // 60.0), P - 1)
        return weeks * cum[:, P] + cum[:, h] + cap[:, h] * (r - 60.0 * h)

    return integral(hi) - integral(lo)


def _whole_days(lo: float, hi: float) -> tuple[int, int]:
    """Days d (day 0 a Monday) with [1440 d, 1440 (d + 1)) inside [lo, hi): d0 <= d < d1."""
    d0 = int(np.ceil(lo / MINUTES_PER_DAY))
    d1 = int(np.floor(hi / MINUTES_PER_DAY))
    return d0, max(d0, d1)


# --- linking visits into episodes ------------------------------------------------------------

def _sorted_links(log: EventLog) -> tuple[np.ndarray, np.ndarray]:
    """Row order by (patient, seq), and whether each sorted row continues the one before."""
    n = len(log)
    order = np.lexsort((log.seq, log.patient))
    linked = np.zeros(n, dtype=bool)
    if n > 1:
        p, sq = log.patient[order], log.seq[order]
        nd, pv = log.node[order], log.prev[order]
        linked[1:] = (p[1:] == p[:-1]) & (sq[1:] == sq[:-1] + 1) & (pv[1:] == nd[:-1])
    return order, linked


def _runs(member: np.ndarray, linked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last sorted positions of each run of linked rows that are all members."""
    cont = member.copy()
    cont[0:1] = False
    cont[1:] &= member[:-1] & linked[1:]
    first = member & ~cont
    nxt = np.zeros_like(cont)
    nxt[:-1] = cont[1:]
    last = member & ~nxt
    return np.flatnonzero(first), np.flatnonzero(last)


def _ed_attendances(log: EventLog, net: Network, order, linked):
    """ED arrival time, time in ED, whether still in ED at the horizon, and the log row of
    the first ED visit, per attendance."""
    is_ed = net.setting == ED
    member = is_ed[log.node[order]] if len(log) else np.zeros(0, dtype=bool)
    first, last = _runs(member, linked)
    arrival = log.arrive[order][first]
    leave = log.depart[order][last]
    still_in = np.isnan(leave)
    elapsed = np.where(still_in, log.horizon - arrival, leave - arrival)
    return arrival, elapsed, still_in, order[first]


def _waits_from_decision(log: EventLog, net: Network, order, linked) -> tuple[np.ndarray, np.ndarray]:
    """ED arrival and time from the decision to admit (the end of the last ED visit) to leaving
    ED, per attendance that left (or is leaving) for an acute bed; the horizon bounds it."""
    is_ed = net.setting == ED
    member = is_ed[log.node[order]] if len(log) else np.zeros(0, dtype=bool)
    first, last = _runs(member, linked)
    dest = log.dest[order][last]
    # still blocked at the horizon (no dest yet): where it waits is the next visit it opened
    nxt = np.minimum(last + 1, len(order) - 1)
    opened = (dest == NO_DEST) & (nxt > last) & linked[nxt]
    dest = np.where(opened, log.node[order][nxt], dest)
    acute_bed = (net.setting == ACUTE) & net.bed
    admitted = (dest >= 0) & acute_bed[np.maximum(dest, 0)] & ~np.isnan(log.end[order][last])
    leave = _until(log.depart[order][last], log.horizon)
    return log.arrive[order][first][admitted], (leave - log.end[order][last])[admitted]


def ed_times(log: EventLog, net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Time in ED (minutes) of each attendance that arrived in the measurement window.

    Returns
    -------
    (elapsed, still_in) : (np.ndarray, np.ndarray)
        float64 minutes from ED arrival to leaving ED (to the horizon if still
        there), and bool, True if still in ED at the horizon (censored). These are
        the attendances behind ``ed_attendances`` and ``four_hour_breaches``.
    """
    arrival, elapsed, still_in, _ = _ed_attendances(log, net, *_sorted_links(log))
    counted = _in_window(arrival, float(net.warm_up), float(log.horizon))
    return elapsed[counted], still_in[counted]


def _admission_rows(log: EventLog, net: Network, order, linked) -> np.ndarray:
    """Log rows of admissions: the first visit that took an acute bed in each acute stay."""
    acute_bed = (net.setting == ACUTE) & net.bed
    member = acute_bed[log.node[order]] if len(log) else np.zeros(0, dtype=bool)
    first, _ = _runs(member, linked)
    run_start = np.zeros(len(member), dtype=bool)
    run_start[first] = True
    run_id = np.cumsum(run_start)
    start = log.start[order]
    took_bed = member & ~np.isnan(start)
    rid = run_id[took_bed]
    is_first = np.ones(len(rid), dtype=bool)
    is_first[1:] = rid[1:] != rid[:-1]
    return order[took_bed][is_first]


class _Episodes(NamedTuple):
    """Visits linked into ED attendances and admissions, computed once per log."""

    order: np.ndarray
    linked: np.ndarray
    ed: tuple            # _ed_attendances: arrival, elapsed, still_in, first row
    admission_rows: np.ndarray


def _episodes(log: EventLog, net: Network) -> _Episodes:
    order, linked = _sorted_links(log)
    return _Episodes(order, linked, _ed_attendances(log, net, order, linked),
                     _admission_rows(log, net, order, linked))
