"""Per-person and per-patient attributes, and readmission draws (the draws stage).

Drawn before any engine runs, from their own named streams, so they depend only
on (seed, replication, stream, identity), never on capacities, interventions or
the engine (the randomness contract).

The population (``Network.population``): person m of M = ``size`` has

- age band: from uniform m of stream ``population:band`` and the band shares;
- relative risk ``exp(sd_b Z - sd_b^2 / 2)`` (mean 1 within band b), Z normal m of
  ``population:risk``; true risk = ``band_level[b]`` x relative risk;
- predicted risk: true risk turned into normal scores by rank,
  ``Zr = Phi^-1((rank + 1/2) / M)``, then ``rho Zr + sqrt(1 - rho^2) E`` with E normal
  m of ``population:predicted`` and ``rho = sin(pi (auc - 1/2))``. For a bivariate
  normal pair Kendall's tau is ``(2 / pi) arcsin(rho)``, and the concordance of
  predicted with true risk (the c-statistic, AUC) is ``(1 + tau) / 2 = auc``; ranks
  are invariant under monotone maps, so this holds for true risk itself.
- ``rank``: the share of the population with a higher predicted risk (0 for the
  person the model ranks first), used by targets.

A patient (an arrival) of source s, arrival number k within s, is person
``members_b[...]``: band b from uniform k of ``band:<source>`` and the source's band
weights, then a member of b from uniform k of ``person:<source>``, in proportion to
relative risk for a ``by_risk`` source (uniformly otherwise). A person can arrive
many times, as different patients with the same attributes.

Readmissions (``Network.readmit``): return k of patient p (counted from 0) uses
``ret_u[p, k]`` (stream ``return:<source>:<k>``) and ``ret_t[p, k]`` minutes
(stream ``return_time:<source>:<cohort>:<k>``); the patient returns when
``ret_u < ret_p[p]`` x the factors of its interventions (``ret_p`` from its age band).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import sample
from .random import stream

__all__ = ["Attributes", "draw_attributes", "return_columns", "FIRST_RETURNS"]

FIRST_RETURNS = 2


@dataclass
class Attributes:
    """Attributes of the population (M people) and of a replication's patients (P)."""

    pop_band: np.ndarray        # (M,) int16
    pop_risk: np.ndarray        # (M,) true risk (risk-weighted arrivals a minute)
    pop_predicted: np.ndarray   # (M,) predicted risk score (a normal score)
    pop_rank: np.ndarray        # (M,) share of people with a higher predicted risk
    person: np.ndarray          # (P,) int64
    band: np.ndarray            # (P,) int16


def _population(pop, seed: int, replication: int):
    M = pop.size
    u = stream(seed, replication, "population:band").random(M)
    cum = np.cumsum(pop.band_share)
    cum[-1] = 1.0
    band = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int16)
    sd = pop.band_sd[band]
    rel = np.exp(sd * stream(seed, replication, "population:risk").standard_normal(M) - sd * sd / 2.0)
    risk = pop.band_level[band] * rel
    order = np.argsort(risk, kind="stable")
    zr = np.empty(M)
    from scipy.special import ndtri  # ~0.2 s to import: only for a registered population
    zr[order] = ndtri((np.arange(M) + 0.5) / M)
    rho = np.sin(np.pi * (pop.auc - 0.5))
    noise = stream(seed, replication, "population:predicted").standard_normal(M)
    pred = rho * zr + np.sqrt(max(0.0, 1.0 - rho * rho)) * noise
    rank = np.empty(M)
    rank[np.argsort(-pred, kind="stable")] = np.arange(M) / M
    return band, rel, risk, pred, rank


def draw_attributes(net, seed: int, replication: int, source: np.ndarray, rows_by_source) -> Attributes | None:
    """The population and each patient's person (None without ``Network.population``).

    ``rows_by_source[s]`` are the patients of source s in arrival order.
    """
    pop = net.population
    if pop is None:
        return None
    band, rel, risk, pred, rank = _population(pop, seed, replication)
    members = [np.flatnonzero(band == b) for b in range(len(pop.band_names))]
    cum_rel = [np.cumsum(rel[m]) for m in members]
    person = np.zeros(len(source), dtype=np.int64)
    for s, src in enumerate(net.source_names):
        rows = rows_by_source[s]
        n = len(rows)
        if n == 0:
            continue
        w = np.cumsum(pop.src_band_weight[s])
        ub = stream(seed, replication, f"band:{src}").random(n)
        up = stream(seed, replication, f"person:{src}").random(n)
        pb = np.searchsorted(w / w[-1], ub, side="right")
        for b, m in enumerate(members):
            sel = pb == b
            if not sel.any() or len(m) == 0:
                continue
            if pop.src_by_risk[s]:
                k = np.searchsorted(cum_rel[b], up[sel] * cum_rel[b][-1], side="right")
            else:
                k = (up[sel] * len(m)).astype(np.int64)
            person[rows[sel]] = m[np.minimum(k, len(m) - 1)]
    return Attributes(pop_band=band, pop_risk=risk, pop_predicted=pred, pop_rank=rank, person=person,
                      band=band[person])


def return_columns(net, d, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column k (return k) of every patient: (uniform, minutes to return)."""
    rd = net.readmit
    P = d.n_patients
    u, t = np.full(P, np.nan), np.full(P, np.nan)
    for s, src in enumerate(net.source_names):
        rows = d._rows_by_source[s]
        if len(rows) == 0:
            continue
        u[rows] = stream(d.seed, d.replication, f"return:{src}:{k}").random(len(rows))
        for c, coh in enumerate(net.cohorts):
            rows_c = d._rows_by_cohort[s][c]
            if len(rows_c) == 0:
                continue
            g = stream(d.seed, d.replication, f"return_time:{src}:{coh}:{k}")
            t[rows_c] = sample(int(rd.time_code[c]), rd.time_params[c], g, len(rows_c), net.emp_values, net.emp_cum)
    return u, t
