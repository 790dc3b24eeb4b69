"""Numba set-up and the shared ``@njit`` kernels (the only module that imports numba at import time;
``engines.numba_start`` reaches into numba's loader when the compiled loop is loaded).

Compiled functions are cached on disk (``cache=True``) so that compile time is paid
once per machine, not per process: a process-pool or Dask worker that finds the cache
loads the machine code in ~0.3 s instead of compiling for seconds. The cache must live
somewhere writable even when flowsim is installed read-only (site-packages, a
container image), so flowsim's own functions are cached in

- ``$NUMBA_CACHE_DIR/flowsim`` when the user set ``NUMBA_CACHE_DIR``, else
- ``$XDG_CACHE_HOME/flowsim/numba`` or ``~/.cache/flowsim/numba`` (Linux, BSD),
- ``~/Library/Caches/flowsim/numba`` (macOS),
- ``%LOCALAPPDATA%\\flowsim\\numba`` (Windows),

each with a subfolder per version of flowsim's sources (see ``_source_fingerprint``).
This is done with a cache locator that numba consults first and that answers only
for files inside the flowsim package: importing flowsim changes neither the process
environment nor where any other library's numba functions are cached.

CI can set ``NUMBA_CACHE_DIR`` to a directory it caches between jobs.
``NUMBA_DISABLE_JIT=1`` runs every kernel as plain Python with the same numbers.

Kernels here are private: public functions elsewhere validate inputs, then call
them with plain arrays and scalars.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numba
from numba.core import caching

__all__ = ["njit", "cache_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _default_cache_dir() -> Path:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"]) / "flowsim"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "flowsim" / "numba"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "flowsim" / "numba"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flowsim" / "numba"


def _source_fingerprint() -> str:
    """A short hash of flowsim's Python sources.

    Numba invalidates a cached function only when the file that defines it
    changes, not when an inlined helper or an imported constant in another file
    does. A cache directory per version of the sources makes every change to
    flowsim recompile, so a stale event loop is never loaded.
    """
    import hashlib

    h = hashlib.sha1()
    for f in sorted(_PACKAGE_DIR.rglob("*.py")):
        h.update(f.relative_to(_PACKAGE_DIR).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


_CACHE_DIR = _default_cache_dir() / _source_fingerprint()


class _FlowsimCacheLocator(caching.UserProvidedCacheLocator):
    """Caches flowsim's functions under ``_CACHE_DIR``; declines every other file,
    so numba's own locators handle them as if flowsim were not imported."""

    def __init__(self, py_func, py_file):
        super().__init__(py_func, py_file)
        self._cache_path = os.path.join(_CACHE_DIR, self.get_suitable_cache_subpath(py_file))

    @classmethod
    def from_function(cls, py_func, py_file):
        try:
            inside = Path(py_file).resolve().is_relative_to(_PACKAGE_DIR)
        except (OSError, ValueError):
            return None
        if not inside:
            return None
        # the mixin's from_function: None (fall through to numba's locators) if unwritable
        return caching._SourceFileBackedLocatorMixin.from_function.__func__(cls, py_func, py_file)


# numba >= 0.61 names the class CacheImpl; earlier versions _CacheImpl
_LOCATORS = getattr(caching, "CacheImpl", None) or caching._CacheImpl
if _FlowsimCacheLocator not in _LOCATORS._locator_classes:
    _LOCATORS._locator_classes.insert(0, _FlowsimCacheLocator)


def njit(fn=None, *, inline: bool = False, refcount: bool = True):
    """``numba.njit(cache=True)``: compiled once, then loaded from the disk cache.

    ``inline=True`` inlines the function into its callers at the Numba IR level
    (for small helpers of the event loop that take the model/state tuples).
    ``refcount=False`` compiles without Numba's reference counting (NRT): for kernels
    that never allocate and only read and write arrays their caller owns (the event
    loop), where every array passed, unpacked from a tuple or copied to a local
    otherwise costs an atomic increment and decrement.
    """
    opts = {"cache": True}
    if inline:
        opts["inline"] = "always"
    if not refcount:
        opts["_nrt"] = False
    if fn is None:
        return lambda f: numba.njit(**opts)(f)
    return numba.njit(**opts)(fn)


def cache_dir() -> str:
    """Where flowsim's compiled kernels are cached (this version of its sources)."""
    return str(_CACHE_DIR)
