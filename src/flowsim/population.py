"""Config -> arrays for a registered population, targeting and readmissions.

Part of the network stage: ``build_network`` calls :func:`build_population` and
:func:`build_readmission` and keeps the results on ``Network.population`` and
``Network.readmit``. Nothing random happens here; ``attributes`` draws the people.

How risk works (docs/config.md says the same for users): each person has a
*relative risk* within their age band, lognormal with mean 1 and log-sd
``risk_sd``; a person's *true risk* is that times their band's rate of
risk-weighted arrivals (the sum over ``by_risk`` sources of the band's rate per
person). Risk drives arrivals only: the arrivals of a ``by_risk`` source are
shared among the members of a band in proportion to relative risk, so a person's
expected number of attendances, and so of admissions, is proportional to true
risk. Routing (admitted or not) does not depend on risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrivals import weekly_rate
from .distributions import MAX_PARAMS, dist_arrays

__all__ = ["PopulationArrays", "ReadmitArrays", "build_population", "build_readmission"]


@dataclass(frozen=True)
class PopulationArrays:
    """B age bands, S sources, I interventions."""

    size: int
    band_names: tuple[str, ...]
    band_share: np.ndarray      # (B,) share of the population
    band_sd: np.ndarray         # (B,) sd of log relative risk
    auc: float                  # concordance of predicted with true risk
    src_band_weight: np.ndarray  # (S, B) relative weight of each band among a source's arrivals
    src_by_risk: np.ndarray     # (S,) bool: persons drawn in proportion to relative risk
    band_level: np.ndarray      # (B,) risk-weighted arrivals per person per minute (true risk = level x relative)
    target_on: np.ndarray       # (I,) bool: the intervention has a target
    target_lo: np.ndarray       # (I,) share of the population ranked above the target's first person
    target_hi: np.ndarray       # (I,) ... and above the first person after it
    target_band: np.ndarray     # (I, B) bool: age bands the target takes


@dataclass(frozen=True)
class ReadmitArrays:
    """Returns of patients leaving ``after`` nodes by ``exit_ok`` exits (N nodes, E exits, C cohorts)."""

    after: np.ndarray           # (N,) bool
    exit_ok: np.ndarray         # (E,) bool
    to: int                     # node the patient returns to
    p_band: np.ndarray          # (B,) probability of returning by age band (B = 1 without a population)
    time_code: np.ndarray       # (C,) int8 distribution code of the time to return
    time_params: np.ndarray     # (C, MAX_PARAMS)
    scale: np.ndarray           # (I,) factor on the probability under each intervention (1 if none)


def build_population(cfg) -> PopulationArrays | None:
    """The arrays of ``cfg.population`` (None without one)."""
    pop = cfg.population
    if pop is None:
        return None
    bands = list(pop.age_bands)
    B, S = len(bands), len(cfg.sources)
    share = np.array([pop.age_bands[b].share for b in bands])
    sd = np.array([pop.risk_sd if pop.age_bands[b].risk_sd is None else pop.age_bands[b].risk_sd for b in bands])
    weight = np.zeros((S, B))
    by_risk = np.zeros(S, dtype=bool)
    level = np.zeros(B)
    for s, src in enumerate(cfg.sources.values()):
        if src.per_1000 is not None:
            per_person = np.array([src.per_1000[b] / 1000.0 for b in bands])
        else:  # a rate-based source: the same rate per person in every band
            total = src.rate if src.rate is not None else float(weekly_rate(src).mean())
            per_person = np.full(B, total / pop.size)
        weight[s] = share * per_person
        by_risk[s] = src.by_risk
        if src.by_risk:
            level += per_person
    if not level.any():
        level[:] = 1.0  # no risk-weighted source: true risk is relative risk
    names = list(cfg.interventions)
    I = len(names)
    on = np.zeros(I, dtype=bool)
    lo, hi = np.zeros(I), np.ones(I)
    tband = np.ones((I, B), dtype=bool)
    for i, iv in enumerate(cfg.interventions.values()):
        if iv.target is None:
            continue
        on[i] = True
        lo[i], hi[i] = iv.target.ranks
        if iv.target.bands:
            tband[i] = [b in iv.target.bands for b in bands]
    return PopulationArrays(size=pop.size, band_names=tuple(bands), band_share=share, band_sd=sd,
                            auc=float(pop.prediction.auc), src_band_weight=weight, src_by_risk=by_risk,
                            band_level=level, target_on=on, target_lo=lo, target_hi=hi, target_band=tband)


def build_readmission(cfg, nodes: dict[str, int], exit_names: list[str], emp_values, emp_cum) -> ReadmitArrays | None:
    """The arrays of ``cfg.readmission`` (None without one); empirical tables are appended to ``emp_*``."""
    rd = cfg.readmission
    if rd is None:
        return None
    after = np.zeros(len(nodes), dtype=bool)
    after[[nodes[n] for n in rd.after]] = True
    exit_ok = np.array([e in rd.exits for e in exit_names], dtype=bool)
    if isinstance(rd.p, dict):
        bands = list(cfg.population.age_bands)
        p_band = np.array([rd.p.get(b, rd.p.get("default", 0.0)) for b in bands])
    else:
        B = len(cfg.population.age_bands) if cfg.population is not None else 1
        p_band = np.full(B, float(rd.p))
    C = len(cfg.cohorts)
    code = np.zeros(C, dtype=np.int8)
    params = np.zeros((C, MAX_PARAMS))
    spec = rd.time_to_return
    for c, coh in enumerate(cfg.cohorts):
        d = spec.get(coh, spec.get("default")) if isinstance(spec, dict) else spec
        code[c], params[c] = dist_arrays(d, emp_values, emp_cum)
    scale = np.array([1.0 if iv.readmission_scale is None else iv.readmission_scale
                      for iv in cfg.interventions.values()])
    return ReadmitArrays(after=after, exit_ok=exit_ok, to=nodes[rd.to], p_band=p_band, time_code=code,
                         time_params=params, scale=scale)
