"""Network + seed -> Draws: every random number a replication will use, drawn up front.

The randomness contract (docs/design.md): a patient's draws are a function of
(replication, stream, patient) only. A patient is identified by its source and
its arrival number k within that source; the arrival table of all sources is
merged by time (ties by source order, then k), and patient p is row p of that
table (of every per-patient array).

For node n, visit j of patient p (its j-th arrival at n, counted from 0) uses
``dur[n][i, j]``, ``route_u[n][i, j]``, ``patience[n][i, j]`` and
``elsewhere_u[n][i, j]`` with i = ``row(n, p)`` (see "Rows" below; in the
paragraphs below ``[p, j]`` means that row). Column j of node n for the patients of source s and
cohort c comes from its own stream ``duration:<node>:<source>:<cohort>:<j>``
(and likewise ``route:``, ``patience:``, ``elsewhere:``), drawn as one block in
arrival order. So capacities, other patients and the engine never change a
patient's numbers, and a longer horizon only appends patients.

Each intervention i has a uniform per patient, ``eligible_u[i, p]``, from stream
``eligible:<intervention>:<source>`` (in arrival order within the source): the
patient is eligible for the intervention's ``divert`` when it is below ``eligible``.

An intervention i with an assessment during the stay (``referred_after``) at node
n has ``referral[i][p, j]``, the minutes from the start of visit j at n to the
referral, from stream ``referral:<intervention>:<source>:<cohort>:<j>``; others
have an empty (0, 0) array.

A route with a ``hold`` (time to arrange a discharge) has its own array too:
``hold[r][p, j]`` is the hold of patient p leaving node n on route r after visit
j, from stream ``hold:<node>:<route index>:<source>:<cohort>:<j>`` (route index =
position in its route set). Routes without a hold have an empty (0, 0) array and
no stream is drawn for them.

A blocking route with a ``give_up`` (a wait for room downstream that can end
another way) has two more: ``give_up[r][p, j]``, the minutes the patient waits at
the route's node before taking another route, from stream
``give_up:<node>:<route index>:<source>:<cohort>:<j>``, and ``give_up_to[r][p, j]``,
the destination it then takes, chosen by a uniform from stream
``give_up_route:<node>:<route index>:<source>:<cohort>:<j>`` (node = the node the
route leaves). Both are drawn whether or not the patient is ever blocked.

Attributes of a registered population (age band, risk, predicted risk, the person
behind each patient) and readmission draws are in ``attributes`` (``attrs``,
``ret_p``, ``ret_u``, ``ret_t``; ``extend_returns`` adds return columns).

Nodes on a cycle can be visited many times; they start with a few columns and
``extend`` adds more on demand, column by column, without changing the ones
already drawn.

Storage: each kind of variate is one flat buffer, and every node's (R_n, K_n) block
(every route's, for holds and give-ups) a view of it in the order the compiled loop
reads (``allocate``, ``packed``), so the loop gets the buffer without a copy.

Rows: a block holds rows only for the patients who can reach its node (``reachable``:
their source leads there) and, for a route's block, only those of the route's cohort.
Rows are ordered by layout key (source x cohort), then arrival, so each (source, cohort)
is one contiguous slice: patient p's row in node n's block is
``node_off[n, row_key[p]] + row_rank[p]`` (``Draws.row``; ``route_off`` and
``Draws.route_row`` for routes), with ``row_key[p] = source[p] * C + cohort[p]`` and
``row_rank[p]`` its arrival number within its source and cohort. The numbers are the
streams' own, drawn as before; only where they are stored changed (a patient's draws
still depend only on (seed, replication, stream, patient)). Default economy: draws 700
-> 306 bytes a patient (no patience or go-elsewhere rows where a node has none, either);
the 1.5M-person ICS of five trusts: 74.5 -> 7.7 GB estimated (benchmarks/README.md).
``make_draws(..., rows="all")`` keeps a row for every patient in patient order (the warm
start's census rows need it). The layout itself is ``draw_layout``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrivals import arrival_times, cohort_of
from .attributes import FIRST_RETURNS, Attributes, draw_attributes, return_columns
from .distributions import sample
from .network import NO_NODE, Network
from .draw_layout import allocate, give_up_routes, layout, packed, put_source, reachable, rows_of
from .random import stream

__all__ = ["Draws", "make_draws", "packed", "FIRST_VISITS_ON_CYCLE"]

FIRST_VISITS_ON_CYCLE = 4


@dataclass
class Draws:
    """Per-patient random variates of one replication (see module docstring)."""

    seed: int
    replication: int
    arrive: np.ndarray          # (P,) arrival minute, sorted
    source: np.ndarray          # (P,) int16 source index
    cohort: np.ndarray          # (P,) int16 cohort index
    rank: np.ndarray            # (P,) int64 arrival number within its source
    thin_u: np.ndarray          # (P,) uniform per patient, for interventions that thin a source
    dur: list[np.ndarray]       # per node: (R_n, K_n) service durations in minutes (rows: ``row``)
    route_u: list[np.ndarray]   # per node: (R_n, K_n) uniforms for the routing decision
    patience: list[np.ndarray]  # per node: (R_n, K_n) patience in minutes (inf if none)
    elsewhere_u: list[np.ndarray]  # per node: (R_n, K_n) uniforms for the booking go-elsewhere decision
    net: Network
    hold: list[np.ndarray] = None  # per route: (R_r, K_n) hold minutes of its node's visits (``route_row``), or (0, 0)
    give_up: list[np.ndarray] = None     # per route: (R_r, K_n) minutes until a blocked wait ends, or (0, 0)
    give_up_to: list[np.ndarray] = None  # per route: (R_r, K_n) int64 destination it then takes, or (0, 0)
    eligible_u: np.ndarray = None  # (I, P) uniform per intervention and patient: eligible for its divert
    referral: list[np.ndarray] = None  # per intervention: (P, K_at) minutes to a referral during the stay, or (0, 0)
    attrs: Attributes | None = None  # population and per-patient attributes (None without a population)
    ret_p: np.ndarray = None    # (P,) probability of returning after a discharge ((0,) without readmission)
    ret_u: np.ndarray = None    # (P, K) uniform of return k ((0, 1) without readmission)
    ret_t: np.ndarray = None    # (P, K) minutes from discharge to return k ((0, 1) without readmission)
    row_key: np.ndarray = None   # (P,) int32 layout key (source x C + cohort; 0 with rows="all")
    row_rank: np.ndarray = None  # (P,) int32 row of the patient within its key's slice
    node_off: np.ndarray = None  # (N, keys) int64 first row of each key in a node's blocks, -1 if absent
    route_off: np.ndarray = None  # (R, keys) int64 the same for a route's blocks
    node_rows: np.ndarray = None  # (N,) int64 rows of each node's blocks
    route_rows: np.ndarray = None  # (R,) int64 rows of each route's blocks

    _rbs = None  # patients of each source, and of each (source, cohort), in arrival order
    _rbc = None

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
            # PERF: computed once, not per node and visit column (make_draws, default economy: ~84 -> ~63 ms)
            self._rbc = [[rows[self.cohort[rows] == c] for c in range(len(self.net.cohorts))]
                         for rows in self._rows_by_source]
        return self._rbc

    @_rows_by_cohort.setter
    def _rows_by_cohort(self, rows: list[list[np.ndarray]]) -> None:
        self._rbc = rows

    def row(self, node: int, p: int) -> int:
        """Row of patient ``p`` in node ``node``'s blocks (``dur[node][row, j]`` ...)."""
        return int(self.node_off[node, self.row_key[p]] + self.row_rank[p])

    def route_row(self, r: int, p: int) -> int:
        """Row of patient ``p`` in route ``r``'s blocks (``hold[r][row, j]``, ``give_up`` ...)."""
        return int(self.route_off[r, self.row_key[p]] + self.row_rank[p])

    def per_patient(self, name: str, i: int) -> np.ndarray:
        """Node (or route) ``i``'s block of kind ``name`` with a row for every patient, in patient
        order: a copy, NaN (give_up_to: NO_NODE) where the patient has no row (for tests and
        inspection; the engines read the blocks through ``row`` and ``route_row``)."""
        block = getattr(self, name)[i]
        off = (self.route_off if name in ("hold", "give_up", "give_up_to") else self.node_off)[i, self.row_key]
        ok = (off >= 0) & (block.shape[0] > 0)
        out = np.full((self.n_patients, block.shape[1]), NO_NODE if block.dtype.kind == "i" else np.nan,
                      dtype=block.dtype)
        out[ok] = block[off[ok] + self.row_rank[ok]]
        return out

    @property
    def n_patients(self) -> int:
        return len(self.arrive)

    def extend(self, node: int) -> None:
        """Double the visits drawn for ``node`` (called when a patient needs visit K_n)."""
        k_old = self.dur[node].shape[1]
        K = np.array([a.shape[1] for a in self.dur])
        K[node] = 2 * k_old
        allocate(self, K)  # fresh buffers, with every column drawn so far copied in
        for j in range(k_old, 2 * k_old):
            _put_columns(self, node, j)
        for i in _referring(self.net, node):
            self.referral[i] = np.concatenate([self.referral[i]] + [_referral_column(self, i, j)[:, None]
                                                                   for j in range(k_old, 2 * k_old)], axis=1)

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
    cols = [return_columns(net, d, k) for k in range(FIRST_RETURNS)]
    d.ret_u = np.stack([c[0] for c in cols], axis=1)
    d.ret_t = np.stack([c[1] for c in cols], axis=1)


