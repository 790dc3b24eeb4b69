"""EventLog -> 30-day emergency readmissions (NHS definition).

An acute stay is a run of linked visits to acute bed-holding nodes (as for
``admissions`` in ``metrics``); it is *admitted* at its first visit that took a
bed and *discharged* when the patient leaves the last visit of the run
(``depart``; a stay still going at the horizon has no discharge). The same
patient (the same identity, as returns re-use it; ``engines.returns``) links
stays:

- ``readmissions_30d``: admissions begun in the window within 30 days (<= 43,200
  minutes) of the discharge of the same patient's previous acute stay.
- ``readmission_rate_30d``: of acute discharges in ``[warm_up, horizon - 30 days)``
  (each has a full 30 days to be followed up), the share followed by an admission
  of the same patient within 30 days (NaN when the window is shorter than 30 days
  or nothing was discharged in it).
"""

from __future__ import annotations

import numpy as np

from .episodes import _runs
from .eventlog import EventLog
from .network import ACUTE, Network
from .units import MINUTES_PER_DAY

__all__ = ["readmission_metrics", "readmission_patients", "acute_stays", "THIRTY_DAYS"]

THIRTY_DAYS = 30 * MINUTES_PER_DAY


def acute_stays(log: EventLog, net: Network, order: np.ndarray, linked: np.ndarray):
    """(patient, admitted, discharged) of each acute stay that took a bed, by patient then time.

    ``order`` and ``linked`` are ``metrics._sorted_links(log)``; ``discharged`` is NaN
    for a stay still going at the horizon.
    """

    acute_bed = (net.setting == ACUTE) & net.bed
    member = acute_bed[log.node[order]] if len(log) else np.zeros(0, dtype=bool)
    first, last = _runs(member, linked)
    start = log.start[order]
    run_start = np.zeros(len(member), dtype=np.int64)
    run_start[first] = 1
    run_id = np.cumsum(run_start) - 1
    took = member & ~np.isnan(start)
    # first start within each run (rows of a run are in visit order)
    admitted = np.full(len(first), np.nan)
    rid = run_id[took]
    keep = np.ones(len(rid), dtype=bool)
    keep[1:] = rid[1:] != rid[:-1]
    admitted[rid[keep]] = start[took][keep]
    ok = ~np.isnan(admitted)
    patient = log.patient[order][first][ok]
    discharged = log.depart[order][last][ok]
    return patient, admitted[ok], discharged


def _readmitted(patient: np.ndarray, admitted: np.ndarray, discharged: np.ndarray) -> np.ndarray:
    """Per acute stay: begun within 30 days of the same patient's previous discharge."""
    same = np.zeros(len(patient), dtype=bool)
    same[1:] = patient[1:] == patient[:-1]
    gap = np.full(len(patient), np.inf)
    gap[1:] = admitted[1:] - discharged[:-1]
    return same & (gap >= 0) & (gap <= THIRTY_DAYS)  # NaN discharge: gap NaN, never a readmission


def readmission_patients(log: EventLog, net: Network, order: np.ndarray, linked: np.ndarray) -> np.ndarray:
    """The patient of each 30-day readmission begun in the window (for breakdowns by group)."""
    lo, hi = float(net.warm_up), float(log.horizon)
    patient, admitted, discharged = acute_stays(log, net, order, linked)
    keep = _readmitted(patient, admitted, discharged) & (admitted >= lo) & (admitted < hi)
    return patient[keep]


def readmission_metrics(log: EventLog, net: Network, order: np.ndarray, linked: np.ndarray) -> dict[str, float]:
    """``readmissions_30d`` and ``readmission_rate_30d`` of one run (see module docstring)."""
    lo, hi = float(net.warm_up), float(log.horizon)
    patient, admitted, discharged = acute_stays(log, net, order, linked)
    readmit = _readmitted(patient, admitted, discharged)
    in_window = (admitted >= lo) & (admitted < hi)
    out = {"readmissions_30d": float((readmit & in_window).sum())}
    followed = np.zeros(len(patient), dtype=bool)
    followed[:-1] = readmit[1:]
    due = (discharged >= lo) & (discharged < hi - THIRTY_DAYS)
    n_due = int(due.sum())
    out["readmission_rate_30d"] = float(followed[due].sum()) / n_due if n_due else float("nan")
    return out
