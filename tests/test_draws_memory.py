"""The replication's arrays built with fewer temporaries give the same numbers as the plain expressions.

make_draws builds ``drow`` in place (``draws._drow``) and draws ``eligible_u`` when first read;
``metrics._waits`` gathers one node's waits at a time. Each is compared, value for value,
with the expression it replaced, on random inputs (fixed seeds) and on a model.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.config import load_config
from flowsim.draws import _drow, drow_of, make_draws
from flowsim.metrics import _waits
from flowsim.network import build_network
from flowsim.random import stream


@pytest.mark.parametrize("seed", range(6))
def test_drow_in_place_equals_the_expression(seed):
    """Sources of random sizes (some empty), merged by a stable sort of random minutes (with ties):
    the in-place build equals ``drow_of(source * C + cohort, rank)`` with the ranks gathered."""
    rng = np.random.default_rng(seed)
    S, C = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    counts = [int(n) for n in rng.integers(0, 300, S)]
    counts[int(rng.integers(S))] += 1  # at least one patient
    times = [np.sort(np.round(rng.uniform(0, 50, n))) for n in counts]  # rounded: ties across sources
    t_all = np.concatenate(times)
    order = np.argsort(t_all, kind="stable") if S > 1 else None
    src = np.concatenate([np.full(n, s, dtype=np.int16) for s, n in enumerate(counts)])
    coh = rng.integers(0, C, len(t_all)).astype(np.int16)
    rank = np.concatenate([np.arange(n, dtype=np.int64) for n in counts])
    if order is not None:
        src, coh, rank = src[order], coh[order], rank[order]
    want = drow_of(src.astype(np.int64) * C + coh, rank)
    got = _drow(src, coh, C, counts, None if order is None else order.copy())
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)


def test_eligible_u_drawn_when_first_read_equals_drawing_it_up_front(tiny_path):
    """Not drawn by make_draws; when read, each source's stream in that source's arrival order,
    as make_draws drew it up front before (randomness contract: the same numbers)."""
    net = build_network(load_config(tiny_path))
    d = make_draws(net, 7, 2)
    assert d._elig is None
    names = net.interventions.names
    want = np.empty((len(names), d.n_patients))
    for s, src in enumerate(net.source_names):
        rows = np.flatnonzero(d.source == s)
        want[:, rows] = [stream(7, 2, f"eligible:{iv}:{src}").random(len(rows)) for iv in names]
    np.testing.assert_array_equal(d.eligible_u, want)
    assert d.eligible_u is d._elig  # drawn once


def _waits_reference(node, wait, N):
    """metrics._waits as it was: the started waits copied, sorted by node, sliced."""
    ok = ~np.isnan(wait)
    node, wait = node[ok], wait[ok]
    order = np.argsort(node, kind="stable")
    node, wait = node[order], wait[order]
    bounds = np.searchsorted(node, np.arange(N + 1))
    mean, median, p95, waited = (np.full(N, np.nan) for _ in range(4))
    for n in range(N):
        w = wait[bounds[n]:bounds[n + 1]]
        if len(w):
            mean[n] = w.mean()
            median[n], p95[n] = np.percentile(w, [50.0, 95.0])
            waited[n] = np.mean(w > 0)
    return {"wait_mean": mean, "wait_median": median, "wait_p95": p95, "wait_share": waited}


@pytest.mark.parametrize("seed", range(6))
def test_waits_one_node_at_a_time_equal_the_sorted_copy(seed):
    """Random waits (exponential, some zero, some never started) at random nodes (some nodes with
    none): every statistic equal bit for bit, the means included (the same waits in the same order)."""
    rng = np.random.default_rng(seed)
    N, V = int(rng.integers(1, 8)), int(rng.integers(0, 5000))
    node = rng.integers(0, N, V).astype(np.int32)
    wait = rng.exponential(60.0, V) * (rng.random(V) < 0.7)
    wait[rng.random(V) < 0.1] = np.nan
    got, want = _waits(node, wait, N), _waits_reference(node, wait, N)
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)
