"""Numba set-up: where flowsim caches compiled code, and NUMBA_DISABLE_JIT=1 gives the same numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


_CACHE_SCRIPT = """
import os, sys, numba
before = dict(os.environ)
from flowsim import kernels
from flowsim.kernels import cache_dir
# a kernel whose source file is inside flowsim, as the event loop's is (compiling the loop takes 10-30 s)
ns = {"__name__": "flowsim.kernels"}
exec(compile("def probe(x):\\n    return x + 1.0\\n", kernels.__file__, "exec"), ns)
kernels.njit(ns["probe"])(1.0)
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
