"""Loading the compiled loop cheaply (start-up and peak memory of ``flowsim run``).

Three things numba does the first time a process loads any cached function, which the
loop does not need when all of it comes from the cache:

- **the BLAS probe** (``without_blas_probe``): numba's registry load imports
  ``numba.np.arraymath``, which probes for BLAS by importing ``scipy.linalg.cython_blas``:
  all of ``scipy.linalg``, ~0.12 s and ~12 MB. The probe only sets
  ``arraymath._HAVE_BLAS``, which picks a loop instead of a BLAS call for inner products
  inside ``np.cov``/``np.corrcoef`` (numba's own functions that need BLAS call
  ``ensure_blas`` again when they compile, and find scipy then). So while numba loads
  its registries the probe is made to fail; the module table is put back afterwards.
- **the registries** (``lean_loading``): ``Cache.load_overload`` refreshes the target
  context before it unpickles machine code, which imports ~60 of numba's modules (the
  lowering of every numpy, typed-container and random function: ~13 MiB, ~0.2 s) and
  fills the typing context. Rebuilding a cached function needs none of it: only the
  numba runtime (NRT), whose symbols the cached code calls. Inside the block a cache
  hit initialises the NRT alone; a miss compiles as usual, and numba's compiler
  refreshes both contexts itself before compiling anything, so every later compile in
  the process sees every registry.
- **the NRT's own compile** (``lean_loading``): initialising the NRT compiles a small
  LLVM module (atomic reference counts) through LLVM's optimiser and code generator,
  which pages in ~27 MiB of ``libllvmlite.so``'s code that loading object code never
  touches. Its object code is cached next to flowsim's kernels (one file per numba,
  llvmlite, CPU and its features: ``_nrt_path``) exactly as numba caches a function
  (``serialize_using_object_code``) and loaded as numba loads one
  (``unserialize_library``); a missing, stale or unreadable file is compiled as before.

Measured (benchmarks/README.md, "Peak memory of flowsim run"): the peak of a warm
``flowsim run`` on the default economy falls by ~30 MiB and its wall by ~0.2 s.
tests/test_numba_start.py shows that what is skipped is there when numba compiles.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import tempfile
import threading

__all__ = ["without_blas_probe", "lean_loading"]

_PROBE = "scipy.linalg.cython_blas"
_LEAN = threading.Lock()  # the hooks are numba's, process-wide: installed by the first block in, removed by the last out
_lean_depth = [0, None]   # blocks open, and numba's own functions while the hooks are in


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


def _nrt_path(ctx) -> str:
    """Where the NRT's object code for this numba, llvmlite and CPU is cached."""
    import hashlib

    import llvmlite
    import numba

    from ..kernels import cache_dir
    key = repr((numba.__version__, llvmlite.__version__, ctx.codegen().magic_tuple(), sys.version_info[:2]))
    return os.path.join(cache_dir(), f"nrt-{hashlib.sha1(key.encode()).hexdigest()[:16]}.pkl")


def _load_nrt(ctx, path: str):
    """The NRT library rebuilt from ``path`` (numba's own loader), or None if there is no usable file."""
    try:
        with open(path, "rb") as f:
            state = pickle.load(f)
        name, kind, (obj, bitcode) = state
        if name != "nrt" or kind != "object" or not isinstance(obj, bytes) or not isinstance(bitcode, bytes):
            return None
        return ctx.codegen().unserialize_library(state)
    except Exception:  # absent, truncated, written by another version: compile instead
        return None


def _compile_nrt(ctx, path: str):
    """``nrtdynmod.compile_nrt_functions`` with its object code kept, and saved to ``path`` (best effort)."""
    from numba.core.runtime import nrtdynmod

    ir_mod, library = nrtdynmod.create_nrt_module(ctx)
    library.enable_object_caching()  # so that finalize() keeps the machine code it makes
    library.add_ir_module(ir_mod)
    library.finalize()
    try:
        state = library.serialize_using_object_code()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one
    except Exception:  # a read-only cache: the NRT works, it is just compiled again next time
        pass
    return library


def _cached_nrt(ctx):
    """The NRT library: loaded from flowsim's cache, else compiled (and cached)."""
    path = _nrt_path(ctx)
    return _load_nrt(ctx, path) or _compile_nrt(ctx, path)


def _load_overload_lean(self, sig, target_context):
    """``Cache.load_overload`` without the target context's refresh: the NRT is all a rebuild needs."""
    from numba.core.runtime import rtsys

    rtsys.initialize(target_context)
    with self._guard_against_spurious_io_errors():
        return self._load_overload(sig, target_context)


@contextlib.contextmanager
def lean_loading():
    """Within the block, numba loads cached functions without its registries, and the NRT from a cache.

    Also without the BLAS probe (``without_blas_probe``) if a miss makes numba compile.
    Outside the block numba behaves as usual (blocks may nest, and run in several threads: the
    hooks stay in until the last one ends). Under ``NUMBA_DISABLE_JIT`` or on a numba without
    the hooks used here, only the BLAS probe is skipped.
    """
    try:
        from numba.core import caching
        from numba.core.runtime import nrtdynmod
        hooks = caching.Cache.load_overload, caching.Cache._load_overload, nrtdynmod.compile_nrt_functions
    except (ImportError, AttributeError):
        hooks = None
    with without_blas_probe():
        if hooks is None:
            yield
            return
        with _LEAN:
            if _lean_depth[0] == 0:
                _lean_depth[1] = hooks
                caching.Cache.load_overload = _load_overload_lean
                nrtdynmod.compile_nrt_functions = _cached_nrt
            _lean_depth[0] += 1
        try:
            yield
        finally:
            with _LEAN:
                _lean_depth[0] -= 1
                if _lean_depth[0] == 0:
                    caching.Cache.load_overload, _, nrtdynmod.compile_nrt_functions = _lean_depth[1]
