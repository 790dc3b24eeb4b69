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
