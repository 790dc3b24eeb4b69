"""Headline metrics broken down by a group of patients (cohort, age band, ...).

One function, :func:`group_metrics`, used for cohorts here and for any other
grouping of patients: give it one group code per event-log row (the group of that
row's patient) and it returns, for every group, the metrics below, summing to the
run's totals (counts exactly, costs up to rounding):

- ``admissions``, ``ed_attendances``, ``four_hour_breaches``: counted at the row
  that starts the admission or the attendance, as in ``metrics.measure``;
- ``bed_days``, ``delayed_bed_days``: the rows' days in bed inside the window;
- ``deaths``: patients leaving by a death exit inside the window;
- ``cost_total``: the costs attributed to the group's rows (``flowsim.ledger``),
  plus a share of the costs no row incurred (idle capacity, fixed intervention
  costs) in proportion to the group's part of the rest;
- ``readmissions_30d`` (models with readmissions): counted at the readmission,
  as in ``flowsim.readmission_metrics``.
"""

from __future__ import annotations

import numpy as np

from .episodes import FOUR_HOURS, _episodes, _in_window, _overlap, _until
from .eventlog import NO_DEST, EventLog
from .ledger import Ledger, ledger
from .network import Network
from .readmission_metrics import readmission_patients
from .units import MINUTES_PER_DAY

__all__ = ["group_metrics", "group_dict", "death_rows", "GROUP_METRICS"]

GROUP_METRICS = ("admissions", "ed_attendances", "four_hour_breaches", "bed_days", "delayed_bed_days",
                 "cost_total", "deaths")


def death_rows(log: EventLog, net: Network) -> np.ndarray:
    """Rows whose patient left by a death exit inside the window (the row's node is the place of death).

    The death exits are ``net.exit_is_death`` (config key ``deaths``, default ``[died]``).
    """
    is_death = net.exit_is_death
    if is_death is None:  # a Network built by hand: the built-in exit 'died'
        is_death = np.array([e == "died" for e in net.exit_names], dtype=bool)
    exit_index = np.where(log.dest < 0, -log.dest.astype(np.int64) - 1, 0)
    dead = (log.dest < 0) & (log.dest != NO_DEST) & is_death[np.clip(exit_index, 0, len(is_death) - 1)]
    return dead & _in_window(log.depart, float(net.warm_up), float(log.horizon))


def _spread(direct: np.ndarray, overhead: float) -> np.ndarray:
    """``direct`` plus ``overhead`` shared in proportion to it (equally if it is all zero)."""
    total = float(direct.sum())
    if overhead == 0.0 or len(direct) == 0:
        return direct
    weights = direct / total if total > 0 else np.full(len(direct), 1.0 / len(direct))
    return direct + overhead * weights


def group_metrics(log: EventLog, net: Network, group: np.ndarray, names, prefix: str,
                  led: Ledger | None = None, episodes=None) -> dict[str, float]:
    """Headline metrics per group over the window ``[net.warm_up, log.horizon)``.

    Parameters
    ----------
    log : EventLog
        The run's event log.
    net : Network
        Its network.
    group : np.ndarray
        int, one entry per log row: the index in ``names`` of the group of that
        row's patient.
    names : sequence of str
        Group names, indexed by the codes in ``group``.
    prefix : str
        First part of the metric names, e.g. ``"cohort"``.
    led : Ledger, optional
        The run's ledger, if already computed (it is computed otherwise).
    episodes : optional
        ``metrics._episodes(log, net)``, if already computed.

    Returns
    -------
    dict[str, float]
        ``{f"{prefix}.{name}.{metric}": value}`` for every name and every metric in
        :data:`GROUP_METRICS` (see module docstring).

    Raises
    ------
    ValueError
        If ``group`` does not have one entry per row, or has a code outside ``names``.
    """
    group = np.asarray(group, dtype=np.int64)
    G = len(names)
    if group.shape != (len(log),):
        raise ValueError(f"expected one group code per event-log row ({len(log)}), found shape {group.shape}")
    if len(group) and (group.min() < 0 or group.max() >= G):
        raise ValueError(f"expected group codes 0..{G - 1}, found {group.min()}..{group.max()}")
    lo, hi = float(net.warm_up), float(log.horizon)
    ep = episodes if episodes is not None else _episodes(log, net)
    led = led if led is not None else ledger(log, net, ep)

    def count(rows) -> np.ndarray:
        return np.bincount(group[rows], minlength=G).astype(np.float64)

    adm = ep.admission_rows
    arrival, elapsed, _, first = ep.ed
    counted = _in_window(arrival, lo, hi)
    depart = _until(log.depart, log.horizon)
    bed = net.bed[log.node]
    values = {
        "admissions": count(adm[_in_window(log.start[adm], lo, hi)]),
        "ed_attendances": count(first[counted]),
        "four_hour_breaches": count(first[counted & (elapsed > FOUR_HOURS)]),
        "bed_days": np.bincount(group, weights=np.where(bed, _overlap(log.start, depart, lo, hi), 0.0),
                                minlength=G) / MINUTES_PER_DAY,
        "delayed_bed_days": np.bincount(group, weights=np.where(bed, _overlap(log.end, depart, lo, hi), 0.0),
                                        minlength=G) / MINUTES_PER_DAY,
        "cost_total": _spread(np.bincount(group, weights=led.row_cost, minlength=G), led.overhead),
        "deaths": count(death_rows(log, net)),
    }
    metrics = GROUP_METRICS
    if net.readmit is not None:  # a model with readmissions (flowsim.readmission_metrics)
        values["readmissions_30d"] = _readmissions(log, net, ep, group, G)
        metrics = metrics + ("readmissions_30d",)
    return group_dict(values, names, prefix, metrics)


def group_dict(values: dict, names, prefix: str, metrics) -> dict[str, float]:
    """``{f"{prefix}.{name}.{metric}": value}`` from (G,) arrays ``values[metric]``, group by group."""
    return {f"{prefix}.{name}.{metric}": float(values[metric][g])
            for g, name in enumerate(names) for metric in metrics}


def _readmissions(log: EventLog, net: Network, ep, group: np.ndarray, G: int) -> np.ndarray:
    """30-day readmissions in the window per group (all rows of a patient share its group);
    ``ep``: the run's episodes, whose links are sorted once for every breakdown."""

    patients = readmission_patients(log, net, ep.order, ep.linked)
    of_patient = np.zeros(int(log.patient.max()) + 1 if len(log) else 0, dtype=np.int64)
    of_patient[log.patient] = group
    return np.bincount(of_patient[patients], minlength=G).astype(np.float64)
