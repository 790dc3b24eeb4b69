"""Where the draws are stored (``draws`` module docstring, "Storage" and "Rows"): which
patients each node's and route's blocks hold rows for and in what order (``layout``), the
flat buffers the compiled loop reads in place (``allocate``, ``packed``), and where a
(source, cohort)'s numbers go in a block (``rows_of``, ``put_source``).

A stage of ``draws``: it decides only where numbers are kept, never what they are, so
the layout cannot change a patient's draws. ``d`` is always a ``draws.Draws`` (not
imported: draws imports this module).
"""

from __future__ import annotations

import numpy as np

from .network import Network

__all__ = ["reachable", "give_up_routes", "rows_of", "put_source", "KINDS", "kind_rows", "allocate", "packed",
           "layout"]


def reachable(net: Network) -> np.ndarray:
    """(S, N) bool: which nodes the patients of each source can reach."""
    N = net.n_nodes
    succ = [set() for _ in range(N)]
    for n in range(N):
        for c in range(len(net.cohorts)):
            a = net.route_start[n, c]
            for d in net.route_dest[a:a + net.route_len[n, c]]:
                if d >= 0:
                    succ[n].add(int(d))
        for d in (net.full_to[n], net.elsewhere_to[n]):
            if d >= 0:
                succ[n].add(int(d))
    if net.interventions is not None:  # assessments and diversions, active or not
        for a, b in net.interventions.extra_edges():
            succ[a].add(b)
    if net.give_up is not None:  # blocked waits that end another way
        for a, b in net.give_up.edges(net.route_dest):
            succ[a].add(b)
    if net.readmit is not None:  # a return re-enters at readmit.to
        for a in np.flatnonzero(net.readmit.after):
            succ[a].add(int(net.readmit.to))
    out = np.zeros((len(net.source_names), N), dtype=bool)
    for s, entry in enumerate(net.source_to):
        stack = [int(entry)]
        while stack:
            v = stack.pop()
            if not out[s, v]:
                out[s, v] = True
                stack.extend(succ[v])
    return out


def rows_of(d, off: np.ndarray, s: int, c: int):
    """The rows, in a block with first rows ``off`` (a row of ``node_off`` or ``route_off``), of
    the patients of source s and cohort c in arrival order: a slice (rows by key) or their ids."""
    if d.node_off.shape[1] == 1:  # rows="all": row = patient
        return d._rows_by_cohort[s][c]
    key = s * len(d.net.cohorts) + c
    return slice(int(off[key]), int(off[key]) + len(d._rows_by_cohort[s][c]))


def put_source(d, col: np.ndarray, off: np.ndarray, s: int, u: np.ndarray) -> None:
    """Write ``u``, one number per patient of source s in arrival order, into ``col``'s rows."""
    if d.node_off.shape[1] == 1:
        col[d._rows_by_source[s]] = u
        return
    cs = d.cohort[d._rows_by_source[s]]
    for c in range(len(d.net.cohorts)):
        if len(d._rows_by_cohort[s][c]):
            col[rows_of(d, off, s, c)] = u[cs == c]


def give_up_routes(net: Network, n: int | None) -> np.ndarray:
    """Routes leaving node ``n`` (None: any node) that have a give_up."""
    if net.give_up is None:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(net.give_up.has & ((net.route_node == n) if n is not None else True))


KINDS = ("dur", "route_u", "patience", "elsewhere_u")


def kind_rows(d, name: str) -> np.ndarray:
    """(N,) rows of each node's block of kind ``name``: none for the patience of a node without
    patience or the go-elsewhere uniforms of a node that sends nobody elsewhere (neither engine
    reads them), except with a row for every patient (``rows="all"``: a warm start writes them)."""
    net = d.net
    if name == "patience" and d.node_off.shape[1] > 1:
        return np.where(net.has_patience, d.node_rows, 0)
    if name == "elsewhere_u" and d.node_off.shape[1] > 1:
        return np.where(net.elsewhere_p > 0, d.node_rows, 0)
    return d.node_rows


def views(buf: np.ndarray, widths, lead: int, old: list, rows) -> list[np.ndarray]:
    """Consecutive (rows, w) views of ``buf`` after ``lead`` elements, each holding the columns of
    its ``old`` array (if any) first."""
    out, at = [], lead
    for w, o, R in zip(widths, old, rows):
        v = buf[at:at + int(R) * int(w)].reshape(int(R), int(w))
        if o is not None and o.size:
            v[:, :o.shape[1]] = o
        out.append(v)
        at += int(R) * int(w)
    return out


