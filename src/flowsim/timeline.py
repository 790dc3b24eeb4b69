"""The calendar: dates, bank holidays, and hourly profiles over a run.

Time 0 is the start date at 00:00. Without a start date a run is the weekly model
it always was (time 0 a Monday, every week alike) and nothing here is used. With
one, each day of the run has a weekday, a month and maybe a bank holiday, and the
rate of a source in hour h of the run is

    rate(h) = weekly[weekday(day) or bank-holiday weekday, hour of day]
              x by_month[month(day)] x (1 + growth) ** (h / 8766)

(8766 hours = 365.25 days, so growth compounds exactly per average year).
Capacity and booking slots follow the days the same way, with date ranges on top.

The arrays built here cover the run plus ``PAD_DAYS`` (a booking offered a slot
after the horizon still sees real days). An array that turns out to repeat every
week is cut back to that week: a model whose calendar changes nothing keeps the
weekly arrays, bit for bit, of a model without a start date.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from .units import MINUTES_PER_DAY

__all__ = ["HOURS_PER_YEAR", "PAD_DAYS", "easter", "bank_holidays", "Days", "days_of_run", "month_weights",
           "hourly_rate", "weekly_or_full", "day_rows", "period_bounds"]

HOURS_PER_YEAR = 8766     # 365.25 days
PAD_DAYS = 56
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)

# Bank holidays moved or added by proclamation (GOV.UK "UK bank holidays"; the
# Banking and Financial Dealings Act 1971 sets the rest): year -> (removed, added).
_SPECIAL = {
    1995: ([dt.date(1995, 5, 1)], [dt.date(1995, 5, 8)]),          # VE day 50th anniversary
    1999: ([], [dt.date(1999, 12, 31)]),                             # millennium
    2002: ([dt.date(2002, 5, 27)], [dt.date(2002, 6, 3), dt.date(2002, 6, 4)]),  # golden jubilee
    2011: ([], [dt.date(2011, 4, 29)]),                              # royal wedding
    2012: ([dt.date(2012, 5, 28)], [dt.date(2012, 6, 4), dt.date(2012, 6, 5)]),  # diamond jubilee
    2020: ([dt.date(2020, 5, 4)], [dt.date(2020, 5, 8)]),            # VE day 75th anniversary
    2022: ([dt.date(2022, 5, 30)], [dt.date(2022, 6, 2), dt.date(2022, 6, 3), dt.date(2022, 9, 19)]),
    2023: ([], [dt.date(2023, 5, 8)]),                               # coronation
}


def easter(year: int) -> dt.date:
    """Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _monday_on_or_after(d: dt.date) -> dt.date:
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=last.weekday())


def _year_holidays(year: int) -> list[dt.date]:
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() >= 5:
        new_year = _monday_on_or_after(new_year)
    e = easter(year)
    days = [new_year, e - dt.timedelta(days=2), e + dt.timedelta(days=1),
            _monday_on_or_after(dt.date(year, 5, 1)), _last_monday(year, 5), _last_monday(year, 8)]
    # Christmas and Boxing Day; one falling on a weekend moves to the next free weekday
    taken: list[dt.date] = []
    for d in (dt.date(year, 12, 25), dt.date(year, 12, 26)):
        while d.weekday() >= 5 or d in taken:
            d += dt.timedelta(days=1)
        taken.append(d)
    removed, added = _SPECIAL.get(year, ([], []))
    return sorted(set(d for d in days + taken if d not in removed) | set(added))


def bank_holidays(first_year: int, last_year: int) -> list[dt.date]:
    """England and Wales bank holidays of the years ``first_year`` .. ``last_year``."""
    return [d for y in range(first_year, last_year + 1) for d in _year_holidays(y)]


