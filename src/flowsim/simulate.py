"""Run a model: replications in this process or on worker processes, each Draws -> engine -> metrics.

The building block that ``flowsim run`` and the experiment runner share.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .config.schema import MAX_REPLICATIONS, MAX_SEED, Config
from .draws import make_draws
from .engines import resolve_engine, run_engine
from .errors import FlowsimError, SimulationError, UsageError, one_line
from .experiment.executors import check_executor_args, default_workers, make_executor
from .memory import check_memory
from .network import Network, build_network
from .streamed import streamable

if TYPE_CHECKING:
    from .eventlog import EventLog
    from .warmstart import Census

# What only some runs need (the event log's metrics, series, a warm start, a forecast) is
# imported where it is used, so that a plain `flowsim run` does not pay for it at start-up.

__all__ = ["RunResult", "run_replication", "run_model", "warm_engine", "warm_once", "check_run_args"]


@dataclass
class RunResult:
    """Metrics of each replication, with timings and (optionally) event logs."""

    network: Network
    seed: int
    engine: str
    metrics: list[dict[str, float]] = field(default_factory=list)
    replication_s: list[float] = field(default_factory=list)
    patients: list[int] = field(default_factory=list)
    logs: list[EventLog] = field(default_factory=list)
    wall_s: float = 0.0
    compile_s: float = 0.0
    # with a series period: per replication, each SERIES_METRICS name's value per period
    series_period: str | None = None
    series_labels: list[str] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)
    census: Census | None = None                                # a warm start's census
    daily: list = field(default_factory=list)                   # forecast.daily_occupancy per replication
    workers: int = 1                                            # processes the replications ran on
    # one line per node that is overloaded or whose queue grows through the window
    # (``stability.stability_warnings`` on the replications' means); ``flowsim run`` prints them
    warnings: list[str] = field(default_factory=list)

    def to_frame(self, scenario: str = "baseline"):
        """The metrics as a tidy pandas DataFrame: ``scenario, replication, metric, value``.

        Needs pandas (``pip install 'flowsim[frames]'``).
        """
        from .frames import metrics_frame
        return metrics_frame(self.metrics, scenario)


def warm_engine(net: Network, engine: str, census: bool = False) -> float:
    """Compile (or load from the cache) what ``engine`` needs for ``net``; returns seconds.

    The compiled engine is compiled by Numba on its first call in a process. A
    one-hour run of the same network pays that cost up front, so replication
    times measure simulation only (docs/design.md: compile time is reported apart).
    Only the loop's specialisation ``run_replication`` will use is compiled: the one
    that measures as it runs (it also writes the log when asked), or, for a model
    that keeps to the log (``streamed.streamable``; ``census``: a warm start), the log one.
    """
    if engine != "compiled":
        return 0.0
    t0 = time.perf_counter()
    from .engines.numba_start import lean_loading
    tiny = dataclasses.replace(net, horizon=min(net.horizon, 60.0), warm_up=0.0)
    try:
        with lean_loading():  # MEM: a cache hit loads without numba's registries (engines/numba_start.py)
            if streamable(net) and not census:
                run_replication(tiny, 0, 0, engine)
            else:
                run_engine(tiny, make_draws(tiny, 0, 0), engine)
    except SimulationError as e:  # not a replication of the run: say what it was
        raise SimulationError(f"compiling the engine on a one-hour run failed: {e.message}", engine=engine) from e
    return time.perf_counter() - t0


_WARMED: set = set()  # (engine, interventions on, streamed) already compiled or loaded in this process


def warm_once(net: Network, engine: str, census: bool = False) -> float:
    """``warm_engine`` the first time this process meets ``engine`` (and the loop's
    specialisation with or without interventions, streaming or not); 0.0 after that."""
    from .interventions import uses_interventions
    key = (resolve_engine(engine, net), uses_interventions(net), streamable(net) and not census)
    if key in _WARMED:
        return 0.0
    secs = warm_engine(net, key[0], census=census)
    _WARMED.add(key)
    return secs


def run_replication(net: Network, seed: int, replication: int, engine: str = "auto", census: Census | None = None,
                    scenario: str | None = None, keep_log: bool = False):
    """One replication: returns (metrics, event log or None, seconds); from ``census`` if given (a warm start).

    On the compiled engine a model ``streamed.streamable`` accepts is measured as it runs
    and writes no event log (None is returned in its place) unless ``keep_log``; every
    other run measures its event log (``metrics.measure``) and returns it. The metrics are
    the same either way (``stream_metrics``).

    Raises SimulationError, naming ``scenario``, the replication and the seed, when
    drawing, running or measuring it fails.
    """
    t0 = time.perf_counter()
    try:
        if census is None:
            draws = make_draws(net, seed, replication)
        else:
            from .warmstart import census_draws
            draws = census_draws(net, census, seed, replication)
        if resolve_engine(engine, net) == "compiled" and streamable(net, getattr(draws, "n_census", 0)):
            from .engines.compiled import run_compiled_streamed
            from .stream_metrics import measure_streamed
            st, log = run_compiled_streamed(net, draws, keep_log)
            del draws  # MEM: measured from the sums alone; the draws would stay through the peak of measuring
            metrics = measure_streamed(st, net)
        else:
            from .metrics import measure
            from .target_metrics import target_metrics
            log = run_engine(net, draws, engine)
            metrics = measure(log, net, band=None if draws.attrs is None else draws.attrs.band)
            metrics.update(target_metrics(log, net, draws.attrs))  # a population model: never streamed
    except SimulationError as e:
        e.scenario = scenario if e.scenario is None else e.scenario
        raise
    except FlowsimError:
        raise
    except Exception as e:
        raise SimulationError(f"replication failed: {one_line(e)}", scenario=scenario, replication=replication,
                              seed=seed) from e
    return metrics, log, time.perf_counter() - t0


def _whole(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"expected a whole number from {lo:,} to {hi:,}, found {value!r}", argument=name)
    if not lo <= value <= hi:
        raise UsageError(f"expected a whole number from {lo:,} to {hi:,}, found {value:,}", argument=name)
    return value


def check_run_args(replications=None, seed=None, *, names=("replications", "seed")) -> None:
    """Raise UsageError unless ``replications`` (1..MAX_REPLICATIONS) and ``seed``
    (0..2**63-1, stored as int64) are whole numbers in range; ``None`` is allowed."""
    if replications is not None:
        _whole(replications, names[0], 1, MAX_REPLICATIONS)
    if seed is not None:
        _whole(seed, names[1], 0, MAX_SEED)


def run_model(cfg: Config, *, replications: int | None = None, seed: int | None = None,
              engine: str | None = None, keep_logs: bool = False,
              keep_first_log: bool = False, series: str | None = None, start_from=None,
              progress=None, scenario: str | None = None, workers: int | None = 1) -> RunResult:
    """Run ``replications`` replications of a config (in this process, or on ``workers`` processes).

    Parameters
    ----------
    cfg : Config
        A validated config; its ``run`` section gives the defaults.
    replications, seed, engine : optional
        Override the config's ``run`` values.
    keep_logs : bool
        Keep each replication's EventLog (for ``--events``).
    keep_first_log : bool
        Keep replication 0's EventLog only (for the HTML report's plots), so
        memory does not grow with the number of replications.
    series : {"week", "month"}, optional
        Also measure the headline metrics per period (``flowsim.series``).
    start_from : str or Path, optional
        A census CSV (``warmstart.census_file``): the run starts from these patients,
        and each replication's daily bed occupancy is kept for the forecast.
    progress : experiment.progress.Progress, optional
        Told before the engine compiles and after each replication (``flowsim run``
        passes one on stderr; the library prints nothing by default).
    workers : int or None
        Local worker processes for the replications (the experiments' executors;
        None: all cores). 1 (the default) runs them in this process. The numbers
        are the same whatever the number: each replication is a pure function of
        (network, seed, replication), and results are kept in replication order.
    scenario : str, optional
        The scenario ``cfg`` was made for (``flowsim run --scenario``): named in errors.

    Returns
    -------
    RunResult
        Its ``warnings`` list says which nodes look unstable (offered load above
        capacity, a queue that does not clear or grows through the window); the
        library does not print them.

    Raises
    ------
    UsageError
        ``replications``, ``seed`` or ``workers`` out of range; or, before anything
        runs, ``flowsim.memory`` estimates that the replications running at once
        cannot fit in the memory available.
    SimulationError
        A replication could not complete; names its replication and seed.
    """
    check_run_args(replications, seed)
    check_executor_args(workers)
    t0 = time.perf_counter()
    net = build_network(cfg)
    seed = cfg.run.seed if seed is None else seed
    reps = cfg.run.replications if replications is None else replications
    engine = resolve_engine(cfg.run.engine if engine is None else engine, net)
    res = RunResult(network=net, seed=seed, engine=engine)
    res.workers = min(reps, default_workers() if workers is None else workers)
    logs = keep_logs or keep_first_log or series is not None or start_from is not None
    # refuse, before compiling, a run that cannot fit (a run measured as it runs keeps no log)
    check_memory(net, res.workers, keep_log=logs or engine != "compiled" or not streamable(net))
    if start_from is not None:
        from .warmstart import read_census
        res.census = read_census(start_from, net)  # before compiling: a bad file fails at once
    if progress is not None and engine == "compiled":
        progress.message("flowsim: compiling the engine (the first run after install takes ~20-60 s; "
                         "cached after that)")
    res.compile_s = warm_once(net, engine, census=res.census is not None)  # here too: warm workers then load the cache
    if progress is not None:
        progress.plan({"run": reps})
    if series is not None:
        from .series import periods
        res.series_period = series
        res.series_labels = [label for _, _, label in periods(net, net.horizon, series)]
    _run_all(res, net, reps, series, keep_logs, keep_first_log, progress, scenario)
    res.warnings = _warnings(res)
    res.wall_s = time.perf_counter() - t0
    return res


def _replication_record(net: Network, seed: int, replication: int, engine: str, census, series,
                        keep_log: bool, scenario: str | None = None) -> dict:
    """One replication of ``run_model``, reduced to what RunResult keeps of it (a worker's task)."""
    warm_once(net, engine, census=census is not None)  # in a worker: compile or load the cache once, untimed
    want = keep_log or series is not None or census is not None  # a log only when something reads it
    metrics, log, secs = run_replication(net, seed, replication, engine, census, scenario, keep_log=want)
    out = {"replication": replication, "metrics": metrics, "seconds": secs, "patients": int(metrics["patients"])}
    if series is not None:
        from .series import measure_series
        out["series"] = measure_series(log, net, series)
    if census is not None:
        from .forecast import daily_occupancy
        out["daily"] = daily_occupancy(log, net)
    if keep_log:
        out["log"] = log
    return out


def _run_all(res: RunResult, net: Network, reps: int, series, keep_logs: bool, keep_first_log: bool,
             progress, scenario: str | None) -> None:
    """Run the replications on ``res.workers`` processes (here when 1) and store them in order."""
    tasks = [(net, res.seed, r, res.engine, res.census, series, keep_logs or (keep_first_log and r == 0), scenario)
             for r in range(reps)]
    done = {}
    with make_executor(res.workers) as ex:
        for rec in ex.map_unordered(_replication_record, tasks):
            done[rec["replication"]] = rec
            if progress is not None:
                progress.update("run", rec["replication"], rec["seconds"])
    for r in range(reps):
        rec = done.pop(r)
        res.metrics.append(rec["metrics"])
        res.replication_s.append(rec["seconds"])
        res.patients.append(rec["patients"])
        if "series" in rec:
            res.series.append(rec["series"])
        if "daily" in rec:
            res.daily.append(rec["daily"])
        if "log" in rec:
            res.logs.append(rec["log"])


def _warnings(res: RunResult) -> list[str]:
    """The stability warnings of a finished run (imported here: scipy is slow to import)."""
    from .stability import stability_warnings
    from .stats import summarise_all
    return stability_warnings(summarise_all(res.metrics), res.network.node_names)
