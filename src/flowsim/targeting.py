"""Who a targeted intervention applies to: a per-patient bit mask, computed once.

An intervention with a ``target`` (``Network.population``) applies only to patients
whose person is ranked in its share of predicted risk (``top``: ranks [0, x);
``tier``: [a, b)) and belongs to one of its age bands. The mask is a function of
attributes drawn before the run (``Draws.attrs``), never of what happens in it,
so both engines read the same mask and scenarios stay paired patient by patient.
"""

from __future__ import annotations

import numpy as np

__all__ = ["eligible_bits", "targeted_people"]


def targeted_people(pop, attrs, i: int) -> np.ndarray:
    """(M,) bool: the people intervention ``i`` targets."""
    rank = attrs.pop_rank
    ok = (rank >= pop.target_lo[i]) & (rank < pop.target_hi[i])
    return ok & pop.target_band[i][attrs.pop_band]


def eligible_bits(net, draws) -> np.ndarray:
    """(P,) int64: bit i set when intervention i may apply to patient p.

    Every bit is set for an intervention without a target, and for every
    intervention in a model without a population.
    """
    iv = net.interventions
    I = len(iv.names) if iv is not None else 0
    bits = np.full(draws.n_patients, (1 << I) - 1, dtype=np.int64)
    pop, attrs = net.population, draws.attrs
    if pop is None or attrs is None:
        return bits
    for i in np.flatnonzero(pop.target_on):
        people = targeted_people(pop, attrs, int(i))
        bits[~people[attrs.person]] &= ~np.int64(1 << int(i))
    return bits
