"""Metrics broken down by a group of patients (age band, cohort), summing to the totals.

``group_metrics`` measures the rows of each group as a log of their own. Every
metric it reports is a sum over patients, and all the rows of a patient belong to
one group, so the groups' values add up exactly to the run's totals.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .eventlog import EventLog
from .network import Network

__all__ = ["group_metrics", "GROUP_METRICS"]

# metrics that are sums over patients (ratios and per-node statistics are not broken down)
GROUP_METRICS = ("admissions", "ed_attendances", "bed_days", "delayed_bed_days", "readmissions_30d", "deaths")


def _rows(log: EventLog, keep: np.ndarray) -> EventLog:
    cols = {k: v[keep] for k, v in log.columns().items()}
    return dataclasses.replace(log, **cols, meta={})


def group_metrics(log: EventLog, net: Network, group: np.ndarray, names, prefix: str) -> dict[str, float]:
    """Per-group totals of one run.

    Parameters
    ----------
    log : EventLog
    net : Network
    group : np.ndarray
        int, one entry per event-log row: the group code of that row's patient.
    names : sequence of str
        Group names; code g is ``names[g]``.
    prefix : str
        ``"age_band"`` gives ``age_band.<name>.<metric>``.

    Returns
    -------
    dict[str, float]
        ``{f"{prefix}.{name}.{metric}": value}`` for each metric of ``GROUP_METRICS``
        that the run measures.
    """
    from .metrics import measure  # metrics calls this module; imported here to keep the import one way

    group = np.asarray(group)
    if group.shape != (len(log),):
        raise ValueError(f"expected one group code per event-log row ({len(log)}), found shape {group.shape}")
    out: dict[str, float] = {}
    for g, name in enumerate(names):
        m = measure(_rows(log, group == g), net)
        for key in GROUP_METRICS:
            if key in m:
                out[f"{prefix}.{name}.{key}"] = m[key]
    return out
