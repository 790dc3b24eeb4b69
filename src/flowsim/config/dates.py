"""Config types for the calendar: dates, recurring days of the year, date ranges.

A run may start on a date (``run.start``); then sources can follow the months,
growth and bank holidays, and capacity can follow date ranges. Date ranges name
whole days, both ends included: either dates (``2025-12-01``) or a day of every
year (``12-01``, month-day), which may wrap round the new year (``12-01`` to
``03-31`` is every winter).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PlainValidator, Field, model_validator

__all__ = ["DayOfYear", "DateRange", "WeekdayName", "MonthDay"]

WeekdayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


class MonthDay(tuple):
    """(month, day) of every year, as ``12-01`` in a config."""

    def __new__(cls, month: int, day: int):
        return super().__new__(cls, (month, day))

    def __str__(self) -> str:
        return f"{self[0]:02d}-{self[1]:02d}"


def _day_of_year(v):
    if isinstance(v, dt.datetime):
        raise ValueError(f"expected a date (YYYY-MM-DD) or a month-day (MM-DD), found a date and time {v}")
    if isinstance(v, (dt.date, MonthDay)):
        return v
    if isinstance(v, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError as exc:
            raise ValueError(f"expected a valid date, found '{v}' ({exc})") from None
    m = _MONTH_DAY.match(v) if isinstance(v, str) else None
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        try:
            dt.date(2024, month, day)  # a leap year: 02-29 is a day of some years
        except ValueError:
            raise ValueError(f"expected a month-day MM-DD, found '{v}' (no such day)") from None
        return MonthDay(month, day)
    raise ValueError(f"expected a date (YYYY-MM-DD) or a month-day (MM-DD), found {v!r}")


DayOfYear = Annotated[Any, PlainValidator(_day_of_year)]  # a dt.date or a MonthDay


class DateRange(BaseModel):
    """Whole days ``from`` .. ``to`` (both included) and what applies on them.

    The ``what`` fields (servers, a day's hours) are added by the service types that
    use ranges; this base only checks the days.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: DayOfYear = Field(alias="from")
    end: DayOfYear = Field(alias="to")

    @model_validator(mode="after")
    def _order(self):
        a, b = self.start, self.end
        if isinstance(a, MonthDay) != isinstance(b, MonthDay):
            raise ValueError(f"expected 'from' and 'to' both dates or both month-days, found {a} and {b}")
        if isinstance(a, dt.date) and b < a:
            raise ValueError(f"expected a range that ends on or after its start, found from {a} to {b}")
        return self

    def days(self, first: dt.date, n_days: int):
        """Boolean mask of the ``n_days`` days from ``first`` that lie in the range."""
        out = np.zeros(n_days, dtype=bool)
        for i in range(n_days):
            d = first + dt.timedelta(days=i)
            out[i] = _inside(d, self.start, self.end)
        return out


def _inside(d: dt.date, a, b) -> bool:
    if isinstance(a, dt.date):
        return a <= d <= b
    key = (d.month, d.day)
    return a <= key <= b if a <= b else (key >= a or key <= b)  # wraps round the new year
