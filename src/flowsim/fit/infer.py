"""From an episode extract to the parts of a model: sources, services, routes.

Each function reads the :class:`~flowsim.fit.extract.Extract` and returns plain
data (numbers, fitted distributions, notes) that :mod:`flowsim.fit.draft`
writes as a commented YAML config.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..errors import ConfigError
from ..suggest import did_you_mean
from ..units import MINUTES_PER_DAY
from .dists import Fitted
from .extract import Extract

__all__ = ["SourceFit", "ServiceFit", "RouteFit", "infer_sources", "check_destinations", "next_visit", "guess_setting", "peak_in_use",
           "BUILTIN_EXITS", "PROFILE_P"]

BUILTIN_EXITS = ("home", "died", "transferred", "elsewhere", "left_without_being_seen")
PROFILE_P = 0.01         # a profile is written when a chi-square test rejects "flat" at this level
MIN_COHORT_ROUTES = 30   # a cohort with fewer routed visits at a node uses the node's pooled routes


@dataclass
class SourceFit:
    name: str
    to: str
    n: int
    days: float
    replications: int
    by_hour: list[float] | None
    by_weekday: list[float] | None
    cohorts: dict[str, float]
    notes: list[str] = field(default_factory=list)
    by_month: list[float] | None = None   # January first; only from date-times spanning a year

    @property
    def rate(self) -> float:
        return self.n / (self.days * self.replications)


@dataclass
class RouteFit:
    to: str
    count: int
    blocking: bool
    blocked: int                  # visits that waited, holding their place, for the next service
    hold: Fitted | None = None
    held: int = 0


@dataclass
class ServiceFit:
    name: str
    setting: str
    setting_from: str             # 'column' or 'name' (guessed)
    bed: bool
    servers: int
    duration: Fitted
    routes: dict[str, list[RouteFit]]       # cohort (or 'default') -> routes
    counts: dict[str, int] = field(default_factory=dict)
    mean_stay: float = 0.0        # minutes


def _window_days(ex: Extract) -> float:
    a = ex.times["arrive"]
    return float(math.ceil(np.nanmax(a) / MINUTES_PER_DAY + 1e-9) - math.floor(np.nanmin(a) / MINUTES_PER_DAY))


def _profile(counts: np.ndarray, exposure: np.ndarray) -> list[float] | None:
    """Relative weights (mean 1), or None when a chi-square test cannot tell them from flat."""
    if counts.sum() == 0 or np.any(exposure <= 0):
        return None
    expected = counts.sum() * exposure / exposure.sum()
    if stats.chisquare(counts, expected).pvalue >= PROFILE_P:
        return None
    rate = counts / exposure
    return [round(float(w), 3) for w in rate / rate.mean()]


def _months(origin: np.datetime64, minutes: np.ndarray, day0: int, days: int) -> list[float] | None:
    """Month-of-year weights (January first) from arrival minutes after ``origin``, per day of each month."""
    def month(d):  # datetime64[D] -> 0..11
        return (d.astype("datetime64[M]").astype(np.int64) % 12).astype(int)
    arrivals = month(origin + np.floor(minutes / MINUTES_PER_DAY).astype(np.int64).astype("timedelta64[D]"))
    exposure = np.bincount(month(origin + np.arange(day0, day0 + days).astype("timedelta64[D]")), minlength=12)
    return _profile(np.bincount(arrivals, minlength=12).astype(float), exposure.astype(float))


def _entries(ex: Extract) -> np.ndarray:
    """Rows that are a patient's arrival into the system (no previous service)."""
    if "prev" in ex.present:
        return np.array([p == "" for p in ex.text["prev"]], dtype=bool)
    key = _order(ex)
    first = np.ones(len(key), dtype=bool)
    same = (ex.replication[key][1:] == ex.replication[key][:-1]) & (ex.text["patient"][key][1:] == ex.text["patient"][key][:-1])
    first[1:] = ~same
    out = np.zeros(len(key), dtype=bool)
    out[key] = first
    return out


def _order(ex: Extract) -> np.ndarray:
    """Row order by (replication, patient, visit), the visit by seq or arrival time."""
    visit = ex.seq if ex.seq is not None else ex.times["arrive"]
    return np.lexsort((visit, ex.text["patient"].astype(str), ex.replication))


