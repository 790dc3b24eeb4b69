"""Numba kernels against slow, obvious references; NUMBA_DISABLE_JIT=1 gives the same numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from flowsim.kernels import cache_dir, grouped_waits, overlap_sum_by_node


def test_overlap_sum_by_node_matches_reference():
    rng = np.random.default_rng(0)
    n = 500
    node = rng.integers(0, 4, n)
    a = rng.uniform(0, 100, n)
    b = a + rng.exponential(20, n)
    a[::17] = np.nan
    b[::13] = np.nan
    ref = np.zeros(4)
    for i in range(n):
        if np.isnan(a[i]):
            continue
        hi = 90.0 if np.isnan(b[i]) else min(b[i], 90.0)
        ref[node[i]] += max(0.0, hi - max(a[i], 10.0))
    np.testing.assert_allclose(overlap_sum_by_node(node, a, b, 10.0, 90.0, 4), ref, rtol=1e-12)


def test_grouped_waits_matches_reference():
    rng = np.random.default_rng(1)
    node = rng.integers(0, 3, 200)
    w = rng.exponential(5, 200)
    w[::7] = np.nan
    count, total = grouped_waits(node, w, 3)
    for k in range(3):
        sel = (node == k) & ~np.isnan(w)
        assert count[k] == sel.sum()
        assert total[k] == np.sum(w[sel]) or abs(total[k] - np.sum(w[sel])) < 1e-9


def test_cache_dir_is_set_and_writable():
    assert cache_dir()
    assert os.access(cache_dir(), os.W_OK)


_SCRIPT = """
import json, numpy as np
from flowsim.config import load_config
from flowsim.network import build_network
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
cfg = load_config({path!r})
cfg = cfg.model_copy(update={{"run": cfg.run.model_copy(update={{"horizon": 20 * 1440.0, "warm_up": 0.0}})}})
net = build_network(cfg)
log = run_compiled(net, make_draws(net, 2, 0))
print(json.dumps([len(log), float(np.nansum(log.depart)), float(np.nansum(log.start)), int(log.outcome.sum())]))
"""


def test_disable_jit_gives_the_same_numbers():
    path = str(Path(__file__).parents[1] / "src/flowsim/data/configs/ed_ward_reablement.yaml")
    script = _SCRIPT.format(path=path)
    out = []
    for disable in ("0", "1"):
        env = dict(os.environ, NUMBA_DISABLE_JIT=disable)
        r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        out.append(json.loads(r.stdout))
    assert out[0] == out[1]