def allocate(d, K: np.ndarray) -> None:
    """Storage for K[n] visit columns of every node, keeping the columns drawn so far.

    Each kind of variate is one flat buffer; node n's (R_n, K_n) block is a view of it, in
    node order (a route kind: its routes in route order, after one unused leading
    element). That is the layout the compiled loop reads, so ``packed`` hands it the
    buffer itself, not a second copy of the draws (default economy, one replication:
    traced peak 636 -> 426 MB; benchmarks/README.md).
    """
    net = d.net
    for name in KINDS:
        old, rows = getattr(d, name) or [None] * len(K), kind_rows(d, name)
        setattr(d, name, views(np.empty(int((rows * K).sum())), K, 0, old, rows))
    for name, routes, dtype in (("hold", np.flatnonzero(net.route_has_hold), np.float64),
                                ("give_up", give_up_routes(net, None), np.float64),
                                ("give_up_to", give_up_routes(net, None), np.int64)):
        arrs, widths, rows = getattr(d, name), K[net.route_node[routes]], d.route_rows[routes]
        buf = np.zeros(1 + int((rows * widths).sum()), dtype=dtype)
        for r, v in zip(routes, views(buf, widths, 1, [arrs[r] for r in routes], rows)):
            arrs[r] = v


def packed(arrs: list[np.ndarray], lead: int = 0) -> np.ndarray | None:
    """The flat buffer that ``arrs`` are consecutive views of after ``lead`` elements
    (``allocate``'s layout), or None (the caller then packs a copy)."""
    buf = arrs[0].base if len(arrs) else None
    if buf is None or buf.ndim != 1 or not buf.flags.c_contiguous:
        return None
    at = buf.ctypes.data + lead * buf.itemsize
    for a in arrs:
        if a.size == 0 and a.base is buf:  # a block without rows takes no room (numpy moves its pointer)
            continue
        if a.base is not buf or not a.flags.c_contiguous or a.dtype != buf.dtype or a.ctypes.data != at:
            return None
        at += a.nbytes
    return buf if at == buf.ctypes.data + buf.nbytes else None


def layout(d, all_rows: bool) -> None:
    """The blocks' rows (module docstring): ``row_key``, ``row_rank``, each node's and route's
    first row of each key and its number of rows. ``all_rows``: a row for every patient, in
    patient order (one key)."""
    net, P = d.net, d.n_patients
    N, R = net.n_nodes, len(net.route_dest)
    if all_rows:
        d.row_key, d.row_rank = np.zeros(P, dtype=np.int32), np.arange(P, dtype=np.int32)
        d.node_off, d.route_off = np.zeros((N, 1), dtype=np.int64), np.zeros((R, 1), dtype=np.int64)
        d.node_rows, d.route_rows = np.full(N, P, dtype=np.int64), np.full(R, P, dtype=np.int64)
        return
    S, C = len(net.source_names), len(net.cohorts)
    d.row_key = d.source.astype(np.int32) * C + d.cohort
    d.row_rank = np.empty(P, dtype=np.int32)
    count = np.zeros(S * C, dtype=np.int64)
    for s in range(S):
        for c in range(C):
            rows = d._rows_by_cohort[s][c]
            d.row_rank[rows] = np.arange(len(rows), dtype=np.int32)
            count[s * C + c] = len(rows)
    reach = np.repeat(d._reach, C, axis=0)  # (S * C, N): key s*C + c reaches n when source s does

    def offsets(have: np.ndarray) -> tuple[np.ndarray, int]:
        cnt = np.where(have, count, 0)
        return np.where(have, np.cumsum(cnt) - cnt, -1), int(cnt.sum())

    d.node_off, d.node_rows = np.empty((N, S * C), dtype=np.int64), np.empty(N, dtype=np.int64)
    for n in range(N):
        d.node_off[n], d.node_rows[n] = offsets(reach[:, n])
    d.route_off, d.route_rows = np.empty((R, S * C), dtype=np.int64), np.empty(R, dtype=np.int64)
    own = np.arange(S * C) % C
    for r in range(R):
        d.route_off[r], d.route_rows[r] = offsets(reach[:, net.route_node[r]] & (own == net.route_cohort[r]))
