"""Run a model: replications one after another, each Draws -> engine -> metrics.

The building block that ``flowsim run`` and the experiment runner share.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from .config.schema import MAX_REPLICATIONS, MAX_SEED, Config
from .draws import make_draws
from .engines import resolve_engine, run_engine
from .errors import UsageError
from .eventlog import EventLog
from .forecast import daily_occupancy
from .metrics import measure
from .network import Network, build_network
from .series import measure_series, periods
from .streamed import streamable
from .target_metrics import target_metrics
from .warmstart import Census, census_draws, read_census

__all__ = ["RunResult", "run_replication", "run_model", "warm_engine", "check_run_args"]


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

    def to_frame(self, scenario: str = "baseline"):
        """The metrics as a tidy pandas DataFrame: ``scenario, replication, metric, value``.

        Needs pandas (``pip install 'flowsim[frames]'``).
        """
        from .frames import metrics_frame
        return metrics_frame(self.metrics, scenario)
    census: Census | None = None                                # a warm start's census
    daily: list = field(default_factory=list)                   # forecast.daily_occupancy per replication


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
    tiny = dataclasses.replace(net, horizon=min(net.horizon, 60.0), warm_up=0.0)
    if streamable(net) and not census:
        run_replication(tiny, 0, 0, engine)
    else:
        run_engine(tiny, make_draws(tiny, 0, 0), engine)
    return time.perf_counter() - t0


def run_replication(net: Network, seed: int, replication: int, engine: str = "auto", census: Census | None = None,
                    keep_log: bool = False):
    """One replication: returns (metrics, event log or None, seconds); from ``census`` if given (a warm start).

    On the compiled engine a model ``streamed.streamable`` accepts is measured as it runs
    and writes no event log (None is returned in its place) unless ``keep_log``; every
    other run measures its event log (``metrics.measure``) and returns it. The metrics are
    the same either way (``stream_metrics``).
    """
    t0 = time.perf_counter()
    draws = make_draws(net, seed, replication) if census is None else census_draws(net, census, seed, replication)
    band = None if draws.attrs is None else draws.attrs.band
    if resolve_engine(engine, net) == "compiled" and streamable(net, getattr(draws, "n_census", 0)):
        from .engines.compiled import run_compiled_streamed
        from .stream_metrics import measure_streamed
        st, log = run_compiled_streamed(net, draws, keep_log)
        return measure_streamed(st, net), log, time.perf_counter() - t0
    log = run_engine(net, draws, engine)
    metrics = measure(log, net, band=band)
    metrics.update(target_metrics(log, net, draws.attrs))  # a population model: never streamed
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
              progress=None) -> RunResult:
    """Run ``replications`` replications of a config, one after another.

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
    """
    check_run_args(replications, seed)
    t0 = time.perf_counter()
    net = build_network(cfg)
    seed = cfg.run.seed if seed is None else seed
    reps = cfg.run.replications if replications is None else replications
    engine = resolve_engine(cfg.run.engine if engine is None else engine, net)
    res = RunResult(network=net, seed=seed, engine=engine)
    if start_from is not None:
        res.census = read_census(start_from, net)  # before compiling: a bad file fails at once
    if progress is not None and engine == "compiled":
        progress.message("flowsim: compiling the engine (first run after install takes ~10-40 s; "
                         "cached after that)")
    res.compile_s = warm_engine(net, engine, census=res.census is not None)
    if progress is not None:
        progress.plan({"run": reps})
    if series is not None:
        res.series_period = series
        res.series_labels = [label for _, _, label in periods(net, net.horizon, series)]
    for r in range(reps):
        want = keep_logs or (keep_first_log and r == 0) or series is not None or res.census is not None
        metrics, log, secs = run_replication(net, seed, r, engine, res.census, keep_log=want)
        if series is not None:
            res.series.append(measure_series(log, net, series))
        if res.census is not None:
            res.daily.append(daily_occupancy(log, net))
        res.metrics.append(metrics)
        res.replication_s.append(secs)
        res.patients.append(int(metrics["patients"]))
        if keep_logs or (keep_first_log and r == 0):
            res.logs.append(log)
        if progress is not None:
            progress.update("run", r, secs)
    res.wall_s = time.perf_counter() - t0
    return res
