"""Hourly occupancy of a node from an event log (for MSER-5 warm-up detection, plots and forecasts)."""

from __future__ import annotations

import numpy as np

from .eventlog import EventLog
from .network import Network

__all__ = ["hourly_occupancy"]


def hourly_occupancy(log: EventLog, net: Network, node: int | str) -> np.ndarray:
    """Time-weighted mean number holding a server at ``node`` in each hour of the run.

    Parameters
    ----------
    log : EventLog
        The run's event log.
    net : Network
        Its network (to resolve a node name).
    node : int or str
        Node index or name.

    Returns
    -------
    np.ndarray
        float64, one value per hour from minute 0 to ``log.horizon`` (warm-up
        included, for MSER-5); a last, partial hour is averaged over its own length.
        A visit holds a server from ``start`` to ``depart`` (the horizon if NaN).

    Raises
    ------
    ValueError
        If ``node`` is a name the network does not have.
    """
    if isinstance(node, str):
        if node not in net.node_names:
            raise ValueError(f"unknown node {node!r}; nodes are {', '.join(net.node_names)}")
        node = net.node_names.index(node)
    horizon = float(log.horizon)
    H = int(np.ceil(horizon / 60.0))
    rows = (log.node == node) & ~np.isnan(log.start)
    a = np.clip(log.start[rows], 0.0, horizon)
    b = np.clip(np.where(np.isnan(log.depart[rows]), horizon, log.depart[rows]), 0.0, horizon)
    keep = b > a
    a, b = a[keep], b[keep]
    # Each interval adds its partial first and last hours directly, and 60 minutes to
    # every whole hour in between through a difference array.
    ha = np.minimum((a // 60.0).astype(np.int64), H - 1)
    hb = np.minimum((b // 60.0).astype(np.int64), H - 1)
    same = ha == hb
    minutes = np.zeros(H)  # not bincount's result: with no rows that comes back as int64
    minutes += np.bincount(ha[same], weights=b[same] - a[same], minlength=H)
    ha, hb, a, b = ha[~same], hb[~same], a[~same], b[~same]
    minutes += np.bincount(ha, weights=60.0 * (ha + 1) - a, minlength=H)
    minutes += np.bincount(hb, weights=b - 60.0 * hb, minlength=H)
    diff = np.bincount(ha + 1, minlength=H + 1) - np.bincount(hb, minlength=H + 1)
    minutes += 60.0 * np.cumsum(diff)[:H]
    length = np.full(H, 60.0)
    if H:
        length[-1] = horizon - 60.0 * (H - 1)
    return minutes / length
