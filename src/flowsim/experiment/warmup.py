"""Warm-up estimation by MSER-5 (White 1997; Hoad, Robinson & Davies 2010).

The series is cut into batches of 5 and averaged; for each truncation point d
(in batches, up to half the series) MSER(d) = sum of squared deviations of the
batch means after d from their mean, divided by (k - d)^2. The warm-up is the d
that minimises it, times 5 observations.
"""

from __future__ import annotations

import math

import numpy as np
from ..units import MINUTES_PER_DAY

__all__ = ["mser5", "warm_up_from_occupancy"]

BATCH = 5


def mser5(series) -> int:
    """Number of leading observations to discard.

    Parameters
    ----------
    series : array-like
        Observations in time order (e.g. hourly occupancy averaged over pilot runs).

    Returns
    -------
    int
        The truncation point in observations (a multiple of 5).

    Raises
    ------
    ValueError
        With fewer than 4 batches (20 observations).
    """
    x = np.asarray(series, dtype=float)
    k = len(x) // BATCH
    if k < 4:
        raise ValueError(f"expected at least {4 * BATCH} observations for MSER-5, found {len(x)}")
    z = x[: k * BATCH].reshape(k, BATCH).mean(axis=1)
    # suffix sums give every truncation in one pass
    s1 = np.cumsum(z[::-1])[::-1]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    d = np.arange(k // 2 + 1)
    n = k - d
    ssd = s2[d] - s1[d] ** 2 / n
    mser = ssd / n.astype(float) ** 2
    return int(np.argmin(mser)) * BATCH


def warm_up_from_occupancy(series, hours_per_obs: float = 1.0) -> dict:
    """MSER-5 on an hourly series, rounded up to whole days; with the reason for the report."""
    cut = mser5(series)
    hours = cut * hours_per_obs
    days = math.ceil(hours / 24.0) if hours > 0 else 0
    half = len(series) // 2
    note = ("MSER-5 truncation on the mean hourly occupancy of the bed nodes over the pilot runs: "
            f"{cut} hours, rounded up to {days} days")
    if cut >= (half // BATCH) * BATCH - BATCH:
        note += " (at the edge of the search: the series may not reach a steady state; consider a longer horizon)"
    return {"method": "mser5", "hours": hours, "days": days, "minutes": days * MINUTES_PER_DAY, "note": note}
