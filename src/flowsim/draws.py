"""Network + seed -> Draws: the random numbers of one replication (randomness contract v2).

The randomness contract (docs/design.md, "Randomness contract"): a patient's draws are a
function of (seed, replication, stream, patient, visit) only. A patient is identified by
its source and its arrival number k within that source (``rank``); the arrival table of all
sources is merged by time (ties by source order, then k), and patient p is row p of every
per-patient array.

Drawn up front, per patient, from numpy PCG64 streams (``random.stream``), in arrival order
within each source: arrivals (``arrivals:<source>``), cohort (``cohort:<source>``), the
thinning uniform (``thin:<source>``; drawn when first read, which only a model with
interventions does), one uniform per intervention for its divert
(``eligible:<intervention>:<source>``: eligible when below ``eligible``; also drawn when first
read, which only a model whose interventions are in use does), attributes of a
registered population and readmission draws (``attrs``, ``ret_p``, ``ret_u``, ``ret_t``;
``extend_returns`` adds return columns). These fix who arrives, so patient counts do not
depend on anything per visit.

Computed on demand (version 2): every per-visit number is the value of a counter-based
generator (Philox4x32-10, ``counter``) at counter (rank, j, 0), j the patient's visit number
at the node (0, 1, ...: any visit, nothing to extend), under the key of its stream, one
int64 per stream name (``counter.stream_keys``: the replication's ``SeedSequence(seed,
spawn_key=(replication,))`` mixed with the CRC-32 of the name). Stream names:

- ``duration:<node>:<source>:<cohort>``, ``patience:<node>:<source>:<cohort>``: the
  service time and the patience of visit j (``variates.variate`` of the node's distribution
  for the cohort);
- ``route:<node>:<source>``, ``elsewhere:<node>:<source>``: the uniforms of the route
  decision after visit j and of a booking's go-elsewhere decision;
- ``hold:<node>:<route index>:<source>:<cohort>``: the hold of a route with one (route
  index = position in its route set); ``give_up:<node>:<route index>:<source>:<cohort>``
  and ``give_up_route:...``: how long a blocked wait on a route with a ``give_up`` lasts
  and the uniform that picks where it then goes;
- ``referral:<intervention>:<source>:<cohort>``: minutes from the start of visit j to the
  referral of an assessment during the stay.

``draw_tables.tables`` builds the keys once per replication (``Draws.tables``), and both
engines read a value through the same compiled readers (``draw_tables``; ``Draws.duration``
etc. for the SimPy engine), with the patient named by ``drow`` (key column << 32 | rank).
So capacities, other patients, the engine and the horizon never change a patient's
numbers (a longer horizon only appends patients), and nothing per visit is stored: memory
grows with the visits made, not with patients x services. ``per_patient`` gives a node's
values for every patient, for tests and inspection.

Version 1 (before ``RANDOMNESS_VERSION`` 2) drew (patients x visits) blocks per node from
PCG64 streams named with a visit suffix; every per-visit number differs between versions.
Version 3 changed only the normal quantile (``variates.ndtri``: Wichura's AS 241 in place of
Acklam's approximation with a Halley step), so a lognormal, truncated normal or gamma value
can differ from version 2's in its last bits; every uniform and every other family is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import draw_tables as dt
from .arrivals import arrival_times, cohort_of
from .attributes import FIRST_RETURNS, Attributes, draw_attributes, return_columns
from .memory import return_columns_for
from .network import Network
from .random import stream

__all__ = ["Draws", "make_draws", "RANDOMNESS_VERSION", "drow_of"]

RANDOMNESS_VERSION = 3  # recorded in run metadata and an experiment's identity (module docstring)


def drow_of(key: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """(P,) int64 ``key << 32 | rank``: how the readers of ``draw_tables`` name a patient."""
    out = np.left_shift(key, 32, dtype=np.int64)
    out |= rank  # PERF: in place, no temporaries (~0.9 -> ~0.4 ms for 114k patients)
    return out


@dataclass
class Draws:
    """Random numbers of one replication (see module docstring)."""

    seed: int
    replication: int
    arrive: np.ndarray          # (P,) arrival minute, sorted
    source: np.ndarray          # (P,) int16 source index
    cohort: np.ndarray          # (P,) int16 cohort index
    net: Network
    tables: dt.Tables = None    # stream keys and distributions of the per-visit draws (``draw_tables``)
    drow: np.ndarray = None     # (P,) int64 key column << 32 | rank (``drow_of``)
    attrs: Attributes | None = None  # population and per-patient attributes (None without a population)
    ret_p: np.ndarray = None    # (P,) probability of returning after a discharge ((0,) without readmission)
    ret_u: np.ndarray = None    # (P, K) uniform of return k ((0, 1) without readmission)
    ret_t: np.ndarray = None    # (P, K) minutes from discharge to return k ((0, 1) without readmission)

    _rbs = None  # patients of each source, and of each (source, cohort), in arrival order
    _rbc = None
    _py = None   # the readers' arrays by kind, and drow as a list, for calls from Python (``_reads``)
    _thin = None  # thin_u once drawn or set
    _elig = None  # eligible_u once drawn or set

    @property
    def rank(self) -> np.ndarray:
        """(P,) int64 arrival number within its source (a census patient: its census row), from ``drow``."""
        return self.drow & 0xFFFFFFFF

    @property
    def thin_u(self) -> np.ndarray:
        """(P,) the uniform per patient of interventions that thin a source (stream ``thin:<source>``, in
        arrival order within the source), drawn the first time it is asked for: only a model with
        interventions reads it, so the others hold no array for it."""
        if self._thin is None:
            u = np.empty(self.n_patients)
            for s, rows in enumerate(self._rows_by_source):
                u[rows] = stream(self.seed, self.replication, f"thin:{self.net.source_names[s]}").random(len(rows))
            self._thin = u
        return self._thin

    @thin_u.setter
    def thin_u(self, u: np.ndarray) -> None:
        self._thin = u

    @property
    def eligible_u(self) -> np.ndarray:
        """(I, P) uniform per intervention and patient: eligible for its divert when below its
        ``eligible`` share (stream ``eligible:<intervention>:<source>``, in arrival order within the
        source), drawn the first time it is asked for: only a model whose interventions are in use
        reads it. MEM: 8 bytes a patient and intervention not held through a run that never reads them."""
        if self._elig is None:
            names = self.net.interventions.names if self.net.interventions is not None else ()
            u = np.empty((len(names), self.n_patients))
            for s, rows in enumerate(self._rows_by_source):
                for i, iv in enumerate(names):
                    u[i, rows] = stream(self.seed, self.replication,
                                        f"eligible:{iv}:{self.net.source_names[s]}").random(len(rows))
            self._elig = u
        return self._elig

    @eligible_u.setter
    def eligible_u(self, u: np.ndarray) -> None:
        self._elig = u

    @property
    def _rows_by_source(self) -> list[np.ndarray]:
        if self._rbs is None:
            self._rbs = [np.flatnonzero(self.source == s) for s in range(len(self.net.source_names))]
        return self._rbs

    @_rows_by_source.setter
    def _rows_by_source(self, rows: list[np.ndarray]) -> None:
        self._rbs = rows

    @property
    def _rows_by_cohort(self) -> list[list[np.ndarray]]:
        if self._rbc is None:
            self._rbc = [[rows[self.cohort[rows] == c] for c in range(len(self.net.cohorts))]
                         for rows in self._rows_by_source]
        return self._rbc

    @_rows_by_cohort.setter
    def _rows_by_cohort(self, rows: list[list[np.ndarray]]) -> None:
        self._rbc = rows

    def _reads(self) -> tuple[dict, list]:
        if self._py is None or self._py[2] is not self.tables or self._py[3] is not self.drow:
            self._py = (dt.args(self.tables), self.drow.tolist(), self.tables, self.drow)
        return self._py[0], self._py[1]

    # the per-visit draws of patient p (module docstring): the compiled readers the loop calls
    def duration(self, node: int, p: int, j: int) -> float:
        """Minutes of service of visit j of patient p at ``node``."""
        a, kr = self._reads()
        return dt.duration_of(*a["dur"], node, kr[p], j)

    def route_u(self, node: int, p: int, j: int) -> float:
        """The uniform of the route decision after visit j at ``node``."""
        a, kr = self._reads()
        return dt.route_u_of(*a["route_u"], node, kr[p], j)

    def patience(self, node: int, p: int, j: int) -> float:
        """Minutes patient p waits at ``node`` on visit j before leaving (a node with patience)."""
        a, kr = self._reads()
        return dt.patience_of(*a["patience"], node, kr[p], j)

    def elsewhere_u(self, node: int, p: int, j: int) -> float:
        """The uniform of the go-elsewhere decision at booking ``node`` on visit j."""
        a, kr = self._reads()
        return dt.elsewhere_u_of(*a["elsewhere_u"], node, kr[p], j)

    def hold(self, r: int, p: int, j: int) -> float:
        """Minutes of route r's hold after visit j at the route's node."""
        a, kr = self._reads()
        return dt.hold_of(*a["hold"], r, int(self.net.route_node[r]), kr[p], j)

    def give_up(self, r: int, p: int, j: int) -> tuple[float, int]:
        """(minutes, destination) of a blocked wait on give_up route r after visit j."""
        a, kr = self._reads()
        wait, to = dt.give_up_of(*a["give_up"], r, kr[p], j)
        return float(wait), int(to)

    def referral(self, w: int, p: int, j: int) -> float:
        """Minutes from the start of visit j to the referral of assessment-during-the-stay w."""
        a, kr = self._reads()
        return dt.referral_of(*a["referral"], w, kr[p], j)

    def per_patient(self, name: str, i: int, visits: int = 1) -> np.ndarray:
        """(P, visits) values of kind ``name`` (``draw_tables.KINDS``: "dur", "route_u",
        "patience", "elsewhere_u", "hold", "give_up", "give_up_to", "referral") at node
        (route, intervention) ``i`` for every patient, in patient order, as the engines
        would read them (for tests and inspection)."""
        kind = dt.KINDS.index(name)
        node = int(self.net.route_node[i]) if name == "hold" else i
        out = dt.block(self.tables, kind, i, node, self.drow, visits)
        return out.astype(np.int64) if name == "give_up_to" else out

    @property
    def n_patients(self) -> int:
        return len(self.arrive)

    def extend_returns(self) -> None:
        """Double the return columns (called when a patient needs return K)."""
        k_old = self.ret_u.shape[1]
        cols = [return_columns(self.net, self, k) for k in range(k_old, 2 * k_old)]
        self.ret_u = np.concatenate([self.ret_u] + [c[0][:, None] for c in cols], axis=1)
        self.ret_t = np.concatenate([self.ret_t] + [c[1][:, None] for c in cols], axis=1)


def _returns(d: Draws, net: Network) -> None:
    """Readmission draws: the probability of returning, and the first return columns."""
    P = d.n_patients
    if net.readmit is None:  # MEM: no per-patient arrays when nobody is readmitted (neither engine reads them)
        d.ret_p, d.ret_u, d.ret_t = np.zeros(0), np.full((0, 1), np.nan), np.full((0, 1), np.nan)
        return
    band = d.attrs.band if d.attrs is not None else np.zeros(P, dtype=np.int16)
    d.ret_p = net.readmit.p_band[band].astype(np.float64)
    # enough columns that the compiled loop need not run the replication again for more (memory.return_columns_for)
    cols = [return_columns(net, d, k) for k in range(return_columns_for(net, P, FIRST_RETURNS))]
    d.ret_u = np.stack([c[0] for c in cols], axis=1)
    d.ret_t = np.stack([c[1] for c in cols], axis=1)


def _merged(parts: list[np.ndarray], order: np.ndarray | None) -> np.ndarray:
    """The per-source arrays ``parts`` joined along their last axis, in the merged arrival ``order``
    (None: one source, in order already). MEM: empties ``parts``, so that each source's array is
    let go once it is joined."""
    a = np.concatenate(parts, axis=-1)
    parts.clear()
    return a if order is None else a[..., order]


def _drow(source: np.ndarray, cohort: np.ndarray, n_cohorts: int, counts: list[int],
          order: np.ndarray | None) -> np.ndarray:
    """``drow_of(source * n_cohorts + cohort, rank)`` for the merged arrivals, in one int64 array.

    ``counts[s]`` patients came from source s; joined source after source, patient k of source s
    is row ``offset[s] + k``, so its rank is its merged ``order`` entry less its source's offset
    (``order`` is overwritten). MEM: in place, without the expression's five temporaries.
    """
    drow = source.astype(np.int64)
    drow *= n_cohorts
    drow += cohort
    drow <<= 32
    if order is None:
        drow |= np.arange(len(drow), dtype=np.int64)
        return drow
    offset = 0
    for s, n in enumerate(counts):
        if offset:
            np.subtract(order, offset, out=order, where=source == s)
        offset += n
    drow |= order
    return drow


def make_draws(net: Network, seed: int, replication: int) -> Draws:
    """The random numbers of one replication: per-patient arrays drawn, per-visit key tables.

    Parameters
    ----------
    net : Network
        The model; its horizon bounds the arrivals.
    seed : int
        The experiment seed.
    replication : int
        Replication number, from 0.

    Returns
    -------
    Draws
    """
    times, srcs, cohorts = [], [], []
    for s, src in enumerate(net.source_names):
        times.append(arrival_times(stream(seed, replication, f"arrivals:{src}"), net.source_rate[s], net.horizon))
        n = len(times[-1])  # MEM: no local keeps a source's arrays alive after the loop
        srcs.append(np.full(n, s, dtype=np.int16))
        cum = net.source_cohort_cum[s]
        if cum[0] == 1.0:  # PERF: one cohort takes every patient: its uniforms could pick no other
            cohorts.append(np.zeros(n, dtype=np.int16))
        else:
            cohorts.append(cohort_of(stream(seed, replication, f"cohort:{src}").random(n), cum))
    counts = [len(t) for t in times]
    # MEM: each temporary is let go as soon as it is read, and the rank is never an array of its own:
    # make_draws's peak (the replication's) is ~29 bytes a patient, was ~100
    t_all = np.concatenate(times) if times else np.empty(0)
    del times
    # ties: source order, then arrival number; one source is in order already (PERF: no sort, no gathers)
    order = np.argsort(t_all, kind="stable") if len(counts) > 1 else None
    arrive = t_all if order is None else t_all[order]
    del t_all
    d = Draws(seed=seed, replication=replication, arrive=arrive, source=_merged(srcs, order),
              cohort=_merged(cohorts, order), net=net)
    del arrive
    # the rank is kept only inside drow (20 bytes a patient in all: arrive, source, cohort, drow)
    d.drow = _drow(d.source, d.cohort, len(net.cohorts), counts, order)
    del order
    d.tables = dt.tables(net, seed, replication)
    if net.population is not None:  # PERF: the rows by source only when a population needs them
        d.attrs = draw_attributes(net, seed, replication, d.source, d._rows_by_source)
    _returns(d, net)
    d._rbs = d._rbc = None  # MEM: 16 bytes a patient, made again if returns need more columns
    return d
