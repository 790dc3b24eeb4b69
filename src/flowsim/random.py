"""Seeds and named random streams.

One integer seed per experiment. Replication ``r`` is the child
``SeedSequence(seed).spawn(...)[r]``; inside it, each named stream of the numbers drawn
up front per patient (``arrivals:ed_walk_in``, ``cohort:ed_walk_in``, ...) gets its own
generator, keyed by a stable hash of its name rather than by creation order, so adding a
node or a source never shifts the numbers of the others. Per-visit numbers come from a
counter-based generator instead (``counter``, ``draw_tables``). No global state: ``np.random.seed`` and the
stdlib ``random`` module are never used.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream", "stream_key"]


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of the named stream of one replication.

    Equal to spawning from the replication's SeedSequence with a spawn key derived
    from ``name``; a pure function of ``(seed, replication, name)``.
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stream_key(name)))
    return np.random.Generator(np.random.PCG64(ss))
