"""Is a model stable? Offered load and the growth of waits through the window, and the warnings they give.

A queue whose offered load is above its capacity, or whose waits grow through
the window, has no steady state: its averages depend on the horizon and mean
little. Both are measured per replication (``node_stability``, part of
``metrics.measure``) and judged on the summary across replications
(``stability_warnings``), so ``flowsim run`` and experiments warn alike.

The rule (docs/config.md, "Warnings"):

- **overloaded**: ``node.<n>.offered_load`` (visits arriving in the window x the
  mean service time of the node's visits / capacity-minutes in the window) times
  the share of those visits that do not leave unserved (``reneged``, ``diverted``,
  ``other_route``) above 1: with abandonment a queue can be stable at an offered
  load above 1 (Erlang A), the load of the visits that stay cannot exceed 1;
- **no capacity**: capacity 0 in the window while visits reach it (offered load
  infinite);
- **stuck**: more than a tenth of the visits arriving in the window (and at
  least 10) still waiting at the horizon (``node.<n>.still_waiting`` over
  ``.arrivals``); in a stable queue that share is about the mean wait over the
  window's length, so a tenth means waits of weeks in a year, or a queue that
  never moves (a node blocked by full capacity downstream);
- **queue grows**: the mean wait of visits arriving in the last quarter of the
  window (a visit still waiting counts up to the horizon, one that reneged up to
  leaving) is more than twice that of the first quarter and at least 12 hours
  longer (``node.<n>.wait_first_quarter`` and ``.wait_last_quarter``), and visits
  are still waiting at the horizon: a queue that grew late in the window (a winter
  surge) but has cleared by its end is not unstable.
"""

from __future__ import annotations

import math

import numpy as np

from .eventlog import DIVERTED, ELSEWHERE, EventLog
from .network import QUEUE, Network

__all__ = ["node_stability", "node_load", "stability_warnings", "STUCK_SHARE", "GROWTH_RATIO", "GROWTH_MINUTES"]

GROWTH_RATIO = 2.0      # last-quarter mean wait over first-quarter mean wait
STUCK_SHARE = 0.1      # still waiting at the horizon / arrivals in the window
STUCK_MIN = 10
GROWTH_MINUTES = 720.0  # and at least 12 h longer: seasonal swings of short waits are not instability


def _mean_by_node(node: np.ndarray, x: np.ndarray, N: int) -> np.ndarray:
    n = np.bincount(node, minlength=N)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.bincount(node, weights=x, minlength=N) / np.maximum(n, 1), np.nan)


def node_stability(log: EventLog, net: Network, lo: float, hi: float,
                   capacity_minutes: np.ndarray) -> dict[str, np.ndarray]:
    """Per node: ``offered_load`` (queue nodes; NaN elsewhere), ``wait_first_quarter``
    and ``wait_last_quarter`` (minutes; NaN without arrivals in that quarter)."""
    N = net.n_nodes
    node = log.node
    arrived = (log.arrive >= lo) & (log.arrive < hi)
    service = log.end - log.start
    done = np.isfinite(service)
    load = node_load(np.bincount(node[arrived], minlength=N), _mean_by_node(node[done], service[done], N),
                     capacity_minutes, np.bincount(node, minlength=N) > 0, net)

    # waits censored at the horizon (or at reneging): a growing queue shows even if never served
    left = np.where(np.isfinite(log.depart), log.depart, log.horizon)
    until = np.minimum(np.where(np.isfinite(log.start), log.start, left), log.horizon)
    wait = until - log.arrive
    queued = arrived & (log.outcome != DIVERTED) & (log.outcome != ELSEWHERE)
    q = (hi - lo) / 4.0
    first = queued & (log.arrive < lo + q)
    last = queued & (log.arrive >= hi - q)
    return {"offered_load": load,
            "wait_first_quarter": _mean_by_node(node[first], wait[first], N),
            "wait_last_quarter": _mean_by_node(node[last], wait[last], N)}


def node_load(arrivals: np.ndarray, mean_service: np.ndarray, capacity_minutes: np.ndarray, visited: np.ndarray,
              net: Network) -> np.ndarray:
    """``offered_load`` per node: visits arriving in the window x mean service time of the node's
    finished services / capacity-minutes (queue nodes; NaN elsewhere); infinite where visits
    reached (``visited``) a node with no capacity in the window."""
    load = np.full(net.n_nodes, np.nan)
    queue = net.kind == QUEUE
    with np.errstate(divide="ignore", invalid="ignore"):
        load[queue] = (arrivals * mean_service)[queue] / capacity_minutes[queue]
    # visits reached a node that never opens in the window (arriving in the warm-up counts: they wait on)
    load[queue & (capacity_minutes <= 0) & visited] = math.inf
    return load


def _mean(m: dict, key: str) -> float:
    s = m.get(key)
    v = None if not s else s.get("mean")
    return math.nan if v is None else float(v)


def stability_warnings(m: dict, node_names, prefix: str = "") -> list[str]:
    """Warnings for the summarised metrics ``m`` (``stats.summarise_all``): one line per
    node that is overloaded or whose queue grows through the window (rule in the module doc)."""
    out = []
    for n in node_names:
        load = _mean(m, f"node.{n}.offered_load")
        if math.isinf(load):
            out.append(f"{prefix}{n}: visits arrive but it has no capacity in the window; they wait to the "
                       "horizon and whatever routes into it backs up")
        waiting, arrivals = _mean(m, f"node.{n}.still_waiting"), _mean(m, f"node.{n}.arrivals")
        left = sum(v for k in ("reneged", "diverted", "other_route")
                   if not math.isnan(v := _mean(m, f"node.{n}.{k}")))
        staying = load * (1.0 - left / arrivals) if arrivals > 0 else math.nan
        if staying > 1.0:
            out.append(f"{prefix}{n}: offered load {load:.2f}x its capacity (work arriving / capacity time "
                       "in the window" + (f"; {staying:.2f}x without the visits that leave unserved" if left else "")
                       + "): no steady state, its queue grows for as long as the run lasts")
            continue
        if waiting >= STUCK_MIN and waiting > STUCK_SHARE * arrivals:
            out.append(f"{prefix}{n}: {waiting:,.0f} of the {arrivals:,.0f} visits arriving in the window "
                       f"({100 * waiting / arrivals:.0f}%) are still waiting at the horizon: its queue does "
                       "not clear (overloaded, or blocked by full capacity downstream)")
            continue
        first, last = _mean(m, f"node.{n}.wait_first_quarter"), _mean(m, f"node.{n}.wait_last_quarter")
        if last > GROWTH_RATIO * first and last - first >= GROWTH_MINUTES and waiting > 0:
            out.append(f"{prefix}{n}: waits grow through the window (mean {first / 60:.1f} h for arrivals in "
                       f"the first quarter, {last / 60:.1f} h in the last): the queue is not stable")
    return out
