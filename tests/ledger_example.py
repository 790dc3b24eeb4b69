"""The worked example of docs/costs.md: one patient, two scenarios, costed by hand.

ED (4 h) -> ward (4 days of care) -> reablement (3 days), in a 10-day window.
With one reablement package the patient waits 2 more days in the ward bed for it
(a delayed discharge); with two packages they leave the ward as soon as they are fit.
"""

from __future__ import annotations

import math

import numpy as np

from flowsim.config.load import parse_config
from flowsim.eventlog import SERVED, EventLog, exit_code
from flowsim.network import build_network

NaN = math.nan
DAY = 1440.0

EXAMPLE = """\
name: Worked example (docs/costs.md)
run: {horizon: 10 days, warm_up: 0 days}
sources:
  walk_in: {to: ed, rate: 1 per day}
services:
  ed: {kind: queue, setting: ed, servers: 2, duration: {fixed: {value: 4 h}},
       routes: [{to: ward, p: 1, blocking: true}]}
  ward: {kind: queue, setting: acute, bed: true, servers: 2, duration: {fixed: {value: 4 days}},
         routes: [{to: reablement, p: 1, blocking: true}]}
  reablement: {kind: queue, setting: social_care, servers: PACKAGES, duration: {fixed: {value: 3 days}},
               routes: [{to: home, p: 1}]}
costs:
  ed_attendance: 180
  per_day: {ward: 118, reablement: 37}
  capacity: {ward: 277, reablement: 88}
"""

# (baseline, scenario) by hand, in pounds; see docs/costs.md
BY_HAND = {
    "baseline": {"cost.nhs_acute": 180 + 6 * 118 + 2 * 10 * 277, "cost.local_authority": 3 * 37 + 1 * 10 * 88,
                 "cost.delayed_discharge": 2 * (118 + 277)},
    "two_packages": {"cost.nhs_acute": 180 + 4 * 118 + 2 * 10 * 277, "cost.local_authority": 3 * 37 + 2 * 10 * 88,
                     "cost.delayed_discharge": 0.0},
}
NET_SAVING = {"nhs_acute": 236.0, "local_authority": -880.0, "total": -644.0}


def example(packages: int):
    """(network, event log) of the example with ``packages`` reablement packages."""
    net = build_network(parse_config(EXAMPLE.replace("PACKAGES", str(packages))))
    ward_leaves = 0.25 * DAY + (6 if packages == 1 else 4) * DAY   # blocked 2 days without a second package
    rows = [  # node, prev, arrive, start, end, depart, dest
        (0, -1, 0.0, 0.0, 0.25 * DAY, 0.25 * DAY, 1),
        (1, 0, 0.25 * DAY, 0.25 * DAY, 4.25 * DAY, ward_leaves, 2),
        (2, 1, 4.25 * DAY, ward_leaves, ward_leaves + 3 * DAY, ward_leaves + 3 * DAY, exit_code(0)),
    ]
    cols = list(zip(*rows))
    n = len(rows)
    log = EventLog(patient=np.zeros(n, dtype=np.int64), seq=np.arange(n, dtype=np.int32),
                   cohort=np.zeros(n, dtype=np.int16), node=np.array(cols[0], dtype=np.int32),
                   prev=np.array(cols[1], dtype=np.int32), arrive=np.array(cols[2]), start=np.array(cols[3]),
                   end=np.array(cols[4]), depart=np.array(cols[5]), outcome=np.full(n, SERVED, dtype=np.int8),
                   dest=np.array(cols[6], dtype=np.int32), horizon=10 * DAY, patients=1)
    return net, log
