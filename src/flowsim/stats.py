"""Summaries across replications: mean, standard deviation, 95% confidence interval."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["summarise", "summarise_all", "half_width"]


def half_width(values, level: float = 0.95) -> float:
    """Half-width of the Student-t confidence interval of the mean (NaN for n < 2)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n < 2:
        return math.nan
    # stdtrit is what scipy.stats.t.ppf computes (the same float, checked for n < 5,000);
    # imported here because scipy.stats takes ~0.9 s to import, a third of a short run
    from scipy.special import stdtrit
    return float(stdtrit(n - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(n))


def summarise(values) -> dict:
    """``{"mean", "sd", "ci95": [lo, hi], "values"}`` of one metric over replications.

    NaN replications (e.g. no ED attendances) are left out of the mean, sd and
    interval but kept in ``values`` (as ``None`` in JSON).
    """
    vals = [float(v) for v in values]
    x = np.array(vals, dtype=float)
    ok = x[~np.isnan(x)]
    mean = float(ok.mean()) if len(ok) else math.nan
    with np.errstate(invalid="ignore"):  # an infinite value (offered load with no capacity): no sd, no CI
        sd = float(ok.std(ddof=1)) if len(ok) > 1 else math.nan
        hw = half_width(ok)
    ci = [mean - hw, mean + hw] if not math.isnan(hw) else [math.nan, math.nan]
    return {"mean": mean, "sd": sd, "ci95": ci, "values": vals}


def summarise_all(per_replication: list[dict[str, float]]) -> dict[str, dict]:
    """Summarise every metric of a list of per-replication metric dicts (keys in first-seen order)."""
    names: dict[str, None] = {}
    for m in per_replication:
        names.update(dict.fromkeys(m))
    return {k: summarise([m.get(k, math.nan) for m in per_replication]) for k in names}
