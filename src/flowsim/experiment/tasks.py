"""The work a worker does: one replication, a pure function of (network, seed, replication).

Tasks never raise: an exception becomes ``{"error": ...}`` so that every
executor reports a failed replication the same way while the others go on.
"""

from __future__ import annotations

import time
import traceback

import numpy as np

__all__ = ["replication_task", "pilot_task"]


def replication_task(net, seed: int, scenario: str, replication: int, engine: str,
                     keep_log: bool = False, series: str | None = None, census=None) -> dict:
    """Metrics of one replication of one scenario.

    With ``series`` (week or month), the metrics also hold each series value as
    ``series.<metric>.<period index>`` (``flowsim.series.flat_series``), so that the
    store, resuming and paired differences treat them as any other metric.

    Returns
    -------
    dict
        ``{"scenario", "replication", "metrics", "seconds"}`` (and ``"log"``, the
        EventLog, with ``keep_log``), or with ``"error"`` (the traceback) instead
        of ``"metrics"``. With ``census`` (a ``warmstart.Census``) the replication
        starts from it.
    """
    from ..simulate import run_replication, warm_once

    out = {"scenario": scenario, "replication": replication}
    try:
        # compile (or load the cache) once per worker process, outside the timing
        secs = warm_once(net, engine, census=census is not None)
        if secs:
            out["compile_s"] = secs
    except Exception:
        pass  # the replication below reports any real problem
    t0 = time.perf_counter()
    try:
        metrics, log, _ = run_replication(net, seed, replication, engine, census, scenario,
                                          keep_log=keep_log or series is not None)
        if series is not None:
            from ..series import flat_series, measure_series
            metrics.update(flat_series(measure_series(log, net, series)))
        out["metrics"] = metrics
        if keep_log:
            out["log"] = log
    except Exception:  # reported with its seed by the runner; the others go on
        out["error"] = traceback.format_exc(limit=8)
    out["seconds"] = time.perf_counter() - t0
    return out


def pilot_task(net, seed: int, replication: int, engine: str) -> dict:
    """Hourly occupancy of the bed nodes (summed), from minute 0, for MSER-5."""
    from ..draws import make_draws
    from ..engines import run_engine
    from ..metrics import hourly_occupancy

    t0 = time.perf_counter()
    out = {"scenario": "pilot", "replication": replication}
    try:
        log = run_engine(net, make_draws(net, seed, replication), engine)
        beds = [i for i in range(net.n_nodes) if net.bed[i]]
        series = sum((hourly_occupancy(log, net, i) for i in beds), np.zeros(int(np.ceil(net.horizon / 60))))
        out["series"] = series
    except Exception:
        out["error"] = traceback.format_exc(limit=8)
    out["seconds"] = time.perf_counter() - t0
    return out
