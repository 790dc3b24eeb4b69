"""Run an experiment: scenarios x replications on an executor, into a resumable store.

Each replication is a pure function of (seed, scenario, replication): the
scenario's Network, the seed and the replication number go to a worker, and
its metrics come back and are written to the store as soon as it finishes.
Replications already in the store are not run again. Summaries are computed
from the store in (scenario, replication) order, so the results are the same,
digit for digit, whatever the executor and the number of workers.
"""

from __future__ import annotations

import math
import platform
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np

from .. import __version__
from ..config.load import load_data
from ..config.scenarios import BASELINE, validate_scenario
from ..draws import RANDOMNESS_VERSION
from ..errors import ConfigError, SimulationError
from ..memory import check_memory
from ..network import build_network
from ..simulate import check_run_args
from ..stability import stability_warnings
from ..stats import half_width
from ..suggest import did_you_mean
from ..units import MINUTES_PER_DAY
from .executors import DEFAULT_SCHEDULER_TIMEOUT, check_executor_args, default_workers, make_executor
from .progress import Progress
from .savings import savings
from .spec import CIReplications, Mser5, check_fixed_warm_up, check_warm_up, load_spec, unknown_scenario
from .store import Store
from .summary import paired_differences, scenario_summary, write_csvs
from .tasks import pilot_task, replication_task
from .warmup import warm_up_from_occupancy

__all__ = ["run_experiment", "versions"]


