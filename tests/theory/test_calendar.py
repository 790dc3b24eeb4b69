"""The calendar: month profiles, growth and bank holidays against their theory.

Arrivals are generated exactly by inverting the integrated rate, so counts per
period are Poisson with means that are integrals of the rate: chi-square tests at
p > 0.001 and 4-sd Poisson bounds, with fixed seeds.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import scipy.stats as st

from flowsim.arrivals import arrival_times, integrated_rate
from flowsim.config import validate_data
from flowsim.draws import make_draws
from flowsim.engines.simpy_engine import run_simpy
from flowsim.metrics import measure
from flowsim.network import build_network, capacity_by_hour
from flowsim.timeline import HOURS_PER_YEAR, bank_holidays, easter

Z = 4.0
MONTH = [1.30, 1.20, 1.10, 1.0, 0.95, 0.90, 0.85, 0.80, 0.90, 1.0, 1.10, 1.25]


def model(start=None, horizon="365 days", **source) -> dict:
    run = {"horizon": horizon, "seed": 3}
    if start is not None:
        run["start"] = start
    return {"name": "calendar", "run": run,
            "sources": {"s": {"to": "a", "rate": "40 per day", **source}},
            "services": {"a": {"kind": "delay", "setting": "community", "duration": {"exponential": {"mean": "1 h"}},
                               "routes": [{"to": "home", "p": 1.0}]}}}


def month_starts(start: dt.date, months: int) -> np.ndarray:
    out, d = [], start
    for _ in range(months + 1):
        out.append((d - start).days * 1440.0)
        d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return np.array(out)


def test_counts_per_month_follow_the_month_profile():
    start = dt.date(2025, 1, 1)
    net = build_network(validate_data(model("2025-01-01", horizon="730 days", by_month=MONTH)))
    rate = net.source_rate[0]
    edges = month_starts(start, 24)
    counts = np.zeros(24)
    for rep in range(4):
        t = arrival_times(np.random.default_rng(100 + rep), rate, 730 * 1440.0)
        counts += np.histogram(t, bins=edges)[0]
    expected = 4 * np.diff(integrated_rate(rate, edges))
    assert st.chisquare(counts, expected * counts.sum() / expected.sum()).pvalue > 1e-3
    # the profile is a daily rate: January's mean per day over February's is 1.30 / 1.20
    per_day = expected[:12] / np.diff(edges[:13] / 1440.0)
    assert per_day[0] / per_day[1] == pytest.approx(1.30 / 1.20, rel=1e-12)
    # normalised so a 365-day year keeps its volume: 40 a day
    assert expected[:12].sum() / 4 == pytest.approx(40 * 365, rel=1e-12)


def test_growth_compounds_exactly_over_five_years():
    net = build_network(validate_data(model("2025-04-01", horizon="1827 days", growth=0.04)))
    rate = net.source_rate[0]
    for k in range(1, 6):  # the rate one average year later is (1 + g) times higher, exactly
        assert rate[k * HOURS_PER_YEAR] / rate[0] == pytest.approx(1.04 ** k, rel=1e-12)
    years = np.arange(6) * HOURS_PER_YEAR * 60.0
    expected = np.diff(integrated_rate(rate, years))
    np.testing.assert_allclose(expected[1:] / expected[:-1], 1.04, rtol=1e-9)
    # 40 a day at time 0, growing continuously: the integral of 40 (1.04)^(t/year)
    year_days = HOURS_PER_YEAR / 24
    assert expected.sum() == pytest.approx(40 * year_days * (1.04 ** 5 - 1) / np.log(1.04), rel=1e-4)
    t = arrival_times(np.random.default_rng(7), rate, years[-1])
    counts = np.histogram(t, bins=years)[0]
    assert np.all(np.abs(counts - expected) <= Z * np.sqrt(expected))
    assert st.chisquare(counts, expected * counts.sum() / expected.sum()).pvalue > 1e-3


def test_bank_holidays_get_the_profile_they_are_given():
    by_weekday = [1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.3]
    by_hour = list(np.r_[np.full(8, 0.2), np.full(12, 2.0), np.full(4, 0.5)])
    net = build_network(validate_data(model("2025-01-01", horizon="1461 days", by_weekday=by_weekday,
                                            by_hour=by_hour, bank_holidays="sun")))
    plain = build_network(validate_data(model("2025-01-01", horizon="1461 days", by_weekday=by_weekday,
                                              by_hour=by_hour)))
    rate, start = net.source_rate[0], dt.date(2025, 1, 1)
    plain_rate = plain.source_rate[0][np.arange(len(rate)) % plain.source_rate.shape[1]]  # a weekly array
    # the arrays run past the horizon into 2029
    holidays = [d for d in bank_holidays(2025, 2029) if (d - start).days * 24 < len(rate)]
    sunday = dt.date(2025, 1, 5)
    sun_rows = rate[(sunday - start).days * 24:][:24]
    for d in holidays:  # every bank holiday hour by hour as a Sunday, and as itself without the rule
        k = (d - start).days * 24
        np.testing.assert_array_equal(rate[k:k + 24], sun_rows)
        assert not np.array_equal(plain_rate[k:k + 24], sun_rows)
    # other days untouched
    hol_hours = np.zeros(len(rate), dtype=bool)
    for d in holidays:
        hol_hours[(d - start).days * 24:][:24] = True
    np.testing.assert_array_equal(rate[~hol_hours], plain_rate[~hol_hours])
    # counts on bank holidays follow the Sunday rate (Poisson, 4 sd)
    holidays = [d for d in holidays if (d - start).days < 1461]
    total, expected = 0, 0.0
    for rep in range(5):
        t = arrival_times(np.random.default_rng(rep), rate, 1461 * 1440.0)
        day = (t // 1440.0).astype(int)
        total += sum(int((day == (d - start).days).sum()) for d in holidays)
    expected = 5 * sum(float(np.diff(integrated_rate(rate, [(d - start).days * 1440.0, (d - start).days * 1440.0
                                                            + 1440.0]))[0]) for d in holidays)
    assert abs(total - expected) <= Z * np.sqrt(expected)


def test_built_in_bank_holidays():
    assert easter(2025) == dt.date(2025, 4, 20) and easter(2026) == dt.date(2026, 4, 5)
    assert [str(d) for d in bank_holidays(2026, 2026)] == [
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28"]  # GOV.UK, UK bank holidays (England and Wales)
    assert dt.date(2022, 9, 19) in bank_holidays(2022, 2022)   # proclaimed: the state funeral


def test_start_date_with_flat_profiles_is_todays_run():
    base = build_network(validate_data(model(horizon="60 days", by_weekday=[1.2, 1, 1, 1, 1, 0.8, 0.7])))
    dated = build_network(validate_data(model("2025-09-01", horizon="60 days",      # a Monday
                                              by_weekday=[1.2, 1, 1, 1, 1, 0.8, 0.7], by_month=[1] * 12)))
    assert dated.source_rate.shape == (1, 168)
    np.testing.assert_array_equal(dated.source_rate, base.source_rate)
    a = run_simpy(base, make_draws(base, 5, 0))
    b = run_simpy(dated, make_draws(dated, 5, 0))
    ma, mb = measure(a, base), measure(b, dated)
    assert ma.keys() == mb.keys() and all(ma[k] == mb[k] or (np.isnan(ma[k]) and np.isnan(mb[k])) for k in ma)
    for k, v in a.columns().items():
        np.testing.assert_array_equal(v, b.columns()[k])


def test_a_later_weekday_start_shifts_the_week():
    w = [1.5, 1, 1, 1, 1, 0.8, 0.7]
    net = build_network(validate_data(model("2025-09-03", horizon="60 days", by_weekday=w)))  # a Wednesday
    mon = build_network(validate_data(model(horizon="60 days", by_weekday=w)))
    np.testing.assert_array_equal(net.source_rate[0], np.roll(mon.source_rate[0], -48))


def test_capacity_follows_date_ranges_and_bank_holidays():
    data = model("2025-11-24", horizon="200 days")  # Monday 24 November 2025
    hours = [2] * 8 + [5] * 12 + [2] * 4
    data["services"]["w"] = {"kind": "queue", "setting": "acute", "bed": True, "servers": 10,
                             "duration": {"exponential": {"mean": "2 days"}}, "routes": [{"to": "home", "p": 1}],
                             "bank_holidays": "sun",
                             "dates": [{"from": "12-01", "to": "03-31", "servers": 14},     # every winter
                                       {"from": "2026-01-05", "to": "2026-01-11", "schedule": {"hours": hours}}]}
    net = build_network(validate_data(data))
    cap = capacity_by_hour(net, 200 * 24)[1]
    start = dt.date(2025, 11, 24)

    def day(d):
        return cap[(d - start).days * 24:][:24]

    assert np.all(day(dt.date(2025, 11, 30)) == 10) and np.all(day(dt.date(2025, 12, 1)) == 14)
    assert np.all(day(dt.date(2026, 3, 31)) == 14) and np.all(day(dt.date(2026, 4, 1)) == 10)
    np.testing.assert_array_equal(day(dt.date(2026, 1, 7)), hours)        # the later range wins
    assert net.scheduled[1] and net.capacity.shape[1] > 168
    # metrics integrate the same capacity: 14 beds through December
    from flowsim.metrics import _capacity_minutes
    dec = ((dt.date(2025, 12, 1) - start).days * 1440.0, (dt.date(2026, 1, 1) - start).days * 1440.0)
    assert _capacity_minutes(net.capacity, *dec)[1] == pytest.approx(14 * 31 * 1440.0)
