"""Readmissions as the engines apply them: does a patient leaving now come back, and when.

A patient leaving node ``last`` by exit ``e`` (a destination code < 0) is a
*discharge that may return* when ``Network.readmit.after[last]`` and
``exit_ok[e]``. Its k-th such discharge (k from 0, counted per patient) uses the
return draws of column k (``Draws.ret_u``, ``Draws.ret_t``): the patient returns
``ret_t[p, k]`` minutes later, at ``readmit.to``, as the same patient (same
attributes, interventions and visit numbering), when
``ret_u[p, k] < ret_p[p] x prod(scale[i] for i in its interventions)``.
Every discharge that may return uses up a column, whether or not it returns, so
the draws of a patient's next discharge do not depend on this one's outcome.

``Returns`` is the SimPy engine's version; ``_returns._return_after`` is the
compiled twin, and the engine-equivalence tests hold them equal.
"""

from __future__ import annotations

__all__ = ["Returns"]


class Returns:
    """Per-replication state of readmissions: lookups as lists, and each patient's count."""

    def __init__(self, net, draws):
        rd = net.readmit
        self.on = rd is not None
        if not self.on:
            return
        self.draws = draws
        self.after = rd.after.tolist()
        self.exit_ok = rd.exit_ok.tolist()
        self.to = int(rd.to)
        self.scale = rd.scale.tolist()
        self.p = draws.ret_p.tolist()
        self.count: dict[int, int] = {}

    def after_leaving(self, p: int, last: int, exit_code: int, mask: int) -> float:
        """Minutes until patient ``p`` returns after leaving ``last`` by ``exit_code``, or -1."""
        if last < 0 or exit_code >= 0 or not self.after[last] or not self.exit_ok[-exit_code - 1]:
            return -1.0
        k = self.count.get(p, 0)
        self.count[p] = k + 1
        d = self.draws
        while k >= d.ret_u.shape[1]:
            d.extend_returns()
        prob = self.p[p]
        for i, f in enumerate(self.scale):
            if (mask >> i) & 1:
                prob *= f
        return float(d.ret_t[p, k]) if d.ret_u[p, k] < prob else -1.0
