"""Escalation-bed metrics from the openings the engines report (``EventLog.meta["escalation"]``).

Per node with escalation beds (``Network.escalation``), over the window [warm-up, horizon):

- ``node.<n>.escalation_bed_days``: escalation beds x days they were open in the window
  (open beds are staffed whether or not a patient is in them);
- ``node.<n>.escalation_openings``: openings whose moment lies in the window;
- ``node.<n>.escalation_cost``: ``cost_per_bed_day`` x escalation bed days, in GBP
  (also added to ``cost_total`` by ``metrics.measure``).

A model without escalation beds reports none of these.
"""

from __future__ import annotations

import numpy as np

from .eventlog import EventLog
from .network import Network

__all__ = ["escalation_metrics"]


def escalation_metrics(log: EventLog, net: Network) -> dict[str, float]:
    """The escalation metrics of one run (see the module docstring)."""
    if net.escalation is None:
        return {}
    lo, hi = float(net.warm_up), float(log.horizon)
    esc = log.meta.get("escalation") or {"node": [], "open": [], "close": []}
    node = np.asarray(esc["node"], dtype=np.int64)
    opened = np.asarray(esc["open"], dtype=np.float64)
    closed = np.asarray(esc["close"], dtype=np.float64)
    closed = np.where(np.isnan(closed), hi, closed)
    minutes = np.clip(np.minimum(closed, hi) - np.maximum(opened, lo), 0.0, None)
    out: dict[str, float] = {}
    for n in np.flatnonzero(net.escalation[:, 0] > 0):
        mine = node == n
        bed_days = float(net.escalation[n, 0] * minutes[mine].sum() / 1440.0)
        name = net.node_names[n]
        out[f"node.{name}.escalation_bed_days"] = bed_days
        out[f"node.{name}.escalation_openings"] = float(((opened[mine] >= lo) & (opened[mine] < hi)).sum())
        out[f"node.{name}.escalation_cost"] = bed_days * float(net.escalation_cost[n])
    return out
