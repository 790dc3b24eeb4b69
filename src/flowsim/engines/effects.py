"""How an engine applies interventions: small functions over ``Network.interventions``.

What depends only on the patient is worked out here for both engines before either
runs (``patient_effects``: who is thinned, each patient's mask on arrival); what is
decided in the loop is written once in ``engines.rules`` (route choice, scaling,
avoided admissions), which ``Effects`` calls and the compiled loop twins. A patient carries a bit mask ``mask`` of the interventions whose
effects apply to it: at arrival, every active intervention without an
assessment; after a timely assessment, that intervention too.

- targets (``flowsim.targeting``): an intervention with a ``target`` applies only to
  patients whose bit is set in ``eligible_bits``; the others never get its bit in
  their mask and are never thinned by it.
- thinning (:func:`patient_effects`, counted by :meth:`Effects.thinned_by`): patient p
  of source s and cohort c is removed on arrival by the first active intervention i, in
  config order, that may apply to p, with ``thin_u[p] < 1 - prod_{k <= i} (1 -
  thin_share[k, s, c])`` (the product over those interventions). Its own uniform
  decides, so thinning removes patients and never changes anyone else's numbers.
- durations (:meth:`Effects.duration`): the drawn duration is multiplied by
  ``dur_scale[i, n, c]`` of every intervention i in the mask; on a bed node the
  minutes saved inside the window are tallied as bed days saved, intervention
  by intervention in config order.
- holds (:meth:`Effects.hold`): the drawn hold of a route leaving node n is
  multiplied by ``hold_scale[i, n, c]`` of every intervention i in the mask; on a
  bed node the minutes saved inside the window are tallied as delayed bed days
  saved, as for durations.
- route decision (:meth:`Effects.route`), in this order: the baseline route r0 is
  chosen with the patient's route uniform u from ``Network.route_cum``. If
  ``route_of[n, c]`` names an intervention i in the mask (``route_scale``), the
  route is chosen with the *same* u from ``route_cum[i]``. Then, if
  ``divert_of[n, c]`` names an intervention k in the mask, a patient whose
  destination so far is ``divert_from[k]`` and who is eligible
  (``eligible_u[k, p] < eligible[k]``) goes to ``divert_to[k]`` instead when that
  node has a free server and nobody waiting (keeping the route, for its hold and
  blocking). When a step turns a destination that is an acute bed node (entered
  from outside one) into one that is not, the decision is an avoided admission of
  that step's intervention (counted when the decision falls in the window).
"""

from __future__ import annotations

import numpy as np

from ..network import ACUTE, Network
from ..targeting import eligible_bits
from . import rules

__all__ = ["Effects", "patient_effects"]


def patient_effects(net: Network, draws) -> tuple[np.ndarray, np.ndarray]:
    """(thin_by, start_mask), each (P,) int64: the intervention that thins each patient on
    arrival (-1: none) and its bit mask on arrival (the active interventions without an
    assessment that may apply to it). Both depend only on the patient (source, cohort,
    own uniforms, targeting), so both engines take them from here, vectorised."""
    iv = net.interventions
    P = draws.n_patients
    thin_by = np.full(P, -1, dtype=np.int64)
    if iv is None or not iv.any_active:
        return thin_by, np.zeros(P, dtype=np.int64)
    act = [i for i in range(len(iv.names)) if iv.active[i]]
    keep = np.ones(P)
    src, coh, u = draws.source.astype(np.int64), draws.cohort.astype(np.int64), draws.thin_u
    eligible = eligible_bits(net, draws)
    for i in act:
        share = iv.thin_share[i][src, coh]
        pos = (share > 0.0) & ((eligible >> i) & 1 == 1)
        keep = np.where(pos, keep * (1.0 - share), keep)
        thin_by[pos & (thin_by < 0) & (u < 1.0 - keep)] = i
    start = np.int64(sum(1 << i for i in act if iv.assess_by[i] < 0))
    return thin_by, start & eligible.astype(np.int64)