def versions() -> dict[str, str]:
    """flowsim and dependency versions, for the manifest."""
    out = {"flowsim": __version__, "python": platform.python_version()}
    for mod in ("numpy", "scipy", "simpy", "numba", "pydantic", "pyarrow", "yaml", "distributed"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # optional or missing: not recorded
            continue
    return out


def _scenario_configs(ls, data, positions):
    spec = ls.spec
    own = data.get("scenarios") if isinstance(data, dict) and isinstance(data.get("scenarios"), dict) else {}
    model_has = [BASELINE] + list(own)
    extra = spec.own_scenarios()
    for name in spec.scenario_names():
        if name not in model_has and name not in extra:
            raise unknown_scenario(ls, name, model_has, list(extra))
    return {name: validate_scenario(data, positions, str(ls.model_path), name, extra=extra,
                                    extra_positions=ls.positions, extra_file=str(ls.path))
            for name in spec.scenario_names()}


def check_experiment(path) -> tuple:
    """Validate an experiment file and every scenario of its model, without running.

    Returns
    -------
    (ExperimentSpec, dict of scenario name -> Config)

    Raises
    ------
    ConfigError
        As :func:`run_experiment`, pointing at the experiment or the model file.
    """
    ls = load_spec(path)
    data, positions = load_data(ls.model_path)
    cfgs = _scenario_configs(ls, data, positions)
    check_fixed_warm_up(ls, cfgs[ls.spec.baseline].run)
    for cfg in cfgs.values():
        build_network(cfg)
    return ls.spec, cfgs


def _with_run(cfg, **update):
    return cfg.model_copy(update={"run": cfg.run.model_copy(update=update)})


def run_experiment(path, *, replications: int | None = None, seed: int | None = None,
                   workers: int | None = None, scheduler=None, out=None, progress: Progress | None = None,
                   task=replication_task, scheduler_timeout: float = DEFAULT_SCHEDULER_TIMEOUT) -> dict:
    """Run (or resume) the experiment in an experiment file.

    Parameters
    ----------
    path : str or os.PathLike
        The experiment file.
    replications, seed : int, optional
        Override the file (``--replications`` fixes the number of replications).
    workers : int, optional
        Local worker processes (default: all cores; 1 runs in this process).
    scheduler : str or Dask cluster, optional
        Run on Dask instead of local processes.
    scheduler_timeout : float
        Seconds to wait for the Dask scheduler to answer.
    out : path, optional
        The store (default ``results/<experiment name>``).
    progress : Progress, optional
        Where progress goes (default: stderr).
    task : callable
        The replication function (tests substitute one that fails).

    Returns
    -------
    dict
        The summary document (docs/experiments.md).

    Raises
    ------
    ConfigError
        Bad experiment or model file, or a store made with another experiment.
    """
    t_start = time.perf_counter()
    progress = progress or Progress()
    ls = load_spec(path)
    spec = ls.spec
    check_run_args(replications, seed, names=("--replications", "--seed"))
    check_executor_args(workers, scheduler, scheduler_timeout)
    data, positions = load_data(ls.model_path)
    cfgs = _scenario_configs(ls, data, positions)
    if spec.start is not None:  # day 0 on the census's date: its month's demand, weekdays, bank holidays
        cfgs = {name: _with_run(cfg, start=spec.start) for name, cfg in cfgs.items()}
    base = cfgs[spec.baseline]
    seed = seed if seed is not None else (spec.seed if spec.seed is not None else base.run.seed)
    horizon = spec.horizon if spec.horizon is not None else base.run.horizon
    engine = spec.engine or base.run.engine
    check_fixed_warm_up(ls, base.run)

    if scheduler is None:  # local workers share this machine's memory: refuse, before a store is made
        local = default_workers() if workers is None else workers
        for cfg in cfgs.values():
            check_memory(build_network(_with_run(cfg, warm_up=0.0, horizon=horizon)), local)
    store = Store(Path(out) if out is not None else Path("results") / spec.name)
    failures: list[dict] = []
    task = _prepared_task(task, ls, base, horizon, progress)
    # connect first: a scheduler that cannot be reached leaves no empty store behind
    with make_executor(workers, scheduler, scheduler_timeout) as ex:
        resumed = store.open(_fingerprint(ls, seed, horizon, engine), _fresh_manifest(ls))
        if resumed:
            progress.message(f"flowsim: resuming the store at {store.root}")
        warm = _warm_up(spec, base, store, ex, seed, horizon, engine, progress)
        if spec.series is not None:  # again, now that the warm-up is known
            from ..series import check_series
            check_series(spec.series, base.run.start, warm["minutes"], horizon, file=str(ls.path), path="series")
        check_warm_up(ls, warm["minutes"], horizon)  # MSER-5 may choose a late one
        nets = {}
        for name, cfg in cfgs.items():
            nets[name] = build_network(_with_run(cfg, warm_up=warm["minutes"], horizon=horizon, seed=seed))
        names = spec.scenario_names()

        def run_round(n: int) -> int:
            return _round(store, ex, nets, names, seed, engine, n, progress, task, failures)

        t_run = time.perf_counter()
        reps, n, ran = _replications(ls, base, replications, run_round,
                                     lambda n, metrics: _ci_widths(store, names, metrics, n, ls))
        run_s = time.perf_counter() - t_run
        executor_name, n_workers = ex.name, ex.workers

    doc, per_rep = _document(ls, store, nets, names, n, seed=seed, engine=engine, warm=warm, reps=reps,
                             horizon=horizon, failures=failures)
    secs = {s: store.seconds(s) for s in names}
    doc["timing"] = {"wall_s": time.perf_counter() - t_start, "replications_wall_s": run_s,
                     "executor": executor_name, "workers": n_workers, "replications_run": ran, "resumed": resumed,
                     "replication_s_mean": float(np.mean([v for d in secs.values() for v in d.values()] or [math.nan]))}
    _record(store, doc, per_rep, ls, cfgs, nets, horizon=horizon, engine=engine, failures=failures)
    return doc


def _prepared_task(task, ls, base, horizon: float, progress: Progress):
    """The replication function with what the experiment file adds: event logs kept, a warm
    start (its census read and checked before anything runs) and series."""
    spec = ls.spec
    census = None
    if ls.census_path is not None:
        from ..warmstart import read_census
        census = read_census(ls.census_path, build_network(base))
        for note in census.notes:
            progress.message(f"flowsim: note: {note}")
    if task is replication_task and (spec.outputs.events or census is not None):
        task = partial(replication_task, keep_log=spec.outputs.events, census=census)
    if spec.series is not None:
        from ..series import check_series
        check_series(spec.series, base.run.start, 0.0, horizon, file=str(ls.path), path="series")
        task = partial(task, series=spec.series)
    return task


def _replications(ls, base, replications: int | None, run_round, ci_widths) -> tuple[dict, int, int]:
    """Run the replications the rule asks for: (its record for the document, replications per
    scenario, replications run now). ``run_round(n)`` brings every scenario to n replications;
    ``ci_widths(n, metrics)`` gives the CI half-widths (% of the mean) over the first n."""
    spec = ls.spec
    rule = spec.replications if replications is None else replications
    if rule is None:
        rule = base.run.replications
    if not isinstance(rule, CIReplications):
        n = int(rule)
        ran = run_round(n)
        how = "--replications" if replications is not None else (
            "the experiment file" if spec.replications is not None else "the model's run.replications")
        return {"method": "fixed", "replications": n, "note": f"fixed at {n} by {how}"}, n, ran
    n, rounds, ran = rule.initial, [], 0
    while True:
        ran += run_round(n)
        widths = ci_widths(n, rule.metrics)
        ok = all(w <= rule.within for w in widths.values())
        rounds.append({"replications": n, "half_width_pct": widths, "met": ok})
        if ok or n >= rule.max:
            break
        n = min(rule.max, n + rule.step)
    reps = {"method": "ci", "replications": n, "metrics": rule.metrics, "within_pct": rule.within,
            "max": rule.max, "met": ok, "rounds": rounds,
            "note": (f"confidence-interval method: replications added {rule.step} at a time from "
                     f"{rule.initial} until the 95% CI half-width of {', '.join(rule.metrics)} was within "
                     f"{rule.within:g}% of the mean in every scenario (cap {rule.max}); "
                     + ("met" if ok else "NOT met at the cap") + f" with {n}")}
    return reps, n, ran


def _document(ls, store, nets, names, n: int, *, seed, engine, warm, reps, horizon, failures) -> tuple[dict, dict]:
    """The summary document (without timing) and the metrics of each scenario's first n replications."""
    spec = ls.spec
    per_rep = {s: {r: m for r, m in store.read(s).items() if r < n} for s in names}
    doc = {
        "experiment": spec.name, "seed": seed, "baseline": spec.baseline, "model": str(ls.model_path),
        "engine": _resolved_engine(engine, nets, names), "engine_requested": engine, "store": str(store.root),
        "warm_up_days": warm["minutes"] / MINUTES_PER_DAY, "horizon_days": horizon / MINUTES_PER_DAY,
        "warm_up": warm, "replications": reps,
        "scenarios": {}, "failures": failures, "warnings": [],
        "pools": list(getattr(nets[spec.baseline].prices, "pool_names", ())),
    }
    for s in names:
        entry = {"replications": len(per_rep[s]), "metrics": scenario_summary(per_rep[s]) if per_rep[s] else {}}
        if s != spec.baseline:
            entry["difference_vs_baseline"] = paired_differences(per_rep[spec.baseline], per_rep[s])
            entry["savings"] = savings(per_rep[spec.baseline], per_rep[s])
        doc["scenarios"][s] = entry
        doc["warnings"] += stability_warnings(entry["metrics"], nets[s].node_names, prefix=f"scenario {s}: ")
    if spec.series is not None:
        _split_series(doc, nets[spec.baseline], horizon, spec.series)
    return doc, per_rep


def _record(store, doc: dict, per_rep: dict, ls, cfgs, nets, *, horizon, engine, failures) -> None:
    """Note the run in the store's manifest, write the CSVs and methods text, close the store."""
    from ..engines import resolve_engine
    m = store.manifest
    m.update({"warm_up": doc["warm_up"], "replications": doc["replications"], "horizon_min": horizon,
              "seed": doc["seed"], "engine": engine,
              "engine_by_scenario": {s: resolve_engine(engine, nets[s]) for s in doc["scenarios"]},
              "scenario_interventions": {s: list(c.active_interventions) for s, c in cfgs.items()}})
    m["runs"].append({"finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      **{k: doc["timing"][k] for k in ("wall_s", "replications_wall_s", "executor", "workers",
                                                      "replications_run", "resumed")}})
    m["failures"] = m.get("failures", []) + failures
    store.save()
    write_csvs(store.root, doc, per_rep)
    from .methods import write_methods
    write_methods(store.root, m, cfgs[ls.spec.baseline], ls)
    store.close()


