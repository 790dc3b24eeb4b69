"""A counter-based generator: the uniform of (stream, patient, visit) computed on demand.

Randomness contract v2 (docs/design.md, "Randomness"): a per-visit variate is not drawn up
front and stored; it is a pure function of a stream key and a counter, computed where it is
used, by the same compiled function in both engines.

- The generator is Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as
  1, 2, 3"; the Random123 library): a 10-round bijection of a 128-bit counter under a 64-bit
  key, whose outputs for distinct counters pass TestU01's BigCrush. ``philox`` matches the
  Random123 known-answer vectors (tests/test_counter.py).
- A stream's key comes from the replication's ``SeedSequence(seed, spawn_key=(replication,))``
  (two 32-bit words) and the CRC-32 of the stream's name, mixed by one Philox block
  (``stream_keys``): a pure function of (seed, replication, name), so adding a node or a
  source never moves another stream's numbers.
- The counter is (rank, j, sub, 0): the patient's arrival number within its source, the
  visit number at the node, and a sub-draw index (0 for one-uniform variates; rejection
  samplers use 1, 2, ...). ``uniform`` takes 53 bits from words 0-1 of the block and lies in
  the open interval (0, 1); ``uniform2`` takes a second one from words 2-3.

A key is one int64: word 0 in the high 32 bits, word 1 in the low 32 bits.
"""

from __future__ import annotations

import numpy as np

from .kernels import njit
from .random import stream_key as _name_crc

__all__ = ["philox", "uniform", "uniform2", "stream_key", "stream_keys", "uniforms"]

_M0, _M1 = 0xD2511F53, 0xCD9E8D57        # Philox4x32 multipliers (Random123)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85        # Weyl key increments: golden ratio, sqrt(3) - 1
_MASK = 0xFFFFFFFF
_TO_UNIT = 1.0 / 9007199254740992.0      # 2**-53
_KEY_TAG = 0x6B657973                    # "keys": counter word 1 of the key-mixing block


@njit(inline=True, refcount=False)
def _round(c0, c1, c2, c3, k0, k1):
    # int64 products wrap mod 2**64 exactly as uint64 ones would; the mask undoes sign extension
    p0 = _M0 * c0
    p1 = _M1 * c2
    return ((((p1 >> 32) & _MASK) ^ c1 ^ k0), p1 & _MASK, (((p0 >> 32) & _MASK) ^ c3 ^ k1), p0 & _MASK)


@njit(refcount=False)
def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1), all 32-bit words as int64.

    Returns
    -------
    tuple of 4 int64
        The four output words, each in [0, 2**32).
    """
    c0, c1, c2, c3 = c0 & _MASK, c1 & _MASK, c2 & _MASK, c3 & _MASK
    k0, k1 = k0 & _MASK, k1 & _MASK
    for _ in range(9):
        c0, c1, c2, c3 = _round(c0, c1, c2, c3, k0, k1)
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return _round(c0, c1, c2, c3, k0, k1)


@njit(inline=True, refcount=False)
def _unit(a, b):
    """53 bits of two 32-bit words as a double in the open interval (0, 1)."""
    return ((a >> 5) * 67108864.0 + (b >> 6) + 0.5) * _TO_UNIT


@njit(refcount=False)
def uniform(key, rank, j, sub):
    """The uniform of counter (rank, j, sub) under ``key``: in (0, 1), never 0 or 1."""
    x0, x1, _, _ = philox(rank, j, sub, 0, key >> 32, key)
    return _unit(x0, x1)


@njit(refcount=False)
def uniform2(key, rank, j, sub):
    """Two independent uniforms of counter (rank, j, sub) under ``key`` (words 0-1 and 2-3)."""
    x0, x1, x2, x3 = philox(rank, j, sub, 0, key >> 32, key)
    return _unit(x0, x1), _unit(x2, x3)


@njit
def uniforms(key, rank, j, sub):
    """``uniform`` of each counter (rank[i], j, sub): an array, for tests and inspection."""
    out = np.empty(rank.shape[0])
    for i in range(rank.shape[0]):
        out[i] = uniform(key, rank[i], j, sub)
    return out


@njit
def _mix(crcs, b0, b1):
    out = np.empty(crcs.shape[0], dtype=np.int64)
    for i in range(crcs.shape[0]):
        x0, x1, _, _ = philox(crcs[i], _KEY_TAG, 0, 0, b0, b1)
        out[i] = (x0 << 32) | x1
    return out


def stream_keys(seed: int, replication: int, names) -> np.ndarray:
    """The key of each named stream of one replication.

    Parameters
    ----------
    seed : int
        The experiment seed.
    replication : int
        Replication number, from 0.
    names : iterable of str
        Stream names without a visit suffix, e.g. ``duration:ward:ed_walk_in:frail_elderly``.

    Returns
    -------
    numpy.ndarray
        int64 keys, one per name (see the module docstring).
    """
    b0, b1 = (int(w) for w in np.random.SeedSequence(entropy=seed, spawn_key=(replication,))
              .generate_state(2, np.uint32))
    crcs = np.array([_name_crc(n) for n in names], dtype=np.int64)
    return _mix(crcs, b0, b1)


def stream_key(seed: int, replication: int, name: str) -> int:
    """The key of one named stream (``stream_keys`` of one name)."""
    return int(stream_keys(seed, replication, [name])[0])
