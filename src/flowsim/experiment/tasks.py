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
                     keep_log: bool = False) -> dict:
    """Metrics of one replication of one scenario.

    Returns
    -------
    dict
        ``{"scenario", "replication", "metrics", "seconds"}`` (and ``"log"``, the
        EventLog, with ``keep_log``), or with ``"error"`` (the traceback) instead
        of ``"metrics"``.
    """
    from ..simulate import run_replication

    t0 = time.perf_counter()
    out = {"scenario": scenario, "replication": replication}
    try:
        metrics, log, _ = run_replication(net, seed, replication, engine)
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
