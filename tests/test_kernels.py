"""Numba kernels against slow, obvious references; NUMBA_DISABLE_JIT=1 gives the same numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from flowsim.kernels import grouped_waits, overlap_sum_by_node


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


_CACHE_SCRIPT = """
import os, sys, numba
before = dict(os.environ)
from flowsim.kernels import cache_dir, overlap_sum_by_node
import numpy as np
overlap_sum_by_node(np.zeros(1, np.int64), np.zeros(1), np.ones(1), 0.0, 1.0, 1)
sys.path.insert(0, sys.argv[1])
import other_lib
other_lib.f(1.0)
print(repr(dict(os.environ) == before), cache_dir(), numba.config.CACHE_DIR)
"""


def test_cache_location_leaves_environment_and_other_libraries_alone(tmp_path):
    """flowsim's kernels are cached under NUMBA_CACHE_DIR/flowsim/<source hash>; importing
    flowsim neither sets environment variables nor moves another library's cache."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "other_lib.py").write_text("import numba\n@numba.njit(cache=True)\ndef f(x):\n    return x + 1\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "cache")
    out = subprocess.run([sys.executable, "-c", _CACHE_SCRIPT, str(lib)], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[0] == "True"
    flowsim_dir = Path(out[1])
    assert flowsim_dir.parent == tmp_path / "cache" / "flowsim"
    assert any(flowsim_dir.rglob("*.nbi")), "flowsim's kernel was not cached in its own folder"
    others = [p for p in (tmp_path / "cache").rglob("*.nbi") if flowsim_dir not in p.parents]
    assert len(others) == 1 and "lib" in others[0].parent.name   # numba's own user-provided locator
    unset = {k: v for k, v in env.items() if k != "NUMBA_CACHE_DIR"}
    unset["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    out = subprocess.run([sys.executable, "-c", _CACHE_SCRIPT, str(lib)], env=unset, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[0] == "True" and Path(out[1]).parent == tmp_path / "xdg" / "flowsim" / "numba"
    assert len(out) == 2 or out[2] in ("", "None")  # numba's own CACHE_DIR left unset
    assert (lib / "__pycache__").exists()          # other_lib cached next to its source, as without flowsim


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
