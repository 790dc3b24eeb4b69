"""``flowsim experiment FILE`` for a file with ``search:`` or ``sweep:``: run, summarise, print.

The document returned by :func:`run_capacity` (and printed by ``--format json``)::

    {"name", "model", "seed", "replications", "wall_s",
     "search": {"key", "goal", "range", "target": {...}, "answer", "by_mean", "evaluated",
                "curve": [{"values": [v], "mean", "ci95": [lo, hi], "bound", "meets", "n"}, ...]},
     "sweep": {"keys": [...], "points": [{"values": [...], "metrics": {name: {"mean", "ci95"}}}, ...]}}
"""

from __future__ import annotations

import math
import time

from ..config.load import load_data
from .search import Evaluator, bound, by_mean, meets, search_capacity, sweep_grid
from .spec import load_spec

__all__ = ["is_capacity_file", "check_capacity", "run_capacity", "SWEEP_METRICS", "DEFAULT_REPLICATIONS"]

SWEEP_METRICS = ("four_hour_performance", "delayed_bed_share", "acute_occupancy", "admissions", "bed_days")
DEFAULT_REPLICATIONS = 10


def is_capacity_file(path) -> bool:
    """True when an experiment file asks for a search or a sweep (not plain scenarios)."""
    data, _ = load_data(path)
    return isinstance(data, dict) and ("search" in data or "sweep" in data)


def check_capacity(path) -> list[str]:
    """Validate the values a search or sweep will set (both ends of the range, every swept value).

    Returns
    -------
    list of str
        What was checked, e.g. ``["search services.ward.servers 400-600"]``.

    Raises
    ------
    ConfigError
        A key path or value the model refuses, pointing at the experiment file.
    """
    ls = load_spec(path)
    spec = ls.spec
    done = []
    if spec.search is not None:
        s = spec.search
        ev = Evaluator(ls, [s.key], 1, 0)
        for v in s.range:
            ev.config((v,))
        done.append(f"search {s.key} {s.range[0]}-{s.range[1]}")
    if spec.sweep is not None:
        ev = Evaluator(ls, list(spec.sweep), 1, 0)
        grid = list(spec.sweep.values())
        combos = [(a,) for a in grid[0]] if len(grid) == 1 else [(a, b) for a in grid[0] for b in grid[1]]
        for v in combos:
            ev.config(v)
        done.append(f"sweep {' x '.join(spec.sweep)} ({len(combos)} values)")
    return done


def _curve(ev: Evaluator, target) -> list[dict]:
    out = []
    for v in sorted(ev.points):
        p = ev.points[v]
        x = [m.get(target.metric, math.nan) for m in p.metrics]
        out.append({**p.summary(target.metric), "bound": bound(x, target), "meets": meets(x, target)})
    return out


def run_capacity(path, *, replications: int | None = None, seed: int | None = None, workers=None,
                 scheduler=None) -> dict:
    """Run the search and/or the sweep of an experiment file.

    Parameters
    ----------
    path : str or os.PathLike
        An experiment file with ``search:`` or ``sweep:`` (docs/experiments.md).
    replications, seed, workers, scheduler : optional
        As for ``flowsim experiment``. Replications default to the file's (a whole
        number), else 10.

    Returns
    -------
    dict
        The document described in the module docstring.
    """
    t0 = time.perf_counter()
    ls = load_spec(path)
    spec = ls.spec
    if replications is None:
        replications = spec.replications if isinstance(spec.replications, int) else DEFAULT_REPLICATIONS
    if seed is None:
        seed = spec.seed if spec.seed is not None else 0
    doc: dict = {"name": spec.name, "model": str(ls.model_path), "seed": seed, "replications": replications}
    ev = None
    if spec.search is not None:
        s = spec.search
        ev = Evaluator(ls, [s.key], replications, seed, workers, scheduler)
        found = search_capacity(ev, s.range[0], s.range[1], s.target, s.goal)
        doc["search"] = {"key": s.key, "goal": s.goal, "range": list(s.range), "target": s.target.model_dump(),
                         **found, "curve": _curve(ev, s.target)}
    if spec.sweep is not None:
        keys = list(spec.sweep)
        if ev is None or ev.keys != keys:  # a sweep of the searched key reuses the values already run
            ev = Evaluator(ls, keys, replications, seed, workers, scheduler)
        extra = [spec.search.target.metric] if spec.search is not None else []
        names = list(dict.fromkeys(extra + list(spec.metrics or SWEEP_METRICS)))
        doc["sweep"] = {"keys": keys, "points": [
            {"values": list(p.values), "metrics": {m: p.summary(m) for m in names}} for p in sweep_grid(ev, dict(spec.sweep))]}
        if "search" in doc and ev.keys == [spec.search.key]:  # the sweep's values refine the curve
            doc["search"]["curve"] = _curve(ev, spec.search.target)
            doc["search"]["by_mean"] = by_mean(ev, spec.search.target, spec.search.goal)
    doc["wall_s"] = time.perf_counter() - t0
    return doc
