"""EventLog -> series: the headline metrics per week or per calendar month.

The definitions are those of ``flowsim.metrics.measure``, applied to each period
[a, b) of the measurement window instead of the whole window: attendances and
breaches by ED arrival time, admissions by the time the bed was taken, bed days
and costs as the run's ledger (``flowsim.ledger``) over the period. So counts, days
and costs add up over the periods to the totals of ``measure`` (a test holds them equal).

Everything is computed once per replication from the log, with one pass over the
rows per period edge (never a loop over rows).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .eventlog import EventLog
from .ledger import ledger
from .episodes import FOUR_HOURS, _capacity_minutes, _episodes, _until
from .network import ACUTE, Network
from .stats import half_width
from .timeline import period_bounds
from .units import MINUTES_PER_DAY

__all__ = ["SERIES_METRICS", "check_series", "periods", "measure_series", "summarise_series", "flat_series", "series_block"]

SERIES_METRICS = ("ed_attendances", "four_hour_breaches", "four_hour_performance", "admissions", "bed_days",
                  "delayed_bed_days", "acute_occupancy", "cost_total")


def check_series(period: str | None, start, warm_up: float, horizon: float, *, file: str | None = None,
                 path: str = "--series") -> None:
    """Raise ConfigError (exit status 2) if a series of ``period`` cannot be made for this run.

    A monthly series needs a start date; a weekly one a window of a week or more.
    """
    from .errors import ConfigError
    if period == "month" and start is None:
        raise ConfigError("expected a model with a start date (run.start) for a monthly series, found none; "
                          "use a weekly series, or give run.start", file=file, path=path)
    if period == "week" and horizon - warm_up < 7 * MINUTES_PER_DAY:
        raise ConfigError(f"expected a measurement window of a week or more for a weekly series, found "
                          f"{(horizon - warm_up) / MINUTES_PER_DAY:g} days", file=file, path=path)


def periods(net: Network, horizon: float, period: str) -> list[tuple[float, float, str]]:
    """(from, to, label) of each period of the window [warm-up, horizon) (see timeline.period_bounds)."""
    return period_bounds(net.start, float(net.warm_up), float(horizon), period)


def _before(x: np.ndarray, w: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """sum of w x (t - x) over the x < t, at each edge t."""
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.concatenate(([0.0], np.cumsum(w)))
    cwx = np.concatenate(([0.0], np.cumsum(w * x)))
    k = np.searchsorted(x, edges, side="left")
    return edges * cw[k] - cwx[k]


def _held(a: np.ndarray, b: np.ndarray, w: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum over rows of w x the length of [a, b) inside each period between consecutive edges.

    G(t), the weighted time held before t, is sum over a < t of w (t - a) less sum
    over b < t of w (t - b); a period's share is G(to) - G(from).
    """
    ok = ~np.isnan(a) & (w != 0)
    a, b, w = a[ok], np.maximum(a[ok], b[ok]), w[ok]
    return np.diff(_before(a, w, edges) - _before(b, w, edges))


def measure_series(log: EventLog, net: Network, period: str) -> dict[str, np.ndarray]:
    """The ``SERIES_METRICS`` of one run in each period of its measurement window.

    Parameters
    ----------
    log : EventLog
        The run's event log.
    net : Network
        Its network (settings, beds, capacity, costs, start date).
    period : {"week", "month"}
        7-day periods from the end of the warm-up, or calendar months (needs a start date).

    Returns
    -------
    dict[str, np.ndarray]
        One float64 value per period for each name; NaN where a ratio has nothing
        to measure (no attendances decided, no acute capacity).
    """
    bounds = periods(net, log.horizon, period)
    edges = np.array([a for a, _, _ in bounds] + [bounds[-1][1]])
    ep = _episodes(log, net)
    arrival, elapsed, still_in, _ = ep.ed

    def count(t, weights=None):
        return np.histogram(t, bins=edges, weights=weights)[0].astype(np.float64)

    out = {"ed_attendances": count(arrival), "four_hour_breaches": count(arrival[elapsed > FOUR_HOURS])}
    decided = out["ed_attendances"] - count(arrival[still_in & (elapsed <= FOUR_HOURS)])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["four_hour_performance"] = np.where(decided > 0, 1.0 - out["four_hour_breaches"] / decided, np.nan)
    out["admissions"] = count(log.start[ep.admission_rows])

    depart = _until(log.depart, log.horizon)
    bed_row = net.bed[log.node]
    acute_row = bed_row & (net.setting[log.node] == ACUTE)
    ones = np.ones(len(log))
    out["bed_days"] = _held(log.start, depart, np.where(bed_row, ones, 0.0), edges) / MINUTES_PER_DAY
    out["delayed_bed_days"] = _held(log.end, depart, np.where(bed_row, ones, 0.0), edges) / MINUTES_PER_DAY
    acute_days = _held(log.start, depart, np.where(acute_row, ones, 0.0), edges) / MINUTES_PER_DAY
    acute = (net.setting == ACUTE) & net.bed
    cap_days = np.array([_capacity_minutes(net.capacity[acute], a, b).sum() for a, b, _ in bounds]) / MINUTES_PER_DAY
    with np.errstate(divide="ignore", invalid="ignore"):
        out["acute_occupancy"] = np.where(cap_days > 0, acute_days / cap_days, np.nan)
    # the run's ledger over each period: every kind of cost is additive over windows that tile the run
    out["cost_total"] = np.array([ledger(dataclasses.replace(log, horizon=b), dataclasses.replace(net, warm_up=a),
                                         ep).total for a, b, _ in bounds])
    return out


def summarise_series(per_replication: list[dict[str, np.ndarray]], labels: list[str], period: str) -> dict:
    """Mean and 95% CI per period across replications: the ``series`` of the JSON document.

    ``{"period", "start": [labels], "replications": n, "metrics": {NAME: {"mean": [...],
    "ci95": [[lo, hi], ...]}}}``; a CI needs 2 replications (NaN otherwise).
    """
    metrics = {}
    for name in SERIES_METRICS:
        x = np.array([r[name] for r in per_replication], dtype=float)  # (replications, periods)
        mean = [float(np.nanmean(col)) if np.any(~np.isnan(col)) else np.nan for col in x.T]
        hw = [half_width(col) for col in x.T]
        metrics[name] = {"mean": mean, "ci95": [[m - h, m + h] for m, h in zip(mean, hw)]}
    return {"period": period, "start": list(labels), "replications": len(per_replication), "metrics": metrics}


def flat_series(values: dict[str, np.ndarray]) -> dict[str, float]:
    """``{"series.<metric>.<k>": value}``: a series as flat metrics (for the experiment store)."""
    return {f"series.{name}.{k:04d}": float(v) for name, vals in values.items() for k, v in enumerate(vals)}


def series_block(summary: dict[str, dict], labels: list[str]) -> tuple[dict, dict[str, dict]]:
    """Split flat ``series.*`` entries out of a summary (``summarise`` dicts by metric name).

    Returns the ``{NAME: {"mean": [...], "ci95": [[lo, hi], ...]}}`` of the series, one
    entry per period of ``labels``, and the summary without them.
    """
    rest = {k: v for k, v in summary.items() if not k.startswith("series.")}
    out = {}
    for name in SERIES_METRICS:
        cells = [summary.get(f"series.{name}.{k:04d}") for k in range(len(labels))]
        if any(c is not None for c in cells):
            out[name] = {"mean": [c["mean"] if c else np.nan for c in cells],
                         "ci95": [c["ci95"] if c else [np.nan, np.nan] for c in cells]}
    return out, rest