class Effects:
    """Per-replication state of the interventions: lookups as lists, and the tallies."""

    def __init__(self, net: Network, draws, lo: float, hi: float):
        iv = net.interventions
        self.on = iv is not None and iv.any_active
        self.names = iv.names if iv is not None else ()
        n = len(self.names)
        self.avoided_admissions = [0] * n
        self.avoided_attendances = [0] * n
        self.bed_days_saved = [0.0] * n
        self.delayed_bed_days_saved = [0.0] * n
        self.thinned_total = 0
        if not self.on:
            return
        self.lo, self.hi = lo, hi
        self.act = [i for i in range(n) if iv.active[i]]
        self.route_of = iv.route_of.tolist()
        self.iv_cum = iv.route_cum.tolist()
        self.divert_from = iv.divert_from.tolist()
        self.divert_to = iv.divert_to.tolist()
        self.assess_of = iv.assess_of.tolist()
        self.assess_by = iv.assess_by.tolist()
        self.within = iv.within.tolist()
        self.scales = self._applying(iv.dur_scale, net)
        self.hscales = self._applying(iv.hold_scale, net)
        self.divert_of = iv.divert_of.tolist()
        self.during_of = iv.during_of.tolist()
        self.eligible_share = iv.eligible.tolist()  # of divert (``eligible`` is the targeting bits)
        self.eligible_u = draws.eligible_u
        self.acute_bed = ((net.setting == ACUTE) & net.bed).tolist()
        self.bed = net.bed.tolist()
        self.route_start = net.route_start.tolist()
        self.route_len = net.route_len.tolist()
        self.route_dest = net.route_dest.tolist()
        self.base_cum = net.route_cum.tolist()
        thin_by, start = patient_effects(net, draws)
        self.thin_by, self.start_mask = thin_by.tolist(), start.tolist()

    def start(self, p: int) -> int:
        """The mask of patient p on arrival: interventions without assessment that may apply to it."""
        return self.start_mask[p]

    def _applying(self, table, net) -> list:
        """[node][cohort] -> (intervention, factor) of the active interventions whose factor there is not 1."""
        return [[[(i, float(table[i, nd, c])) for i in self.act if table[i, nd, c] != 1.0]
                 for c in range(len(net.cohorts))] for nd in range(net.n_nodes)]

    # ------------------------------------------------------------- arrival
    def thinned_by(self, p: int, t: float) -> int:
        """The intervention that removes patient p arriving at ``t``, or -1 (tallies avoided
        attendances in the window). Twin: ``_interventions._thinned``."""
        i = self.thin_by[p]
        if i >= 0:
            self.thinned_total += 1
            if self.lo <= t < self.hi:
                self.avoided_attendances[i] += 1
        return i

    # ------------------------------------------------------------- service
    def duration(self, node: int, c: int, mask: int, d: float, start: float) -> float:
        """The duration with the scales in ``mask`` applied (tallies bed days saved)."""
        return rules.scaled(self.scales[node][c], mask, d, start, self.bed[node], self.lo, self.hi,
                            self.bed_days_saved)

    def hold(self, node: int, c: int, mask: int, h: float, start: float) -> float:
        """The hold (from ``start``) with the hold scales in ``mask`` applied (tallies delayed bed days saved)."""
        return rules.scaled(self.hscales[node][c], mask, h, start, self.bed[node], self.lo, self.hi,
                            self.delayed_bed_days_saved)

    # ------------------------------------------------------------- routing
    def route(self, node: int, c: int, mask: int, u: float, t: float, room, p: int) -> tuple[int, int]:
        """(route index, destination) of patient p's decision at ``node``; ``room(n)`` says
        whether node n has a free server and nobody waiting. Twin: ``_interventions._iv_route``."""
        a, n = self.route_start[node][c], self.route_len[node][c]
        r = rules.choose_route(self.base_cum, a, n, u)
        d = self.route_dest[r]
        i = self.route_of[node][c]
        if i >= 0 and (mask >> i) & 1:
            r1 = rules.choose_route(self.iv_cum[i], a, n, u)
            self._avoided(i, node, d, self.route_dest[r1], t)
            r, d = r1, self.route_dest[r1]
        k = self.divert_of[node][c]
        if (k >= 0 and (mask >> k) & 1 and d == self.divert_from[k] and self.eligible_u[k, p] < self.eligible_share[k]
                and room(self.divert_to[k])):
            self._avoided(k, node, d, self.divert_to[k], t)
            return r, self.divert_to[k]
        return r, d

    def _avoided(self, i: int, node: int, d0: int, d1: int, t: float) -> None:
        if rules.avoided(self.acute_bed, node, d0, d1, t, self.lo, self.hi):
            self.avoided_admissions[i] += 1

    def tally(self) -> dict:
        """The counts of the run, by intervention (for ``EventLog.meta``)."""
        return {"interventions": list(self.names), "avoided_admissions": list(self.avoided_admissions),
                "avoided_attendances": list(self.avoided_attendances),
                "bed_days_saved": list(self.bed_days_saved),
                "delayed_bed_days_saved": list(self.delayed_bed_days_saved)}
