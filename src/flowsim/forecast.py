"""Daily occupancy per bed-holding node, and its prediction band across replications.

The forecast of a warm-started run ("will we run out of beds before Friday?"): for
each bed node and each day of the run, the time-weighted mean number of beds held
that day, per replication (``daily_occupancy``), then across replications the mean
and a prediction band, the 5th to 95th centile of the replications' values
(``forecast_document``): where 90% of days like it would fall, not a confidence
interval of the mean.
"""

from __future__ import annotations

import numpy as np

from .eventlog import EventLog
from .metrics import hourly_occupancy
from .network import Network
from .units import MINUTES_PER_DAY

__all__ = ["daily_occupancy", "forecast_document", "BAND"]

BAND = (5.0, 95.0)


def daily_occupancy(log: EventLog, net: Network) -> np.ndarray:
    """(B, D) mean beds held per bed node (``net.bed``, in node order) and whole day of the run.

    A last, partial day is left out; day d runs from minute 1440 d to 1440 (d + 1).
    """
    days = int(log.horizon // MINUTES_PER_DAY)
    nodes = np.flatnonzero(net.bed)
    out = np.zeros((len(nodes), days))
    for i, n in enumerate(nodes):
        hourly = hourly_occupancy(log, net, int(n))[:24 * days]
        out[i] = hourly.reshape(days, 24).mean(axis=1) if days else hourly[:0]
    return out


def forecast_document(dailies: list[np.ndarray], net: Network) -> dict:
    """The forecast as JSON-ready data: per bed node, per day, mean and band over replications.

    Parameters
    ----------
    dailies : list of (B, D) arrays
        ``daily_occupancy`` of each replication.
    net : Network

    Returns
    -------
    dict
        ``{"replications": R, "band": [5, 95], "days": D, "nodes": {name: {"beds": base
        capacity, "mean": [...], "low": [...], "high": [...]}}}``; beds held, per day from day 0.
    """
    stack = np.stack(dailies)  # (R, B, D)
    low, high = np.percentile(stack, BAND, axis=0)
    mean = stack.mean(axis=0)
    nodes = {}
    for i, n in enumerate(np.flatnonzero(net.bed)):
        cap = int(net.capacity[n].max()) if net.capacity[n].max() < 2**31 - 1 else None
        nodes[net.node_names[n]] = {"beds": cap, "mean": mean[i].round(2).tolist(),
                                    "low": low[i].round(2).tolist(), "high": high[i].round(2).tolist()}
    return {"replications": len(dailies), "band": list(BAND), "days": int(stack.shape[2]), "nodes": nodes}
