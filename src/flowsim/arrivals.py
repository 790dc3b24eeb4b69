"""Arrivals: a periodic non-homogeneous Poisson process, and cohorts from uniforms.

The rate is piecewise constant by hour (per minute) and repeats with the length of
its array: 168 hours (a week; time 0 is Monday 00:00 without a start date) or, on
the calendar, the hours of the whole run (flowsim.timeline). Arrival times are generated exactly by inversion:
if E1, E2, ... are unit exponentials and S_k = E1 + ... + Ek, then
T_k = Lambda^{-1}(S_k), where Lambda(t) is the integrated rate (piecewise linear).

Exponentials are drawn in blocks of ``BLOCK`` until the horizon is passed, so the
arrivals before any time T are the same for every horizon >= T from the same
generator state (common random numbers across run lengths).
"""

from __future__ import annotations

import numpy as np

from .kernels import njit
from .units import HOURS_PER_WEEK, MINUTES_PER_WEEK

__all__ = ["arrival_times", "integrated_rate", "cohort_of", "weekly_rate", "BLOCK", "HOURS_PER_WEEK",
           "MINUTES_PER_WEEK"]

BLOCK = 4096


def weekly_rate(src, rate: float | None = None) -> np.ndarray:
    """Arrivals per minute for each hour of the week (Monday 00:00 first) of a config source.

    ``rate`` is scaled by hour-of-day and day-of-week weights normalised to mean
    1, so the weekly total equals ``rate`` x 7 days. ``rate_by_hour`` gives arrivals
    per hour as they are on the days they apply: its weekday weights are divided by
    their largest, so a day of the largest weight has exactly those rates and the
    others have them in proportion (0: none). A model entered from published hourly
    rates for its open days thus keeps them (issue 14: weights of mean 1 made a
    clinic open one day a week 7 times as busy). ``rate`` (per minute) stands in for
    ``src.rate`` (a ``per_1000`` source's total).
    """
    w = np.ones(7) if src.by_weekday is None else np.asarray(src.by_weekday, dtype=float)
    if src.rate_by_hour is not None:
        hourly = np.asarray(src.rate_by_hour, dtype=float) / 60.0
        w = w / w.max()
    else:
        rate = src.rate if rate is None else rate
        h = np.ones(24) if src.by_hour is None else np.asarray(src.by_hour, dtype=float)
        hourly = rate * h / h.mean()
        w = w / w.mean()
    return np.concatenate([hourly * w[d] for d in range(7)])


def _check_rate(rate_by_hour_of_week) -> np.ndarray:
    rate = np.asarray(rate_by_hour_of_week, dtype=np.float64)
    if rate.ndim != 1 or rate.size == 0:
        raise ValueError(f"expected a rate for each hour of the period (168 for a week), found shape {rate.shape}")
    if not np.all(np.isfinite(rate)) or np.any(rate < 0):
        raise ValueError("expected finite rates >= 0 per minute, found " + str(rate[~(rate >= 0) | ~np.isfinite(rate)][:3]))
    return rate


def _hazard(rate: np.ndarray) -> np.ndarray:
    """Integrated rate at the start of each hour of the period: (P + 1,), H[0] = 0."""
    return np.concatenate(([0.0], np.cumsum(rate * 60.0)))