def _resolved_engine(engine: str, nets: dict, names: list[str]) -> str:
    """The engine the scenarios ran on ("compiled" for "auto"), or the engines joined by "/"."""
    from ..engines import resolve_engine
    return "/".join(dict.fromkeys(resolve_engine(engine, nets[s]) for s in names))


def _fingerprint(ls, seed: int, horizon: float, engine: str) -> dict:
    """What must not change between a run and its resumption."""
    import hashlib
    out = {"model_sha256": hashlib.sha256(ls.model_path.read_bytes()).hexdigest(), "experiment_sha256": ls.sha256,
           "seed": seed, "horizon_min": horizon, "engine": engine, "scenarios": ls.spec.scenario_names(),
           "flowsim": __version__, "randomness_version": RANDOMNESS_VERSION}
    if ls.census_path is not None:  # a store of a warm start belongs to its census
        out["census_sha256"] = hashlib.sha256(ls.census_path.read_bytes()).hexdigest()
    return out


def _fresh_manifest(ls) -> dict:
    """Manifest entries of a new store: files, versions, platform."""
    spec = ls.spec
    return {"experiment": spec.name, "experiment_file": str(ls.path.resolve()), "model_file": str(ls.model_path),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "versions": versions(),
            "platform": {"system": platform.platform(), "machine": platform.machine(),
                         "processor": platform.processor() or platform.machine(), "cpus": _cpus()},
            "baseline": spec.baseline, "description": spec.description}


def _split_series(doc: dict, net, horizon: float, period: str) -> None:
    """Move the flat ``series.*`` metrics of each scenario into its ``series`` block."""
    from ..series import periods, series_block
    labels = [label for _, _, label in periods(net, horizon, period)]
    for entry in doc["scenarios"].values():
        block, entry["metrics"] = series_block(entry["metrics"], labels)
        entry["series"] = {"period": period, "start": labels, "replications": entry["replications"],
                           "metrics": block}
        if "difference_vs_baseline" in entry:
            diff, entry["difference_vs_baseline"] = series_block(entry["difference_vs_baseline"], labels)
            entry["series"]["difference_vs_baseline"] = diff