def _hold_routes(net: Network, n: int) -> np.ndarray:
    """Routes leaving node ``n`` that have a hold."""
    return np.flatnonzero(net.route_has_hold & (net.route_node == n))


def _col(d: Draws, arr: np.ndarray, j: int, fill, into: bool, dtype=np.float64) -> np.ndarray:
    """Where column j of block ``arr`` is drawn: with ``into``, the block's own column
    (reset to ``fill``); else a fresh column of ``fill`` with the block's rows."""
    if into:
        col = arr[:, j]
        col[...] = fill
        return col
    return np.full(arr.shape[0], fill, dtype=dtype)


def _hold_columns(d: Draws, n: int, j: int, into: bool = False) -> dict[int, np.ndarray]:
    """Column j of every hold route of node n: {route: hold minutes by row} (``_col`` for ``into``)."""
    net = d.net
    out = {}
    for r in _hold_routes(net, n):
        col = _col(d, d.hold[r], j, np.nan, into)
        c = int(net.route_cohort[r])
        for s, src in enumerate(net.source_names):
            if not d._reach[s, n]:
                continue
            rows = d._rows_by_cohort[s][c]
            if len(rows) == 0:
                continue
            g = stream(d.seed, d.replication,
                       f"hold:{net.node_names[n]}:{int(net.route_index[r])}:{src}:{net.cohorts[c]}:{j}")
            col[rows_of(d, d.route_off[r], s, c)] = sample(int(net.route_hold_code[r]), net.route_hold_params[r], g,
                                                       len(rows), net.emp_values, net.emp_cum)
        out[int(r)] = col
    return out


