"""Little's law, L = lambda W, at every node of the default health economy.

Computed from the event log directly, with nothing taken from ``metrics`` for the
law itself. For node n over the window [lo, hi):

- L is the time average of N(t) = A(t) - D(t), where the arrival process A is
  built from *where patients came from* (the source arrival table for entry
  nodes, and the rows of other nodes whose ``dest`` is n, at the minute they left
  for n) and the departure process D from the ``depart`` of n's own rows. The
  step function is integrated exactly between events.
- lambda is the number of arrivals in the window over its length T; W is the mean
  time in node of those visits, cut at the horizon (``min(depart, hi) - arrive``).

On a finite window Little's law holds exactly once the edges are accounted for:
L T = lambda T W + C, where C is the time inside the window of visits that arrived
before it (the "carry-in"; there is no carry-out because W is cut at hi). So the
tolerance is floating-point rounding only: rtol 1e-9, from sums of ~1e5 terms of
size <= 2e5 minutes in float64 (relative error ~1e-12). Any lost, duplicated or
mistimed row would break it by at least one patient-minute.

Time in node runs from ``arrive`` (joined the queue, asked for a slot, or was
sent on at once) to ``depart`` (left and freed its server). A blocked patient is
in two nodes at once: still in its bed upstream, and already queueing at the next
node, which it joined when its clinical service ended (``end`` of the upstream row).
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.cli import default_config_path
from flowsim.config import load_data, validate_data
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.eventlog import IN_SYSTEM, NO_DEST
from flowsim.metrics import hourly_occupancy, measure
from flowsim.network import build_network

DAY = 1440.0


@pytest.fixture(scope="module")
def default_run():
    data, pos = load_data(default_config_path())
    data["run"].update(horizon="150 days", warm_up="30 days")
    # without discharge holds: inflow_times reads a successor's arrival as the end of the
    # previous visit, which a hold (end + hold) breaks; holds are covered by test_hold.py
    for svc in data["services"].values():
        routes = svc.get("routes")
        for rs in (routes.values() if isinstance(routes, dict) else [routes or []]):
            for r in rs:
                r.pop("hold", None)
    data.pop("interventions", None)  # faster_arranging scales the holds removed here
    net = build_network(validate_data(data, pos, "default.yaml"))
    draws = make_draws(net, seed=2026, replication=0)
    log = run_engine(net, draws, "simpy")
    return net, draws, log


def inflow_times(net, draws, log, n: int) -> np.ndarray:
    """Minutes at which patients entered node n, from sources and from other rows."""
    entry = net.source_to[draws.source] == n
    times = [draws.arrive[entry & (draws.arrive < log.horizon)]]
    # left another node for n: at the end of its service (== depart unless blocked);
    # DIVERTED / ELSEWHERE rows have no service and leave at depart == arrive
    to_n = log.dest == n
    times.append(np.where(np.isnan(log.end[to_n]), log.depart[to_n], log.end[to_n]))
    # a blocked patient at the horizon: its bed row is IN_SYSTEM with NO_DEST, and its
    # other IN_SYSTEM row is the queue it joined when its service ended
    held = (log.outcome == IN_SYSTEM) & ~np.isnan(log.end)
    in_sys = np.flatnonzero((log.outcome == IN_SYSTEM) & np.isnan(log.end))
    where = dict(zip(log.patient[in_sys].tolist(), log.node[in_sys].tolist()))
    for i in np.flatnonzero(held):
        assert log.dest[i] == NO_DEST
        if where.get(int(log.patient[i])) == n:
            times.append(log.end[i:i + 1])
    return np.sort(np.concatenate(times))


def time_average(up: np.ndarray, down: np.ndarray, lo: float, hi: float) -> tuple[float, int]:
    """Exact time average over [lo, hi) of (#up <= t) - (#down <= t), and its minimum."""
    t = np.concatenate([up, down])
    step = np.concatenate([np.ones(len(up)), -np.ones(len(down))])
    order = np.lexsort((-step, t))            # arrivals before departures at equal times
    t, step = t[order], step[order]
    n = np.cumsum(step)
    n_min = int(n.min()) if len(n) else 0
    # integral of the step function over [lo, hi)
    tt = np.clip(np.concatenate([[lo], t, [hi]]), lo, hi)
    level = np.concatenate([[0.0], n])
    return float((level * np.diff(tt)).sum() / (hi - lo)), n_min


def test_every_node_obeys_littles_law(default_run, record_property):
    net, draws, log = default_run
    lo, hi = net.warm_up, log.horizon
    T = hi - lo
    for n, name in enumerate(net.node_names):
        rows = log.node == n
        arrive, depart = log.arrive[rows], log.depart[rows]
        inflow = inflow_times(net, draws, log, n)
        # the flows into n, read from elsewhere, are exactly n's rows
        np.testing.assert_array_equal(inflow, np.sort(arrive), err_msg=name)
        L, n_min = time_average(inflow, depart[~np.isnan(depart)], lo, hi)
        assert n_min >= 0, f"{name}: more departures than arrivals at some time"
        inside = (arrive >= lo) & (arrive < hi)
        lam = inside.sum() / T
        stay = np.minimum(np.where(np.isnan(depart), hi, depart), hi) - arrive
        W = stay[inside].mean()
        before = arrive < lo
        carry_in = np.clip(np.where(np.isnan(depart[before]), hi, depart[before]), lo, hi) - lo
        assert L == pytest.approx(lam * W + carry_in.sum() / T, rel=1e-9), name
        # for the record: the naive estimate with whole sojourns of visits that ended
        done = inside & ~np.isnan(depart)
        naive = lam * (depart[done] - arrive[done]).mean()
        record_property(f"little.{name}", f"L={L:.3f} lambda={lam * DAY:.2f}/day W={W / DAY:.3f} days "
                                          f"naive lambda*W={naive:.3f} ({(naive / L - 1) * 100:+.2f}%)")
        print(f"{name:18s} L={L:9.3f}  lambda={lam * DAY:8.2f}/day  W={W / DAY:7.3f} d  "
              f"lambda W + carry-in/T={lam * W + carry_in.sum() / T:9.3f}  naive={naive:9.3f}")


def test_mean_occupancy_agrees_with_hourly_occupancy(default_run):
    """Two code paths for the servers held: metrics' mean over the window, and the
    hourly series averaged over the window's whole hours."""
    net, _, log = default_run
    m = measure(log, net)
    h0, h1 = int(net.warm_up // 60), int(log.horizon // 60)
    for name in net.node_names:
        hourly = hourly_occupancy(log, net, name)[h0:h1]
        assert m[f"node.{name}.mean_occupancy"] == pytest.approx(hourly.mean(), rel=1e-9, abs=1e-12), name