class Days:
    """Weekday (Monday 0), month (January 0) and bank holiday of each day of a run."""

    def __init__(self, start: dt.date, n_days: int, holidays) -> None:
        self.start = start
        self.n_days = n_days
        ordinal = start.toordinal() + np.arange(n_days)
        self.weekday = (ordinal - 1) % 7   # date.fromordinal(1) is a Monday
        dates = [dt.date.fromordinal(int(o)) for o in ordinal]
        self.month = np.array([d.month - 1 for d in dates], dtype=np.int64)
        hol = set(holidays)
        self.bank = np.array([d in hol for d in dates], dtype=bool)
        self.dates = dates

    def weekday_as(self, bank_as: int | None) -> np.ndarray:
        """Weekday whose profile each day follows: a bank holiday follows ``bank_as``."""
        if bank_as is None:
            return self.weekday
        return np.where(self.bank, bank_as, self.weekday)


def days_of_run(start: dt.date, horizon: float, holidays: list[dt.date] | None) -> Days:
    """The days of a run of ``horizon`` minutes from ``start``, plus ``PAD_DAYS``.

    ``holidays`` replaces the built-in England and Wales bank holidays when given.
    """
    n_days = int(math.ceil(horizon / MINUTES_PER_DAY)) + PAD_DAYS
    if holidays is None:
        last = start + dt.timedelta(days=n_days)
        holidays = bank_holidays(start.year, last.year)
    return Days(start, n_days, holidays)


def month_weights(by_month) -> np.ndarray:
    """Month weights scaled so that a 365-day year keeps its volume (day-weighted mean 1)."""
    if by_month is None:
        return np.ones(12)
    w = np.asarray(by_month, dtype=float)
    return w / (float(w @ DAYS_IN_MONTH) / 365.0)


def day_rows(weekly: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Hour-by-hour values of each day from a Monday-first (168,) weekly array: (days * 24,)."""
    idx = weekday[:, None] * 24 + np.arange(24)[None, :]
    return np.asarray(weekly)[idx].ravel()


def hourly_rate(weekly: np.ndarray, days: Days, by_month=None, growth: float = 0.0,
                bank_as: int | None = None) -> np.ndarray:
    """A source's rate in each hour of the run (see the module docstring)."""
    rate = day_rows(weekly, days.weekday_as(bank_as))
    rate = rate * np.repeat(month_weights(by_month)[days.month], 24)
    if growth != 0.0:
        rate = rate * (1.0 + growth) ** (np.arange(len(rate)) / HOURS_PER_YEAR)
    return rate


def weekly_or_full(values: np.ndarray, period: int) -> np.ndarray:
    """``values[:period]`` when ``values`` repeats with that period, else ``values``."""
    values = np.asarray(values)
    n = values.shape[-1]
    if n >= period and np.array_equal(values, values[..., np.arange(n) % period]):
        return values[..., :period].copy()
    return values


def period_bounds(start: dt.date | None, lo: float, hi: float, period: str) -> list[tuple[float, float, str]]:
    """Periods of a series over the window [lo, hi) minutes: (from, to, label) each.

    ``week``: whole 7-day periods from ``lo`` (a last part-week is left out: it would
    read as a fall in every count). ``month``: calendar
    months, the first and last cut to the window; needs a start date. Labels are
    ISO dates of each period's first minute (``day N`` without a start date).
    """
    if period == "week":
        edges = list(lo + 7 * MINUTES_PER_DAY * np.arange(int((hi - lo) // (7 * MINUTES_PER_DAY)) + 1))
        if len(edges) < 2:
            raise ValueError(f"a weekly series needs a window of a week or more, found {(hi - lo) / MINUTES_PER_DAY:g} days")
    elif period == "month":
        if start is None:
            raise ValueError("a monthly series needs a start date (run.start)")
        edges, d = [lo], dt.date(start.year, start.month, 1)
        while True:
            d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
            t = (d - start).days * MINUTES_PER_DAY
            if t >= hi:
                break
            if t > lo:
                edges.append(t)
        edges.append(hi)
    else:
        raise ValueError(f"expected a series period 'week' or 'month', found {period!r}")
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        if start is None:
            label = f"day {a / MINUTES_PER_DAY:g}"
        else:
            label = (dt.datetime.combine(start, dt.time()) + dt.timedelta(minutes=float(a))).date().isoformat()
        out.append((float(a), float(b), label))
    return out
