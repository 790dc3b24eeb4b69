"""Per service: stay distribution, capacity in use, routes with blocking and holds."""

from __future__ import annotations

import numpy as np
from scipy import stats

from .dists import fit_duration
from .extract import Extract
from .infer import MIN_COHORT_ROUTES, RouteFit, ServiceFit, guess_setting, next_visit, peak_in_use

__all__ = ["infer_services", "SETTINGS", "HOLD_SHARE", "BED_MEDIAN_MIN"]

SETTINGS = ("primary", "ed", "acute", "community", "social_care")
HOLD_SHARE = 0.5        # a route has a hold when most of its visits wait after service before moving on
BED_MEDIAN_MIN = 360.0  # an acute or community service whose median stay is 6 h or more holds a bed
LEFT = ("diverted", "reneged", "elsewhere")   # visits that ended without service
COHORT_P = 0.01         # routes by cohort when a chi-square test of homogeneity rejects at this level


def _served(ex: Extract) -> np.ndarray:
    if "outcome" in ex.present:
        return ex.text["outcome"] == "served"
    return np.isfinite(ex.times["end"]) & (ex.text["dest"] != "")


def _routes(ex: Extract, rows: np.ndarray, nxt: np.ndarray, services: set[str]) -> list[RouteFit]:
    t = ex.times
    out = []
    dests = ex.text["dest"][rows]
    idx = np.flatnonzero(rows)
    for d in sorted(set(dests), key=lambda x: (-int(np.sum(dests == x)), x)):
        sel = idx[dests == d]
        if d in services:
            j = nxt[sel]
            ok = (j >= 0)
            ok[ok] &= ex.text["node"][j[ok]] == d
            waits = t["depart"][sel[ok]] - t["arrive"][j[ok]]
            holds = t["arrive"][j[ok]] - t["end"][sel[ok]]
        else:
            waits = np.zeros(0)
            holds = t["depart"][sel] - t["end"][sel]
        holds = holds[np.isfinite(holds)]
        blocked = int(np.sum(waits > 1e-6))
        r = RouteFit(to=str(d), count=len(sel), blocking=blocked > 0, blocked=blocked)
        pos = holds[holds > 1e-6]
        if len(holds) and len(pos) > HOLD_SHARE * len(holds):
            r.hold, r.held = fit_duration(pos), len(pos)
        out.append(r)
    return out


def _by_cohort(ex: Extract, rows: np.ndarray, nxt, services) -> dict[str, list[RouteFit]]:
    pooled = {"default": _routes(ex, rows, nxt, services)}
    if "cohort" not in ex.present:
        return pooled
    coh = ex.text["cohort"]
    names = [c for c in sorted(set(coh[rows])) if np.sum(rows & (coh == c)) >= MIN_COHORT_ROUTES]
    if len(names) < 2:
        return pooled
    dests = sorted(set(ex.text["dest"][rows]))
    table = np.array([[np.sum(rows & (coh == c) & (ex.text["dest"] == d)) for d in dests] for c in names])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or stats.chi2_contingency(table).pvalue >= COHORT_P:
        return pooled
    out = {c: _routes(ex, rows & (coh == c), nxt, services) for c in names}
    out["default"] = pooled["default"]
    return out


def infer_services(ex: Extract) -> list[ServiceFit]:
    """Fit every service in the extract (in order of first arrival)."""
    nodes = ex.text["node"]
    first = {}
    for n, a in zip(nodes, ex.times["arrive"]):
        first[n] = min(first.get(n, np.inf), a)
    names = sorted(first, key=lambda n: (first[n], n))
    services = set(names)
    served = _served(ex)
    nxt = next_visit(ex)
    out = []
    for name in names:
        at = nodes == name
        started = at & np.isfinite(ex.times["start"])
        open_ = started & ~np.isfinite(ex.times["end"])
        # stays that began after the first one still open at the end of the extract are a
        # sample biased to short stays (the long ones have not ended): leave them out
        cut = float(np.min(ex.times["start"][open_])) if open_.any() else np.inf
        ok = started & served & np.isfinite(ex.times["end"]) & (ex.times["start"] < cut)
        if not ok.any():
            continue
        stays = ex.times["end"][ok] - ex.times["start"][ok]
        dur = fit_duration(stays)
        if "setting" in ex.present and ex.text["setting"][at][0] in SETTINGS:
            setting, how = str(ex.text["setting"][at][0]), "column"
        else:
            setting, how = guess_setting(str(name)), "name"
        median = float(np.median(stays))
        routed = at & served & (ex.text["dest"] != "")
        outcomes_all = ex.text["outcome"] if "outcome" in ex.present else np.full(len(at), "", dtype=object)
        outcomes = ex.text["outcome"][at] if "outcome" in ex.present else np.array([], dtype=object)
        counts = {"visits": int(at.sum()), "durations": int(ok.sum()), "routed": int(routed.sum()),
                  "unfinished": int(np.sum(at & ~np.isfinite(ex.times["end"]) & ~np.isin(outcomes_all, LEFT))),
                  "censored": int(np.sum(started & served & (ex.times["start"] >= cut))),
                  **{o: int(np.sum(outcomes == o)) for o in ("diverted", "reneged", "elsewhere")}}
        out.append(ServiceFit(name=str(name), setting=setting, setting_from=how,
                              bed=setting in ("acute", "community") and median >= BED_MEDIAN_MIN,
                              servers=peak_in_use(ex, at & np.isfinite(ex.times["start"])), duration=dur,
                              routes=_by_cohort(ex, routed, nxt, services), counts=counts,
                              mean_stay=float(stays.mean())))
    return out
