"""Counts reported as they are: the engines' intervention tallies and blocked waits that ended another way.

Part of the metrics stage (``flowsim.metrics.measure`` merges them); kept apart
because they read ``EventLog.meta`` and the outcome column rather than times.
"""

from __future__ import annotations

import numpy as np

from .eventlog import OTHER_ROUTE, EventLog
from .network import Network

__all__ = ["intervention_metrics", "give_up_metrics"]

# The engines' tally of shorter stays counts only the length-of-stay part of the bed days an
# intervention frees (not the stays of avoided admissions), so it is reported as
# ``los_bed_days_saved``; the total freed is the paired difference in ``bed_days``.
_RENAMED = {"bed_days_saved": "los_bed_days_saved"}
# Old names kept as aliases for one release (README's metric table says so); remove after 0.x+1.
_DEPRECATED = {"bed_days_saved": ("bed_days_saved",)}


def intervention_metrics(log: EventLog, net: Network) -> dict[str, float]:
    """Avoided admissions and attendances, bed days saved by shorter stays and delayed bed days saved.

    In total and per intervention; ``los_bed_days_saved`` is also reported under its
    deprecated name ``bed_days_saved``.

    The engine counts them inside the window (``log.meta["tally"]``, see
    ``engines.effects``); every intervention the model defines is reported, 0
    when it is off, so that all scenarios of a model have the same metrics. A
    model without interventions reports none of these.
    """
    iv = net.interventions
    if iv is None or not iv.names:
        return {}
    tally = log.meta.get("tally") or {}
    out: dict[str, float] = {}
    for key in ("avoided_admissions", "avoided_attendances", "bed_days_saved", "delayed_bed_days_saved"):
        values = [float(v) for v in tally.get(key, [0.0] * len(iv.names))]
        for name in (_RENAMED.get(key, key), *_DEPRECATED.get(key, ())):
            out[name] = float(sum(values))
            for iv_name, v in zip(iv.names, values):
                out[f"{name}.{iv_name}"] = v
    return out


def give_up_metrics(log: EventLog, net: Network) -> dict[str, float]:
    """Blocked waits that ended another way (outcome OTHER_ROUTE), arriving in the window.

    ``other_route`` in total and ``other_route.<node waited at>.<destination>`` for every
    pair a route's ``give_up`` allows (0 when none took it, so that every scenario of a
    model has the same metrics). A model without give_up reports none of these.
    """
    g = net.give_up
    if g is None:
        return {}
    lo, hi = float(net.warm_up), float(log.horizon)
    took = (log.outcome == OTHER_ROUTE) & (log.arrive >= lo) & (log.arrive < hi)
    out = {"other_route": float(took.sum())}
    for r in np.flatnonzero(g.has):
        at = int(net.route_dest[r])
        for a in range(g.start[r], g.start[r] + g.length[r]):
            to = int(g.dest[a])
            out[f"other_route.{net.node_names[at]}.{net.dest_name(to)}"] = float(
                (took & (log.node == at) & (log.dest == to)).sum())
    return out
