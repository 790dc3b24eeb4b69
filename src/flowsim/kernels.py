"""Numba set-up and the shared ``@njit`` kernels (the only module that imports numba).

Compiled functions are cached on disk (``cache=True``) so that compile time is paid
once per machine, not per process: a process-pool or Dask worker that finds the cache
loads the machine code in ~0.3 s instead of compiling for seconds. The cache must live
somewhere writable even when flowsim is installed read-only (site-packages, a
container image), so unless the user set ``NUMBA_CACHE_DIR`` we point it at a
per-user cache directory *before* numba is imported:

- ``$XDG_CACHE_HOME/flowsim/numba`` or ``~/.cache/flowsim/numba`` (Linux, BSD),
- ``~/Library/Caches/flowsim/numba`` (macOS),
- ``%LOCALAPPDATA%\\flowsim\\numba`` (Windows),

each with a subfolder per version of flowsim's sources (see ``_source_fingerprint``).

CI can set ``NUMBA_CACHE_DIR`` to a directory it caches between jobs.
``NUMBA_DISABLE_JIT=1`` runs every kernel as plain Python with the same numbers.

Kernels here are private: public functions elsewhere validate inputs, then call
them with plain arrays and scalars.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

__all__ = ["njit", "cache_dir", "jit_disabled", "overlap_sum_by_node", "grouped_waits"]


def _default_cache_dir() -> Path:
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
    root = Path(__file__).parent
    for f in sorted(root.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def _set_cache_dir() -> None:
    """Choose NUMBA_CACHE_DIR if the user did not; fall back to numba's default when
    the directory cannot be created (then numba caches next to the sources, or warns)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    path = _default_cache_dir() / _source_fingerprint()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    if "numba" in sys.modules:  # imported before us: numba read its config already
        from numba.core import config
        config.CACHE_DIR = str(path)


_set_cache_dir()

import numba  # noqa: E402  (after the cache directory is chosen)


def njit(fn=None, *, inline: bool = False):
    """``numba.njit(cache=True)``: compiled once, then loaded from the disk cache.

    ``inline=True`` inlines the function into its callers at the Numba IR level
    (for small helpers of the event loop that take the model/state tuples).
    """
    opts = {"cache": True}
    if inline:
        opts["inline"] = "always"
    if fn is None:
        return lambda f: numba.njit(**opts)(f)
    return numba.njit(**opts)(fn)


def cache_dir() -> str:
    """Where compiled kernels are cached."""
    return os.environ.get("NUMBA_CACHE_DIR", "")


def jit_disabled() -> bool:
    """True when ``NUMBA_DISABLE_JIT=1``: kernels run as plain Python."""
    return bool(numba.config.DISABLE_JIT)


# ------------------------------------------------------------- metric reductions
@njit
def overlap_sum_by_node(node, a, b, lo, hi, n_nodes):
    """Per node, the total length of [a, b) inside [lo, hi); rows with NaN ``a`` add 0
    and a NaN ``b`` is read as ``hi`` (still there at the end of the window)."""
    out = np.zeros(n_nodes)
    for i in range(len(node)):
        x = a[i]
        if x != x:
            continue
        y = b[i]
        if y != y or y > hi:
            y = hi
        if x < lo:
            x = lo
        if y > x:
            out[node[i]] += y - x
    return out


@njit
def grouped_waits(node, wait, n_nodes):
    """Per node: count, sum of ``wait`` over rows with a non-NaN wait."""
    count = np.zeros(n_nodes, dtype=np.int64)
    total = np.zeros(n_nodes)
    for i in range(len(node)):
        w = wait[i]
        if w == w:
            count[node[i]] += 1
            total[node[i]] += w
    return count, total