def next_visit(ex: Extract) -> np.ndarray:
    """Index of each row's next visit by the same patient, or -1."""
    key = _order(ex)
    nxt = np.full(len(key), -1, dtype=np.int64)
    same = (ex.replication[key][1:] == ex.replication[key][:-1]) & (ex.text["patient"][key][1:] == ex.text["patient"][key][:-1])
    nxt[key[:-1][same]] = key[1:][same]
    return nxt


def infer_sources(ex: Extract, cohorts: list[str]) -> list[SourceFit]:
    """One source per entry service (or per value of the ``source`` column)."""
    entry = _entries(ex)
    days = _window_days(ex)
    reps = len(np.unique(ex.replication))
    t = ex.times["arrive"]
    day0 = math.floor(np.nanmin(t) / MINUTES_PER_DAY)
    exposure_wd = np.bincount((np.arange(day0, day0 + int(days))) % 7, minlength=7).astype(float)
    groups = np.array([f"{n}_arrivals" for n in ex.text["node"]], dtype=object)
    if "source" in ex.present:  # the extract's own arrival routes, where it names one
        groups = np.where(ex.text["source"] != "", ex.text["source"], groups)
    out = []
    for name in sorted(set(groups[entry])):
        rows = entry & (groups == name)
        to_nodes = sorted(set(ex.text["node"][rows]))
        tt = t[rows]
        hours = np.bincount(((tt % MINUTES_PER_DAY) // 60).astype(int), minlength=24).astype(float)
        wdays = np.bincount(((tt // MINUTES_PER_DAY) % 7).astype(int), minlength=7).astype(float)
        coh = ex.text["cohort"][rows] if "cohort" in ex.present else np.array([cohorts[0]] * int(rows.sum()))
        mix = {c: float(np.mean(coh == c)) for c in cohorts if np.any(coh == c)}
        s = SourceFit(name=str(name), to=to_nodes[0], n=int(rows.sum()), days=days, replications=reps,
                      by_hour=_profile(hours, np.ones(24)), by_weekday=_profile(wdays, exposure_wd), cohorts=mix)
        if ex.origin_day is not None and days >= 360:  # about a year: every month seen
            s.by_month = _months(ex.origin_day, tt, day0, int(days))
        if len(to_nodes) > 1:
            s.notes.append(f"source '{name}' enters at {', '.join(to_nodes)}; all sent to '{to_nodes[0]}'")
        out.append(s)
    return out


SETTING_WORDS = (("ed", ("ed", "a&e", "ae", "emergency", "edd", "majors", "minors", "resus", "utc")),
                 ("primary", ("gp", "primary", "practice", "surgery_gp", "111")),
                 ("social_care", ("reablement", "home_care", "homecare", "care_home", "social", "domiciliary")),
                 ("community", ("community", "intermediate", "virtual", "rehab", "district")),
                 ("acute", ("ward", "acute", "medicine", "surgery", "amu", "sdec", "icu", "elderly", "hospital")))


def guess_setting(name: str) -> str:
    """A setting from a service's name (words such as 'ed', 'ward', 'reablement'); 'acute' otherwise."""
    words = name.lower().replace("-", "_").replace(" ", "_").split("_")
    for setting, keys in SETTING_WORDS:
        if any(w in keys for w in words) or any(k in name.lower() for k in keys if len(k) > 3):
            return setting
    return "acute"


def peak_in_use(ex: Extract, rows: np.ndarray) -> int:
    """The largest number of visits holding a place at once (from start to departure)."""
    peak = 0
    for r in np.unique(ex.replication[rows]):
        sel = rows & (ex.replication == r)
        s, d = ex.times["start"][sel], ex.times["depart"][sel]
        s_ok = np.isfinite(s)
        times = np.concatenate([s[s_ok], d[s_ok & np.isfinite(d)]])
        steps = np.concatenate([np.ones(int(s_ok.sum())), -np.ones(int((s_ok & np.isfinite(d)).sum()))])
        order = np.lexsort((steps, times))  # a departure frees its place before a start at the same minute
        peak = max(peak, int(np.max(np.cumsum(steps[order]), initial=0)))
    return peak


def check_destinations(ex: Extract, services: list[str]) -> None:
    """An unknown service in routes: a ``prev`` naming a service never visited is an error."""
    if "prev" not in ex.present:
        return
    known = set(services)
    for p, line in zip(ex.text["prev"], ex.line):
        if p and p not in known:
            raise ConfigError(f"unknown service '{p}': no row visits it" + did_you_mean(p, services),
                              file=ex.path, line=int(line), path="column 'prev'")
