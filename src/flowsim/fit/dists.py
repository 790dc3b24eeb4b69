"""Choose a duration distribution for observed times by information criterion.

Candidates are flowsim's distributions that scipy.stats fits by maximum
likelihood with the location fixed at 0: exponential, lognormal, gamma and
Weibull. The one with the smallest AIC wins; its goodness of fit is the
Kolmogorov-Smirnov distance D (and p-value). When even the best fits badly
(D > ``EMPIRICAL_D``) the observed quantiles are used instead (``empirical``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from ..units import MINUTES_PER_DAY

__all__ = ["Fitted", "fit_duration", "format_duration"]

EMPIRICAL_D = 0.05     # a KS distance this large is visible on a plot: trust the data instead
MAX_FIT = 20_000       # fit on at most this many values (a fixed, seeded subsample): the MLE is settled well before
N_QUANTILES = 50       # values of an empirical distribution


@dataclass(frozen=True)
class Fitted:
    """A fitted distribution: its config mapping, KS distance and p-value, and the others' AIC."""

    name: str
    params: dict[str, float | list]     # minutes (durations) or plain numbers (shape)
    n: int
    ks_d: float
    ks_p: float
    aic: dict[str, float]
    zeros: int = 0

    def yaml(self) -> str:
        """The flow-style YAML of the distribution, durations with units."""
        if self.name == "weibull":
            body = f"shape: {_num(self.params['shape'])}, scale: {format_duration(self.params['scale'])}"
        elif self.name == "empirical":
            body = "values: [" + ", ".join(format_duration(v) for v in self.params["values"]) + "]"
        else:
            body = ", ".join(f"{k}: {format_duration(v)}" for k, v in self.params.items())
        return f"{{{self.name}: {{{body}}}}}"

    def comment(self) -> str:
        alts = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(self.aic.items(), key=lambda kv: kv[1]))
        z = f"; {self.zeros} zero times" if self.zeros else ""
        return f"{self.name} by AIC from {self.n:,} times (AIC: {alts}); KS D = {self.ks_d:.3f}, p = {self.ks_p:.2g}{z}"


def _num(x: float) -> str:
    return f"{x:.4g}"


def format_duration(minutes: float) -> str:
    """A duration with a readable unit and 4 significant figures: ``'3.25 days'``."""
    m = float(minutes)
    if m == 0:
        return "0"
    if m >= 2 * MINUTES_PER_DAY:
        return f"{m / MINUTES_PER_DAY:.4g} days"
    if m >= 120:
        return f"{m / 60:.4g} h"
    if m >= 1:
        return f"{m:.4g} min"
    return f"{m * 60:.4g} s"


def _candidates(x: np.ndarray) -> dict[str, tuple]:
    """name -> (scipy frozen distribution, flowsim params, number of parameters)."""
    out = {}
    mean = float(x.mean())
    out["exponential"] = (stats.expon(scale=mean), {"mean": mean}, 1)
    s, _, scale = stats.lognorm.fit(x, floc=0)
    m = scale * math.exp(s * s / 2)
    out["lognormal"] = (stats.lognorm(s, scale=scale), {"mean": m, "sd": m * math.sqrt(math.expm1(s * s))}, 2)
    a, _, scale = stats.gamma.fit(x, floc=0)
    out["gamma"] = (stats.gamma(a, scale=scale), {"mean": a * scale, "sd": math.sqrt(a) * scale}, 2)
    c, _, scale = stats.weibull_min.fit(x, floc=0)
    out["weibull"] = (stats.weibull_min(c, scale=scale), {"shape": c, "scale": scale}, 2)
    return out


def fit_duration(values) -> Fitted:
    """Fit observed durations (minutes).

    Parameters
    ----------
    values : array_like
        Durations in minutes, >= 0; NaN are ignored.

    Returns
    -------
    Fitted
        ``fixed`` when every value is the same; else the AIC-best of exponential,
        lognormal, gamma and Weibull fitted to the positive values, or
        ``empirical`` (50 quantiles) when that fits badly or zeros are common.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        raise ValueError("no durations to fit")
    if np.ptp(x) == 0:
        return Fitted("fixed", {"value": float(x[0])}, len(x), 0.0, 1.0, {})
    pos = x[x > 0]
    zeros = int(len(x) - len(pos))
    sub = pos if len(pos) <= MAX_FIT else np.random.default_rng(0).choice(pos, MAX_FIT, replace=False)
    aic, best = {}, None
    if len(pos) >= 2 and np.ptp(pos) > 0:
        for name, (dist, params, k) in _candidates(sub).items():
            ll = float(np.sum(dist.logpdf(sub)))
            aic[name] = 2 * k - 2 * ll if math.isfinite(ll) else math.inf
            if best is None or aic[name] < aic[best[0]]:
                best = (name, dist, params)
    if best is not None:
        ks = stats.kstest(sub, best[1].cdf)
        if ks.statistic <= EMPIRICAL_D and zeros <= 0.05 * len(x):
            return Fitted(best[0], best[2], len(x), float(ks.statistic), float(ks.pvalue), aic, zeros)
    q = np.quantile(x, (np.arange(N_QUANTILES) + 0.5) / N_QUANTILES)
    d = float(stats.kstest(x, lambda t: np.searchsorted(q, t, side="right") / N_QUANTILES).statistic)
    return Fitted("empirical", {"values": [float(v) for v in q]}, len(x), d, math.nan, aic, zeros)
