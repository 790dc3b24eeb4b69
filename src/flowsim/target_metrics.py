"""Headline metrics of the people a targeted intervention picks: ``target.<intervention>.<metric>``.

A programme aimed at a cohort chosen by predicted risk (Newquay's frail elderly, Kent's
top 5%) is judged by what happens to that cohort: "a 23% reduction in non-elective
admissions for the group". For every intervention with a ``target`` in a model with a
population, this measures the patients whose person the target picks, **whether or
not the intervention is switched on**: the baseline's figure for the same people is
what the scenario is compared with, paired on common random numbers. The group is
fixed before the run (``targeting.targeted_people``, attributes drawn before any
engine runs), so it is the same people in every scenario with the same prediction
accuracy.

Metrics (``groups.group_metrics`` for the targeted group): ``admissions``,
``ed_attendances``, ``four_hour_breaches``, ``bed_days``, ``delayed_bed_days``,
``cost_total``, ``deaths`` (and ``readmissions_30d`` with readmissions), plus
``people``, the size of the group.
"""

from __future__ import annotations

import numpy as np

from .eventlog import EventLog
from .groups import group_metrics
from .network import Network
from .targeting import targeted_people

__all__ = ["target_metrics"]


def target_metrics(log: EventLog, net: Network, attrs) -> dict[str, float]:
    """``target.<intervention>.<metric>`` for every targeted intervention of the model.

    Parameters
    ----------
    log : EventLog
        The run's event log.
    net : Network
        Its network; without a population or a targeted intervention nothing is measured.
    attrs : attributes.Attributes or None
        The replication's drawn attributes (``Draws.attrs``): each patient's person and
        each person's rank of predicted risk.

    Returns
    -------
    dict[str, float]
        ``target.<name>.people`` and ``target.<name>.<metric>`` for each metric of
        ``groups.group_metrics``, over the targeted people's patients only.
    """
    pop, iv = net.population, net.interventions
    if pop is None or iv is None or attrs is None or not np.any(pop.target_on):
        return {}
    # a warm start's census patients have no person: nothing to attribute them to
    if len(log) and int(log.patient.max()) >= len(attrs.person):
        return {}
    out: dict[str, float] = {}
    for i in np.flatnonzero(pop.target_on):
        name = iv.names[int(i)]
        people = targeted_people(pop, attrs, int(i))
        group = people[attrs.person][log.patient].astype(np.int64)
        prefix = f"target.{name}"
        m = group_metrics(log, net, group, ("others", "targeted"), prefix)
        out[f"{prefix}.people"] = float(people.sum())
        out.update({f"{prefix}.{k.rsplit('.', 1)[1]}": v for k, v in m.items() if k.startswith(f"{prefix}.targeted.")})
    return out
