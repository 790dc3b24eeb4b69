"""The counter-based generator (randomness contract v2): Philox4x32-10 and the stream keys."""

import numpy as np
import pytest

from flowsim.counter import philox, stream_key, stream_keys, uniform, uniform2, uniforms

M = 0xFFFFFFFF

# Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter[4], key[2] -> output[4]
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((M, M, M, M), (M, M), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("ctr,key,out", KAT)
def test_philox_matches_the_random123_known_answers(ctr, key, out):
    assert tuple(philox(*ctr, *key)) == out


def test_keys_are_a_function_of_seed_replication_and_name():
    names = ["duration:ward:ed:frail", "duration:ward:ed:adult", "route:ward:ed"]
    k = stream_keys(2026, 3, names)
    assert k.dtype == np.int64 and len(set(k.tolist())) == 3
    assert np.array_equal(k, stream_keys(2026, 3, names))            # reproducible
    assert k[1] == stream_key(2026, 3, names[1])                     # one name alone: the same key
    assert np.array_equal(stream_keys(2026, 3, names[::-1])[::-1], k)  # not by position
    assert not np.any(stream_keys(2026, 4, names) == k)             # another replication
    assert not np.any(stream_keys(2027, 3, names) == k)             # another seed


def test_uniforms_lie_in_the_open_unit_interval_and_are_uniform():
    # chi-square over 100 bins of 10^6 counters; fixed key, so the statistic is a fixed number:
    # under uniformity it exceeds 150 (99 degrees of freedom) with probability ~8e-4
    u = uniforms(stream_key(1, 0, "test"), np.arange(1_000_000), 0, 0)
    assert 0.0 < u.min() and u.max() < 1.0
    counts = np.bincount((u * 100).astype(int), minlength=100)
    chi2 = ((counts - 10_000) ** 2 / 10_000).sum()
    assert chi2 < 150


def test_neighbouring_counters_and_streams_are_uncorrelated():
    # correlations of 2*10^5 pairs; |r| < 4/sqrt(n) = 0.009 (4 standard errors) under independence
    n = 200_000
    r = np.arange(n)
    k1, k2 = stream_keys(5, 0, ["duration:a:s:c", "duration:b:s:c"])
    base = uniforms(k1, r, 0, 0)
    for other in (uniforms(k1, r + 1, 0, 0), uniforms(k1, r, 1, 0), uniforms(k1, r, 0, 1), uniforms(k2, r, 0, 0)):
        assert abs(np.corrcoef(base, other)[0, 1]) < 4 / np.sqrt(n)


def test_the_second_uniform_of_a_block_is_another_number():
    key = stream_key(9, 1, "gamma")
    a, b = uniform2(key, 17, 2, 3)
    assert a == uniform(key, 17, 2, 3) and b != a and 0.0 < b < 1.0
