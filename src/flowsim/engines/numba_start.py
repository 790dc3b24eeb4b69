"""Loading the compiled loop without numba's BLAS probe (start-up of ``flowsim run``).

The first time numba loads any compiled function in a process it imports
``numba.np.arraymath``, which probes for BLAS by importing ``scipy.linalg.cython_blas``:
that imports all of ``scipy.linalg``, ~0.12 s and ~12 MB of a ~1.2 s ``flowsim run``.
The loop uses no linear algebra. The probe only sets ``arraymath._HAVE_BLAS``, which
picks a loop instead of a BLAS call for inner products inside ``np.cov``/``np.corrcoef``
(numba's own functions that need BLAS call ``ensure_blas`` again when they compile,
and find scipy then). So while numba loads its registries the probe is made to fail;
the module table is put back as it was afterwards.
"""

from __future__ import annotations

import contextlib
import sys

__all__ = ["without_blas_probe"]

_PROBE = "scipy.linalg.cython_blas"


@contextlib.contextmanager
def without_blas_probe():
    """Within the block, ``import scipy.linalg.cython_blas`` fails unless scipy.linalg is loaded already."""
    if "numba.np.arraymath" in sys.modules or _PROBE in sys.modules:
        yield  # probed already, or scipy.linalg is in use: nothing to save
        return
    sys.modules[_PROBE] = None  # a None entry makes the import raise ImportError
    try:
        yield
    finally:
        if sys.modules.get(_PROBE, 0) is None:
            del sys.modules[_PROBE]