def _referring(net: Network, n: int) -> list[int]:
    """Interventions with an assessment during the stay at node ``n`` (active or not)."""
    iv = net.interventions
    if iv is None:
        return []
    return [i for i in range(len(iv.names)) if iv.during[i] and iv.at_node(i) == n]


def _referral_column(d: Draws, i: int, j: int) -> np.ndarray:
    """Column j of intervention i's referral times: (P,) minutes, NaN for patients of other sources."""
    net, iv = d.net, d.net.interventions
    n = iv.at_node(i)
    col = np.full(d.n_patients, np.nan)
    for s, src in enumerate(net.source_names):
        if not d._reach[s, n]:
            continue
        for c, coh in enumerate(net.cohorts):
            rows = d._rows_by_cohort[s][c]
            if len(rows):
                g = stream(d.seed, d.replication, f"referral:{iv.names[i]}:{src}:{coh}:{j}")
                col[rows] = sample(int(iv.ref_code[i]), iv.ref_params[i], g, len(rows), net.emp_values, net.emp_cum)
    return col


def _give_up_columns(d: Draws, n: int, j: int, into: bool = False) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Column j of every give_up route of node n: {route: (minutes by row, destination by row)}."""
    net, g = d.net, d.net.give_up
    out = {}
    for r in give_up_routes(net, n):
        wait = _col(d, d.give_up[r], j, np.nan, into)
        to = _col(d, d.give_up_to[r], j, NO_NODE, into, np.int64)
        c = int(net.route_cohort[r])
        a, k = int(g.start[r]), int(g.length[r])
        tag = f"{net.node_names[n]}:{int(net.route_index[r])}"
        for s, src in enumerate(net.source_names):
            rows = d._rows_by_cohort[s][c]
            if not d._reach[s, n] or len(rows) == 0:
                continue
            at = rows_of(d, d.route_off[r], s, c)
            rng = stream(d.seed, d.replication, f"give_up:{tag}:{src}:{net.cohorts[c]}:{j}")
            wait[at] = sample(int(g.code[r]), g.params[r], rng, len(rows), net.emp_values, net.emp_cum)
            u = stream(d.seed, d.replication, f"give_up_route:{tag}:{src}:{net.cohorts[c]}:{j}").random(len(rows))
            to[at] = g.dest[a + np.minimum(np.searchsorted(g.cum[a:a + k], u, side="right"), k - 1)]
        out[int(r)] = (wait, to)
    return out


def _node_columns(d: Draws, n: int, j: int, into: bool = False):
    """Column j (visit j) of node n for every patient who can reach it: duration, route,
    patience, elsewhere (by row), {route: hold} of its hold routes and {route: (give_up,
    give_up_to)}; with ``into``, drawn straight into the draws' blocks (no temporary columns)."""
    net = d.net
    name = net.node_names[n]
    dur, route = _col(d, d.dur[n], j, np.nan, into), _col(d, d.route_u[n], j, np.nan, into)
    pat, other = _col(d, d.patience[n], j, np.inf, into), _col(d, d.elsewhere_u[n], j, np.nan, into)
    reach, off = d._reach, d.node_off[n]
    for s, src in enumerate(net.source_names):
        if not reach[s, n]:
            continue
        n_s = len(d._rows_by_source[s])
        put_source(d, route, off, s, stream(d.seed, d.replication, f"route:{name}:{src}:{j}").random(n_s))
        if net.elsewhere_p[n] > 0:
            put_source(d, other, off, s, stream(d.seed, d.replication, f"elsewhere:{name}:{src}:{j}").random(n_s))
        for c, coh in enumerate(net.cohorts):
            rows = d._rows_by_cohort[s][c]
            if len(rows) == 0:
                continue
            at = rows_of(d, off, s, c)
            g = stream(d.seed, d.replication, f"duration:{name}:{src}:{coh}:{j}")
            dur[at] = sample(int(net.dur_code[n, c]), net.dur_params[n, c], g, len(rows), net.emp_values, net.emp_cum)
            if net.has_patience[n]:
                g = stream(d.seed, d.replication, f"patience:{name}:{src}:{coh}:{j}")
                pat[at] = sample(int(net.pat_code[n, c]), net.pat_params[n, c], g, len(rows),
                                 net.emp_values, net.emp_cum)
    return dur, route, pat, other, _hold_columns(d, n, j, into), _give_up_columns(d, n, j, into)


