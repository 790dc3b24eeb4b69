"""Capacity search and sweeps in experiment files (``search:`` and ``sweep:``).

Every value of a key path is a scenario of the model (an overlay ``set: {key:
value}``), run for the same replications on common random numbers: patient k
of replication r has the same arrival and clinical needs at every capacity, so
the curve of a metric against the capacity is smooth and the comparison between
neighbouring values is paired.

The search brackets the answer with the two ends of ``range`` and bisects,
keeping every value it has run (a value is never run twice), so it needs
about log2(range width) + 2 evaluations. A value meets the target when the
one-sided confidence bound of the metric's mean is on the right side of the
threshold; the metric is assumed monotone in the key (more beds, better
performance), which is what makes bisection valid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..config.load import load_data
from ..config.scenarios import validate_scenario
from ..errors import ExecutorError
from ..network import build_network
from .executors import make_executor
from .spec import LoadedSpec, Target
from .tasks import replication_task

__all__ = ["Point", "Evaluator", "search_capacity", "sweep_grid", "bound", "meets", "by_mean"]


@dataclass
class Point:
    """One value (or pair of values) of the swept keys, with the metric per replication."""

    values: tuple
    metrics: list[dict[str, float]] = field(default_factory=list)

    def summary(self, metric: str, confidence: float = 95.0) -> dict:
        x = np.array([m.get(metric, math.nan) for m in self.metrics], dtype=float)
        x = x[~np.isnan(x)]
        n = len(x)
        mean = float(x.mean()) if n else math.nan
        hw = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        return {"values": list(self.values), "mean": mean, "ci95": [mean - hw, mean + hw], "n": n}


def bound(x, target: Target) -> float:
    """The one-sided confidence bound of the mean that must meet the target (lower for at_least)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n < 2:
        return math.nan
    hw = float(stats.t.ppf(target.confidence / 100.0, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return float(x.mean() - hw) if target.at_least is not None else float(x.mean() + hw)


def meets(x, target: Target) -> bool:
    b = bound(x, target)
    return b >= target.at_least if target.at_least is not None else b <= target.at_most


class Evaluator:
    """Runs a model at given values of key paths, each value once, on common random numbers.

    Parameters
    ----------
    ls : LoadedSpec
        The experiment file (its model, baseline scenario, seed, horizon, engine).
    keys : list of str
        The key paths set (``services.acute_medicine.servers``).
    replications, seed : int
    workers : int, optional
        Local processes (default: all cores); ``1`` runs here.
    """

    def __init__(self, ls: LoadedSpec, keys: list[str], replications: int, seed: int, workers=None, scheduler=None):
        self.ls, self.keys, self.replications, self.seed = ls, keys, replications, seed
        self.workers, self.scheduler = workers, scheduler
        self.data, self.positions = load_data(ls.model_path)
        self.points: dict[tuple, Point] = {}

    def config(self, values: tuple):
        """The model's Config with the keys set to ``values`` (a ConfigError points at the bad key)."""
        spec = self.ls.spec
        name = "_".join(f"{k}={v}" for k, v in zip(self.keys, values))
        extra = {name: {"set": dict(zip(self.keys, values))}}
        base = spec.own_scenarios().get(spec.baseline)
        if base:  # the baseline's own overlays first, then the swept keys on top
            extra[name] = {"interventions": base.get("interventions", []),
                           "set": {**base.get("set", {}), **dict(zip(self.keys, values))}}
        cfg = validate_scenario(self.data, self.positions, str(self.ls.model_path), name, extra=extra,
                                extra_positions=self.ls.positions, extra_file=str(self.ls.path))
        run = {k: v for k, v in (("warm_up", spec.warm_up), ("horizon", spec.horizon)) if isinstance(v, float)}
        return cfg.model_copy(update={"run": cfg.run.model_copy(update=run)}) if run else cfg

    def run(self, values_list: list[tuple]) -> list[Point]:
        """Run every value not run yet (all replications in one batch), then return their points."""
        todo = [v for v in dict.fromkeys(values_list) if v not in self.points]
        if todo:
            engine = self.ls.spec.engine or "auto"
            nets = {v: build_network(self.config(v)) for v in todo}
            for v in todo:
                self.points[v] = Point(values=v)
            got: dict[tuple, dict[int, dict]] = {v: {} for v in todo}
            # the scenario label is the value's index in ``todo``: results come back in any order
            args = [(nets[v], self.seed, str(i), r, engine) for i, v in enumerate(todo) for r in range(self.replications)]
            with make_executor(self.workers, self.scheduler) as ex:
                for res in ex.map_unordered(replication_task, args, who=lambda a: {
                        "scenario": f"{todo[int(a[2])]}", "replication": a[3], "seed": a[1]}):
                    if "error" in res:
                        raise ExecutorError("a replication failed: " + res["error"].strip().splitlines()[-1],
                                            scenario=f"{todo[int(res['scenario'])]}",
                                            replication=res["replication"], seed=self.seed)
                    got[todo[int(res["scenario"])]][res["replication"]] = res["metrics"]
            for v in todo:  # in replication order, whatever order the workers finished in
                self.points[v].metrics = [got[v][r] for r in range(self.replications)]
        return [self.points[v] for v in values_list]


def search_capacity(ev: Evaluator, lo: int, hi: int, target: Target, goal: str = "smallest") -> dict:
    """Bracket and bisect for the smallest (largest) whole value in [lo, hi] meeting ``target``.

    Returns
    -------
    dict
        ``answer`` (None when no value in the range meets the target), ``evaluated``
        (the values run, in order), and ``by_mean`` (the answer judged on the mean alone).
    """
    metric = target.metric

    def ok(v: int) -> bool:
        (p,) = ev.run([(v,)])
        return meets([m.get(metric, math.nan) for m in p.metrics], target)

    ev.run([(lo,), (hi,)])  # the bracket, both ends in one batch
    order = [lo, hi]
    good_end, bad_end = (hi, lo) if goal == "smallest" else (lo, hi)
    if not ok(good_end):
        answer = None
    elif ok(bad_end):
        answer = bad_end
    else:
        while abs(good_end - bad_end) > 1:
            mid = (good_end + bad_end) // 2
            order.append(mid)
            if ok(mid):
                good_end = mid
            else:
                bad_end = mid
        answer = good_end
    return {"answer": answer, "evaluated": order, "by_mean": by_mean(ev, target, goal)}


def by_mean(ev: Evaluator, target: Target, goal: str):
    """The best evaluated value whose mean (not its confidence bound) meets the target."""
    good = []
    for v, p in ev.points.items():
        mean = p.summary(target.metric)["mean"]
        if (mean >= target.at_least) if target.at_least is not None else (mean <= target.at_most):
            good.append(v[0])
    if not good:
        return None
    return min(good) if goal == "smallest" else max(good)


def sweep_grid(ev: Evaluator, grid: dict[str, list]) -> list[Point]:
    """Every combination of the values of one or two keys."""
    keys = list(grid)
    combos = [(a,) for a in grid[keys[0]]] if len(keys) == 1 else [(a, b) for a in grid[keys[0]] for b in grid[keys[1]]]
    return ev.run(combos)