def _cpus() -> int:
    from .executors import default_workers
    return default_workers()


def _warm_up(spec, base, store, ex, seed, horizon, engine, progress) -> dict:
    if spec.start_from is not None and spec.warm_up is None:
        return {"method": "fixed", "minutes": 0.0, "days": 0.0,
                "note": "none: the run starts from a census (start_from)"}
    if isinstance(spec.warm_up, Mser5):
        old = store.manifest.get("warm_up")
        if old and old.get("method") == "mser5":
            return old
        net = build_network(_with_run(base, warm_up=0.0, horizon=horizon, seed=seed))
        n = spec.warm_up.pilot_replications
        progress.plan({"pilot": n}, "pilot runs for MSER-5")
        series = []
        for res in ex.map_unordered(pilot_task, [(net, seed, r, engine) for r in range(n)], who=_pilot_identity):
            if "error" in res:
                raise SimulationError("a pilot run for MSER-5 failed: " + res["error"].strip().splitlines()[-1],
                                      scenario="pilot", replication=res["replication"], seed=seed)
            series.append(res["series"])
            progress.update("pilot", res["replication"], res["seconds"])
        dec = warm_up_from_occupancy(np.mean(series, axis=0))
        dec["pilot_replications"] = n
        store.manifest["warm_up"] = dec
        store.save()
        return dec
    if spec.warm_up is not None:
        return {"method": "fixed", "minutes": float(spec.warm_up), "days": spec.warm_up / MINUTES_PER_DAY,
                "note": f"fixed at {spec.warm_up / MINUTES_PER_DAY:g} days by the experiment file"}
    return {"method": "fixed", "minutes": float(base.run.warm_up), "days": base.run.warm_up / MINUTES_PER_DAY,
            "note": f"fixed at {base.run.warm_up / MINUTES_PER_DAY:g} days by the model's run.warm_up"}


def _round(store, ex, nets, names, seed, engine, n, progress, task, failures) -> int:
    failed = {(f["scenario"], f["replication"]) for f in failures}
    todo = [(nets[s], seed, s, r, engine) for s in names for r in range(n)
            if not store.has(s, r) and (s, r) not in failed]
    if not todo:
        return 0
    counts: dict[str, int] = {}
    for t in todo:
        counts[t[2]] = counts.get(t[2], 0) + 1
    progress.plan(counts)
    for res in ex.map_unordered(task, todo, who=_task_identity):
        s, r = res["scenario"], res["replication"]
        if "error" in res:
            last = res["error"].strip().splitlines()[-1]
            failures.append({"scenario": s, "replication": r, "seed": seed, "error": res["error"]})
            progress.message(f"flowsim: replication {r} of scenario '{s}' failed (seed {seed}, replication {r}; "
                             f"rerun the same command to retry it): {last}")
        else:
            if "log" in res:  # before the metrics: a stored replication always has its log
                store.write_events(s, r, res["log"], nets[s])
            store.write(s, r, seed, res["metrics"], res["seconds"])
        progress.update(s, r, res["seconds"], ok="error" not in res)
    return len(todo)


def _task_identity(a: tuple) -> dict:
    """Scenario, replication and seed of a ``replication_task`` argument tuple."""
    return {"scenario": a[2], "replication": a[3], "seed": a[1]}


def _pilot_identity(a: tuple) -> dict:
    """As ``_task_identity`` for a ``pilot_task``."""
    return {"scenario": "pilot", "replication": a[2], "seed": a[1]}


def _ci_widths(store, names, metrics, n, ls) -> dict[str, float]:
    """95% CI half-width as a percentage of |mean|, per scenario and metric (inf if undefined)."""
    out = {}
    for s in names:
        reps = {r: m for r, m in store.read(s).items() if r < n}
        for j, k in enumerate(metrics):
            if reps and k not in next(iter(reps.values())):
                known = list(next(iter(reps.values())))
                where = ls.positions.find(("replications", "metrics", j))
                raise ConfigError(f"unknown metric '{k}'" + did_you_mean(k, known),
                                  file=str(ls.path), line=where[0] if where else None,
                                  column=where[1] if where else None, path=f"replications.metrics.{j}")
            x = np.array([reps[r][k] for r in sorted(reps)], dtype=float)
            ok = x[np.isfinite(x)]
            hw = half_width(ok)
            mean = float(ok.mean()) if len(ok) else math.nan
            if hw == 0.0:
                out[f"{s}.{k}"] = 0.0
            elif np.isfinite(hw) and np.isfinite(mean) and mean != 0.0:
                out[f"{s}.{k}"] = abs(hw / mean) * 100.0
            else:
                out[f"{s}.{k}"] = math.inf
    return out