# PERF: in place, not via temporary columns: make_draws, default economy, ~0.30 -> ~0.23 s CPU and
# its own peak 340 -> 256 MB (200-service network, 100k patients: ~0.40 -> ~0.22 s)
def _put_columns(d: Draws, n: int, j: int) -> None:
    """Draw visit column j of node n into its blocks (see ``_node_columns``)."""
    _node_columns(d, n, j, into=True)


def make_draws(net: Network, seed: int, replication: int, rows: str = "reachable") -> Draws:
    """Draw every random number of one replication.

    Parameters
    ----------
    net : Network
        The model; its horizon bounds the arrivals.
    seed : int
        The experiment seed.
    replication : int
        Replication number, from 0.
    rows : {"reachable", "all"}
        Which patients a node's (route's) blocks hold rows for: those who can reach it (of the
        route's cohort), by source and cohort; or every patient, in patient order (module
        docstring). The numbers are the same either way.

    Returns
    -------
    Draws
    """
    times, srcs, cohorts, ranks, thin, elig = [], [], [], [], [], []
    iv_names = net.interventions.names if net.interventions is not None else ()
    for s, src in enumerate(net.source_names):
        t = arrival_times(stream(seed, replication, f"arrivals:{src}"), net.source_rate[s], net.horizon)
        n = len(t)
        times.append(t)
        srcs.append(np.full(n, s, dtype=np.int16))
        u = stream(seed, replication, f"cohort:{src}").random(n)
        cohorts.append(cohort_of(u, net.source_cohort_cum[s]).astype(np.int16))
        ranks.append(np.arange(n, dtype=np.int64))
        thin.append(stream(seed, replication, f"thin:{src}").random(n))
        elig.append(np.array([stream(seed, replication, f"eligible:{iv}:{src}").random(n) for iv in iv_names])
                    .reshape(len(iv_names), n))
    t_all = np.concatenate(times) if times else np.empty(0)
    order = np.argsort(t_all, kind="stable")  # ties: source order, then arrival number
    d = Draws(seed=seed, replication=replication, arrive=t_all[order],
              source=np.concatenate(srcs)[order], cohort=np.concatenate(cohorts)[order],
              rank=np.concatenate(ranks)[order], thin_u=np.concatenate(thin)[order],
              eligible_u=np.concatenate(elig, axis=1)[:, order] if elig else np.empty((len(iv_names), 0)),
              dur=[], route_u=[], patience=[], elsewhere_u=[], net=net,
              hold=[np.empty((0, 0)) for _ in range(len(net.route_dest))],
              give_up=[np.empty((0, 0)) for _ in range(len(net.route_dest))],
              give_up_to=[np.empty((0, 0), dtype=np.int64) for _ in range(len(net.route_dest))],
              referral=[np.empty((0, 0)) for _ in iv_names])
    del times, srcs, cohorts, ranks, thin, elig, t_all, order  # MEM: before the blocks are allocated
    d._reach = reachable(net)
    if rows not in ("reachable", "all"):
        raise ValueError(f"rows: expected 'reachable' or 'all', found {rows!r}")
    layout(d, rows == "all")
    K = np.where(net.revisit, FIRST_VISITS_ON_CYCLE, 1)
    allocate(d, K)
    for n in range(net.n_nodes):
        for j in range(int(K[n])):
            _put_columns(d, n, j)
        for i in _referring(net, n):
            d.referral[i] = np.stack([_referral_column(d, i, j) for j in range(int(K[n]))], axis=1)
    d.attrs = draw_attributes(net, seed, replication, d.source, d._rows_by_source)
    _returns(d, net)
    d._rbs = d._rbc = None  # MEM: 16 bytes a patient, made again if a cycle needs more columns
    return d
