"""Durations and rates with units, resolved to minutes.

Every time in flowsim is a float number of minutes from the start of the run.
Config files must say which unit they mean: ``30 min``, ``4 h``, ``5 days``,
``6 weeks``; rates are ``195 per day``, ``12 per hour`` or ``12/h``. A bare
number is an error, never a guess.
"""

from __future__ import annotations

import math
import re

__all__ = ["MINUTES_PER", "MINUTES_PER_DAY", "HOURS_PER_WEEK", "MINUTES_PER_WEEK", "parse_duration", "parse_rate",
           "format_duration"]

MINUTES_PER_DAY = 1440.0
HOURS_PER_WEEK = 168
MINUTES_PER_WEEK = 10080.0

MINUTES_PER = {
    "s": 1.0 / 60.0,
    "sec": 1.0 / 60.0,
    "secs": 1.0 / 60.0,
    "second": 1.0 / 60.0,
    "seconds": 1.0 / 60.0,
    "min": 1.0,
    "mins": 1.0,
    "minute": 1.0,
    "minutes": 1.0,
    "h": 60.0,
    "hr": 60.0,
    "hrs": 60.0,
    "hour": 60.0,
    "hours": 60.0,
    "d": MINUTES_PER_DAY,
    "day": MINUTES_PER_DAY,
    "days": MINUTES_PER_DAY,
    "w": MINUTES_PER_WEEK,
    "wk": MINUTES_PER_WEEK,
    "week": MINUTES_PER_WEEK,
    "weeks": MINUTES_PER_WEEK,
    # a year is 365 days: rates per 1,000 people a year (population sources)
    "year": 525600.0,
    "years": 525600.0,
}

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TERM = re.compile(rf"\s*({_NUMBER})\s*([a-zA-Z]+)\s*")
_RATE = re.compile(rf"^\s*({_NUMBER})\s*(?:per\s+|/\s*)([a-zA-Z]+)\s*$")


def parse_duration(value: object) -> float:
    """Parse ``"4 h"``, ``"2 days 6 h"`` or ``"90 min"`` into minutes.

    Parameters
    ----------
    value : str
        A number followed by a unit; several terms are added up.

    Returns
    -------
    float
        The duration in minutes.

    Raises
    ------
    ValueError
        For a bare number, an unknown unit or a negative duration. The message
        says what was expected and what was found.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a duration with a unit such as '30 min' or '4 h', found {value!r}")
    if isinstance(value, (int, float)) and value == 0:
        return 0.0  # a bare zero means the same in every unit (docs/config.md)
    if isinstance(value, (int, float)):
        raise ValueError(
            f"expected a duration with a unit such as '{value} min' or '{value} days', "
            f"found the bare number {value!r}"
        )
    text = value.strip()
    if text in ("0", "0.0"):
        return 0.0
    pos = 0
    total = 0.0
    terms = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None:
            break
        unit = m.group(2).lower()
        if unit not in MINUTES_PER:
            raise ValueError(
                f"expected a duration unit (min, h, days, weeks), found unit {m.group(2)!r} in {value!r}"
            )
        total += float(m.group(1)) * MINUTES_PER[unit]
        terms += 1
        pos = m.end()
    if terms == 0 or pos != len(text):
        raise ValueError(f"expected a duration with a unit such as '30 min' or '4 h', found {value!r}")
    if total < 0:
        raise ValueError(f"expected a duration >= 0, found {value!r}")
    if not math.isfinite(total):
        raise ValueError(f"expected a finite duration, found {value!r}")
    return total


def parse_rate(value: object) -> float:
    """Parse ``"195 per day"`` or ``"12/h"`` into events per minute.

    Raises
    ------
    ValueError
        For a bare number, an unknown unit or a negative rate.
    """
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(
            f"expected a rate with a unit such as '{value} per day', found the bare number {value!r}"
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a rate such as '195 per day', found {value!r}")
    m = _RATE.match(value)
    if m is None:
        raise ValueError(f"expected a rate such as '195 per day' or '12 per hour', found {value!r}")
    unit = m.group(2).lower()
    if unit not in MINUTES_PER:
        raise ValueError(f"expected a rate unit (per minute, hour, day, week, year), found {m.group(2)!r} in {value!r}")
    rate = float(m.group(1)) / MINUTES_PER[unit]
    if rate < 0:
        raise ValueError(f"expected a rate >= 0, found {value!r}")
    if not math.isfinite(rate):
        raise ValueError(f"expected a finite rate, found {value!r}")
    return rate


def format_duration(minutes: float) -> str:
    """Render minutes in the largest unit that keeps the number readable."""
    if minutes >= MINUTES_PER_DAY and minutes % MINUTES_PER_DAY == 0:
        return f"{minutes / MINUTES_PER_DAY:g} days"
    if minutes >= 60 and minutes % 60 == 0:
        return f"{minutes / 60:g} h"
    return f"{minutes:g} min"
