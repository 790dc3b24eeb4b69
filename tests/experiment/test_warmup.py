"""MSER-5 on series with a known transient."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.experiment.warmup import mser5, warm_up_from_occupancy


def test_mser5_finds_a_known_transient():
    rng = np.random.default_rng(1)
    t = np.arange(4000)
    series = 100 - 80 * np.exp(-t / 150.0) + rng.normal(0, 2, len(t))  # fills from 20 to 100
    cut = mser5(series)
    assert cut % 5 == 0
    assert 300 <= cut <= 1000  # the transient is gone after ~4-6 time constants


def test_mser5_keeps_a_stationary_series():
    series = np.random.default_rng(2).normal(50, 5, 2000)
    assert mser5(series) < 200


def test_warm_up_rounds_up_to_days_and_needs_data():
    dec = warm_up_from_occupancy(np.r_[np.linspace(0, 100, 60), np.full(500, 100.0)])
    assert dec["days"] == np.ceil(dec["hours"] / 24) and dec["minutes"] == dec["days"] * 1440
    with pytest.raises(ValueError):
        mser5([1.0] * 10)