def integrated_rate(rate_by_hour_of_week, t) -> np.ndarray:
    """Lambda(t): the expected number of arrivals in [0, t) (vectorised in t)."""
    rate = _check_rate(rate_by_hour_of_week)
    H = _hazard(rate)
    t = np.asarray(t, dtype=np.float64)
    weeks, r = np.divmod(t, 60.0 * len(rate))  # "weeks": whole periods
    h = np.minimum((r // 60.0).astype(np.int64), len(rate) - 1)
    return weeks * H[-1] + H[h] + rate[h] * (r - 60.0 * h)


def _invert(s: np.ndarray, rate: np.ndarray, H: np.ndarray) -> np.ndarray:
    """Lambda^{-1}(s) for non-decreasing s; monotone, and never in a zero-rate hour."""
    W = H[-1]
    weeks = np.floor(s / W)
    r = s - weeks * W
    low, high = r < 0, r >= W  # rounding in s / W
    weeks[low] -= 1
    r[low] += W
    weeks[high] += 1
    r[high] -= W
    r = np.clip(r, 0.0, np.nextafter(W, 0.0))
    # hour h with H[h] <= r < H[h + 1]: side='right' skips zero-rate hours
    h = np.searchsorted(H, r, side="right") - 1
    base = weeks * (60.0 * len(rate)) + 60.0 * h
    t = base + (r - H[h]) / rate[h]
    return np.minimum(t, np.nextafter(base + 60.0, -np.inf))  # stay inside hour h


@njit(refcount=False)
def _invert_into(s, rate, H, t):
    """``_invert`` element by element into ``t``, the same operations in the same order (its
    compiled twin: tests/test_arrivals.py compares them). PERF: numpy's pass per operation and
    searchsorted took ~3.8 of a replication's ~6.5 ms of draws on the perf anchors' chain."""
    W = H[-1]
    P = H.shape[0] - 1
    top = np.nextafter(W, 0.0)
    h = 0
    for k in range(s.shape[0]):
        weeks = np.floor(s[k] / W)
        r = s[k] - weeks * W
        if r < 0:  # rounding in s / W
            weeks -= 1
            r += W
        elif r >= W:
            weeks += 1
            r -= W
        r = min(max(r, 0.0), top)
        # searchsorted(H, r, side="right") - 1: the last hour h with H[h] <= r (< P, as r < W);
        # s is sorted, so r is mostly in the hour of the one before: look there first
        if not H[h] <= r:
            h = 0
        while h + 1 < P and H[h + 1] <= r:
            h += 1
        base = weeks * (60.0 * P) + 60.0 * h
        t[k] = min(base + (r - H[h]) / rate[h], np.nextafter(base + 60.0, -np.inf))


def arrival_times(rng: np.random.Generator, rate_by_hour_of_week, horizon: float) -> np.ndarray:
    """Sorted arrival minutes in [0, horizon) of the periodic Poisson process.

    ``rate_by_hour_of_week`` is (P,) arrivals per minute by hour from time 0 (P = 168:
    a week, Monday 00:00 first), repeating every P hours.
    Hours of zero rate have no arrivals; an all-zero rate gives an empty array and
    consumes no randomness. Otherwise ``rng`` is advanced by whole blocks of
    ``BLOCK`` exponentials, as many as needed to pass the horizon.
    """
    rate = _check_rate(rate_by_hour_of_week)
    if not horizon >= 0:
        raise ValueError(f"expected a horizon >= 0, found {horizon}")
    H = _hazard(rate)
    if H[-1] <= 0 or horizon == 0:
        return np.empty(0)
    chunks = []
    s_last = 0.0
    while True:
        s = s_last + np.cumsum(rng.standard_exponential(BLOCK))
        s_last = s[-1]
        t = np.empty(BLOCK)
        _invert_into(s, rate, H, t)
        if t[-1] >= horizon:
            chunks.append(t[: np.searchsorted(t, horizon, side="left")])
            break
        chunks.append(t)
    return np.concatenate(chunks)


def cohort_of(u: np.ndarray, cohort_cum: np.ndarray) -> np.ndarray:
    """Cohort index (int16) for each uniform ``u`` in [0, 1).

    ``cohort_cum`` is the cumulative mix, exactly 1.0 from the last cohort of
    positive weight on (as ``distributions.cumulative_weights`` builds it): with
    ``side='right'`` a cohort of zero weight owns an empty interval and is never
    chosen.
    """
    cum = np.asarray(cohort_cum, dtype=np.float64)
    if cum.ndim != 1 or cum.size == 0 or cum[-1] != 1.0 or np.any(np.diff(cum) < 0):
        raise ValueError(f"expected non-decreasing cumulative weights ending in exactly 1.0, found {cum.tolist()}")
    u = np.asarray(u, dtype=np.float64)
    if u.size and (u.min() < 0.0 or u.max() >= 1.0):
        raise ValueError("expected uniforms in [0, 1)")
    return np.searchsorted(cum, u, side="right").astype(np.int16)
