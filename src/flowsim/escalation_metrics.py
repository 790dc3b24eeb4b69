"""Escalation-bed metrics from the openings the engines report (``EventLog.meta["escalation"]``).

Per node with escalation beds (``Network.escalation``), over the window [warm-up, horizon):

- ``node.<n>.escalation_bed_days``: escalation beds x days they were open in the window
  (open beds are staffed whether or not a patient is in them);
- ``node.<n>.escalation_openings``: openings whose moment lies in the window;
- ``node.<n>.escalation_cost``: ``cost_per_bed_day`` x escalation bed days, in GBP;
  ``ledger`` charges the same sum to the node's payer as capacity cost (so it is in
  ``cost.capacity``, ``cost.<payer>`` and ``cost_total``).

A model without escalation beds reports none of these.
"""

from __future__ import annotations

import numpy as np

from .eventlog import EventLog
from .network import Network
from .units import MINUTES_PER_DAY

__all__ = ["escalation_metrics", "escalation_bed_days"]


def _openings(log: EventLog):
    esc = log.meta.get("escalation") or {"node": [], "open": [], "close": []}
    return (np.asarray(esc["node"], dtype=np.int64), np.asarray(esc["open"], dtype=np.float64),
            np.asarray(esc["close"], dtype=np.float64))


def escalation_bed_days(log: EventLog, net: Network) -> np.ndarray:
    """(N,) escalation beds x days open inside the window, per node (zeros without escalation)."""
    out = np.zeros(net.n_nodes)
    if net.escalation is None:
        return out
    lo, hi = float(net.warm_up), float(log.horizon)
    node, opened, closed = _openings(log)
    closed = np.where(np.isnan(closed), hi, closed)
    minutes = np.clip(np.minimum(closed, hi) - np.maximum(opened, lo), 0.0, None)
    out += np.bincount(node, weights=minutes, minlength=net.n_nodes) / MINUTES_PER_DAY
    return out * net.escalation[:, 0]


def escalation_metrics(log: EventLog, net: Network) -> dict[str, float]:
    """The escalation metrics of one run (see the module docstring)."""
    if net.escalation is None:
        return {}
    lo, hi = float(net.warm_up), float(log.horizon)
    node, opened, _ = _openings(log)
    bed_days = escalation_bed_days(log, net)
    out: dict[str, float] = {}
    for n in np.flatnonzero(net.escalation[:, 0] > 0):
        name = net.node_names[n]
        out[f"node.{name}.escalation_bed_days"] = float(bed_days[n])
        out[f"node.{name}.escalation_openings"] = float(((node == n) & (opened >= lo) & (opened < hi)).sum())
        out[f"node.{name}.escalation_cost"] = float(bed_days[n] * net.escalation_cost[n])
    return out
