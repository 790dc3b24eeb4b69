"""Loading the compiled code without numba's BLAS probe leaves scipy.linalg (and BLAS) usable."""

import subprocess
import sys

SCRIPT = """
import sys
import numpy as np
from flowsim.engines.numba_start import without_blas_probe
from flowsim.counter import uniform
with without_blas_probe():
    u = uniform(12345, 1, 0, 0)          # numba loads its registries here
assert 0.0 < u < 1.0
assert "numba.np.arraymath" in sys.modules and "scipy.linalg" not in sys.modules
assert "scipy.linalg.cython_blas" not in sys.modules   # the block is gone
import scipy.linalg                                     # importable afterwards
import numba
@numba.njit
def dot(a, b):
    return np.dot(a, b)                                 # numba's BLAS still works when asked for
assert dot(np.eye(2), np.ones(2)).tolist() == [1.0, 1.0]
print("ok")
"""


def test_the_probe_is_skipped_and_blas_still_works():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# --- lean_loading: cached functions load without numba's registries, the NRT from flowsim's cache ----

TOY = """
import numpy as np
import numba

@numba.njit(cache=True)
def total(n):
    a = np.arange(n)            # allocates: the NRT's reference counts are called
    return a.sum()
"""

LEAN = """
import os, sys, glob
sys.path.insert(0, sys.argv[1])
from flowsim.engines import numba_start
from flowsim.kernels import cache_dir
mode = sys.argv[2]
if mode == "warm":      # the NRT must come from the cache: compiling it would fail
    def refuse(ctx, path):
        raise AssertionError("the NRT was compiled")
    numba_start._compile_nrt = refuse
import toy
with numba_start.lean_loading():
    assert toy.total(10) == 45
    hits = sum(toy.total.stats.cache_hits.values())
REGISTRIES = ("numba.typed.typeddict", "numba.np.polynomial.polynomial_functions", "numba.np.random.generator_methods")
registries = tuple(m in sys.modules for m in REGISTRIES)
nrt_files = glob.glob(os.path.join(cache_dir(), "nrt-*.pkl"))
if mode == "cold":
    assert hits == 0 and registries == (True, True, True), (hits, registries)
else:  # warm, or warm with a corrupt NRT file (compiled again, and rewritten)
    assert hits == 1 and registries == (False, False, False), (hits, registries)
assert len(nrt_files) == 1, nrt_files
with open(nrt_files[0], "rb") as f:
    assert f.read(1)[0] == 0x80  # a pickle (protocol 2 and later)
if mode == "warm":  # numba compiles as usual afterwards: the registries, the NRT, the loaded function linked in
    import numpy as np
    from numba import njit
    from numba.typed import List

    @njit
    def uses_everything(n):
        xs = List()
        for i in range(n):
            xs.append(np.sqrt(float(i)))
        d = {1: 2.5}
        return toy.total(n) + np.sort(np.array([3.0, 1.0, 2.0]))[0] + len(xs) + d[1] + np.zeros((2, 2)).sum()

    assert uses_everything(4) == 6 + 1.0 + 4 + 2.5
    assert all(m in sys.modules for m in REGISTRIES)
print("ok", mode)
"""


def _lean(tmp_path, mode):
    import os
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NUMBA_DISABLE_JIT", None)
    return subprocess.run([sys.executable, "-c", LEAN, str(tmp_path), mode], capture_output=True, text=True,
                          timeout=300, env=env)


def test_lean_loading_skips_the_registries_and_the_nrt_compile_and_numba_still_compiles(tmp_path):
    """Cold: compiled as usual (the registries loaded by numba's compiler), the NRT's object code
    cached. Warm: the function comes from the cache with neither the registries nor an NRT
    compile, and numba then compiles new code using typed lists, dicts, numpy and the loaded
    function. A corrupt NRT file is compiled again and replaced."""
    import glob
    (tmp_path / "toy.py").write_text(TOY)
    for mode in ("cold", "warm"):
        out = _lean(tmp_path, mode)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["ok", mode]
    (nrt,) = glob.glob(str(tmp_path / "cache" / "flowsim" / "*" / "nrt-*.pkl"))
    with open(nrt, "wb") as f:
        f.write(b"not a pickle")
    out = _lean(tmp_path, "corrupt")
    assert out.returncode == 0, out.stderr


FLOWSIM_WARM = """
import sys
from flowsim.config import load_config
from flowsim.network import build_network
from flowsim.simulate import run_replication, warm_once
net = build_network(load_config(sys.argv[1]))
warm_once(net, "compiled")
assert "numba.typed.typeddict" not in sys.modules and "numba.np.polynomial.polynomial_functions" not in sys.modules
assert "scipy.linalg" not in sys.modules
m, _, _ = run_replication(net, 11, 0, "compiled")
print(repr(sorted((k, float(v)) for k, v in m.items() if k.startswith("patients") or k.endswith("wait_mean"))))
"""


def test_flowsim_warms_the_loop_lean_with_the_same_numbers(tiny_path):
    """A process that loads the cached loop (the session fixture compiled it) skips numba's
    registries, and its replication measures what this process (registries loaded) measures."""
    from flowsim.config import load_config
    from flowsim.network import build_network
    from flowsim.simulate import run_replication
    net = build_network(load_config(tiny_path))
    m, _, _ = run_replication(net, 11, 0, "compiled")
    want = repr(sorted((k, float(v)) for k, v in m.items() if k.startswith("patients") or k.endswith("wait_mean")))
    out = subprocess.run([sys.executable, "-c", FLOWSIM_WARM, str(tiny_path)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == want


def test_lean_loading_nests_and_puts_numba_back():
    """Nested (or concurrent) blocks keep the hooks until the last one ends; then numba's own
    loader and NRT compile are back."""
    from numba.core import caching
    from numba.core.runtime import nrtdynmod

    from flowsim.engines.numba_start import lean_loading
    load, compile_nrt = caching.Cache.load_overload, nrtdynmod.compile_nrt_functions
    with lean_loading():
        inner = caching.Cache.load_overload
        assert inner is not load and nrtdynmod.compile_nrt_functions is not compile_nrt
        with lean_loading():
            assert caching.Cache.load_overload is inner
        assert caching.Cache.load_overload is inner  # the outer block still open
    assert caching.Cache.load_overload is load and nrtdynmod.compile_nrt_functions is compile_nrt
