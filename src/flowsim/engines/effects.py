"""How an engine applies interventions: small functions over ``Network.interventions``.

Kept apart from the SimPy engine so that the compiled engine can port them line
by line. A patient carries a bit mask ``mask`` of the interventions whose
effects apply to it: at arrival, every active intervention without an
assessment; after a timely assessment, that intervention too.

- targets (``flowsim.targeting``): an intervention with a ``target`` applies only to
  patients whose bit is set in ``eligible_bits``; the others never get its bit in
  their mask and are never thinned by it.
- thinning (:meth:`Effects.thinned_by`): on arrival, patient p of source s and
  cohort c is removed by the first active intervention i, in config order, that may
  apply to p, with ``thin_u[p] < 1 - prod_{k <= i} (1 - thin_share[k, s, c])`` (the
  product over those interventions). Its own uniform
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

from ..network import ACUTE, Network
from ..targeting import eligible_bits
from ..units import MINUTES_PER_DAY

__all__ = ["Effects"]


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
        self.thin_share = iv.thin_share.tolist()
        self.route_of = iv.route_of.tolist()
        self.iv_cum = iv.route_cum.tolist()
        self.divert_from = iv.divert_from.tolist()
        self.divert_to = iv.divert_to.tolist()
        self.assess_of = iv.assess_of.tolist()
        self.assess_by = iv.assess_by.tolist()
        self.within = iv.within.tolist()
        self.dur_scale = iv.dur_scale.tolist()
        self.scales = self._applying(iv.dur_scale, net)
        self.hold_scale = iv.hold_scale.tolist()
        self.hscales = self._applying(iv.hold_scale, net)
        self.divert_of = iv.divert_of.tolist()
        self.during_of = iv.during_of.tolist()
        self.eligible_share = iv.eligible.tolist()  # of divert (``eligible`` is the targeting bits)
        self.eligible_u = draws.eligible_u
        self.start_mask = sum(1 << i for i in self.act if iv.assess_by[i] < 0)
        self.acute_bed = ((net.setting == ACUTE) & net.bed).tolist()
        self.bed = net.bed.tolist()
        self.route_start = net.route_start.tolist()
        self.route_len = net.route_len.tolist()
        self.route_dest = net.route_dest.tolist()
        self.base_cum = net.route_cum.tolist()
        self.source = draws.source.tolist()
        self.cohort = draws.cohort.tolist()
        self.thin_u = draws.thin_u.tolist()
        self.eligible = eligible_bits(net, draws).tolist()

    def start(self, p: int) -> int:
        """The mask of patient p on arrival: interventions without assessment that may apply to it."""
        return self.start_mask & self.eligible[p]

    def _applying(self, table, net) -> list:
        """[node][cohort] -> the active interventions whose factor there is not 1."""
        return [[[i for i in self.act if table[i, nd, c] != 1.0] for c in range(len(net.cohorts))]
                for nd in range(net.n_nodes)]

    # ------------------------------------------------------------- arrival
    def thinned_by(self, p: int, t: float) -> int:
        """The intervention that removes patient p, or -1 (tallies avoided attendances)."""
        s, c, u, ok = self.source[p], self.cohort[p], self.thin_u[p], self.eligible[p]
        keep = 1.0
        for i in self.act:
            share = self.thin_share[i][s][c]
            if share > 0.0 and (ok >> i) & 1:
                keep *= 1.0 - share
                if u < 1.0 - keep:
                    self.thinned_total += 1
                    if self.lo <= t < self.hi:
                        self.avoided_attendances[i] += 1
                    return i
        return -1

    # ------------------------------------------------------------- service
    def duration(self, node: int, c: int, mask: int, d: float, start: float) -> float:
        """The duration with the scales in ``mask`` applied (tallies bed days saved)."""
        return self._scale(self.scales[node][c], self.dur_scale, self.bed_days_saved, node, c, mask, d, start)

    def hold(self, node: int, c: int, mask: int, h: float, start: float) -> float:
        """The hold (from ``start``) with the hold scales in ``mask`` applied (tallies delayed bed days saved)."""
        return self._scale(self.hscales[node][c], self.hold_scale, self.delayed_bed_days_saved, node, c, mask, h,
                           start)

    def _scale(self, applying, table, tally, node, c, mask, d, start) -> float:
        for i in applying:
            if (mask >> i) & 1:
                new = d * table[i][node][c]
                if self.bed[node]:
                    a, b = max(start + new, self.lo), min(start + d, self.hi)
                    if b > a:
                        tally[i] += (b - a) / MINUTES_PER_DAY
                d = new
        return d

    # ------------------------------------------------------------- routing
    def _choose(self, cum, a: int, n: int, u: float) -> int:
        for r in range(a, a + n - 1):
            if u < cum[r]:
                return r
        return a + n - 1

    def route(self, node: int, c: int, mask: int, u: float, t: float, room, p: int) -> tuple[int, int]:
        """(route index, destination) of patient p's decision at ``node``; ``room(n)`` says
        whether node n has a free server and nobody waiting."""
        a, n = self.route_start[node][c], self.route_len[node][c]
        r = self._choose(self.base_cum, a, n, u)
        d = self.route_dest[r]
        i = self.route_of[node][c]
        if i >= 0 and (mask >> i) & 1:
            r1 = self._choose(self.iv_cum[i], a, n, u)
            self._avoided(i, node, d, self.route_dest[r1], t)
            r, d = r1, self.route_dest[r1]
        k = self.divert_of[node][c]
        if (k >= 0 and (mask >> k) & 1 and d == self.divert_from[k] and self.eligible_u[k, p] < self.eligible_share[k]
                and room(self.divert_to[k])):
            self._avoided(k, node, d, self.divert_to[k], t)
            return r, self.divert_to[k]
        return r, d

    def _avoided(self, i: int, node: int, d0: int, d1: int, t: float) -> None:
        ab = self.acute_bed
        if d0 >= 0 and ab[d0] and not ab[node] and not (d1 >= 0 and ab[d1]) and self.lo <= t < self.hi:
            self.avoided_admissions[i] += 1

    def tally(self) -> dict:
        """The counts of the run, by intervention (for ``EventLog.meta``)."""
        return {"interventions": list(self.names), "avoided_admissions": list(self.avoided_admissions),
                "avoided_attendances": list(self.avoided_attendances),
                "bed_days_saved": list(self.bed_days_saved),
                "delayed_bed_days_saved": list(self.delayed_bed_days_saved)}
