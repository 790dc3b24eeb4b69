"""Read an episode extract (one row per visit to a service) for ``flowsim fit``.

The format (docs/fit.md) is close to what NHS extracts give and is exactly
what ``flowsim run --events x.csv`` writes, so a run can be fitted back::

    patient      patient id (any text)
    node         the service visited        (also accepted: service)
    arrive       reached the service        (also: arrival)
    start        service began (empty: never began)
    end          clinical end of service (empty: not ended by the end of the extract)
    depart       left the service and freed its place  (also: departure; empty: still there)
    dest         next service or exit       (also: destination; empty: still there)
    optional:    cohort, prev (previous service), replication, seq, outcome, source, setting

Times are minutes from Monday 00:00 (as flowsim writes them) or ISO date-times
(``2024-03-04 08:15``), one kind per file. Every problem is a ConfigError naming
the file, the row (the line in the file) and the column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..units import MINUTES_PER_DAY

__all__ = ["Extract", "read_extract", "REQUIRED", "ALIASES"]

REQUIRED = ("patient", "node", "arrive", "start", "end", "depart", "dest")
OPTIONAL = ("cohort", "prev", "replication", "seq", "outcome", "source", "setting")
ALIASES = {"service": "node", "arrival": "arrive", "departure": "depart", "destination": "dest",
           "patient_id": "patient", "previous": "prev"}
TIMES = ("arrive", "start", "end", "depart")


@dataclass
class Extract:
    """The extract's columns as arrays, one entry per kept row."""

    path: str
    text: dict[str, np.ndarray]      # patient, node, dest, cohort, prev, outcome, source, setting (object)
    times: dict[str, np.ndarray]     # arrive, start, end, depart: minutes, NaN when empty
    replication: np.ndarray          # int64, 0 when the column is absent
    seq: np.ndarray | None           # int64 visit number, when given
    line: np.ndarray                 # the file line of each row (for messages)
    datetimes: bool = False          # times were ISO date-times (shifted to Monday 00:00)
    origin: str | None = None        # the Monday 00:00 that minute 0 stands for
    origin_day: np.datetime64 | None = None   # the same, as a date (for month profiles)
    dropped: dict[str, int] = field(default_factory=dict)
    present: tuple[str, ...] = ()    # optional columns present


def _err(path, line, column, msg) -> ConfigError:
    return ConfigError(msg, file=str(path), line=line, path=f"column '{column}'" if column else None)


def _header(path, fields) -> dict[str, str]:
    """Canonical column name -> the file's header text."""
    if not fields:
        raise _err(path, 1, None, "expected a header row naming the columns, found an empty file")
    out: dict[str, str] = {}
    for f in fields:
        key = (f or "").strip().lower()
        key = ALIASES.get(key, key)
        if key in REQUIRED or key in OPTIONAL:
            out[key] = f
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        raise _err(path, 1, missing[0], f"missing column(s) {', '.join(missing)}; expected the columns "
                   f"{', '.join(REQUIRED)} (docs/fit.md), found {', '.join(map(str, fields))}")
    return out


def _time(text: str, path, line: int, column: str, mode: list) -> float:
    """Minutes (a number) or a datetime's POSIX minutes; ``mode`` holds 'number' or 'datetime'."""
    s = text.strip()
    if s == "" or s.lower() == "nan":
        return math.nan
    try:
        v = float(s)
        kind = "number"
    except ValueError:
        try:
            dt = datetime.fromisoformat(s.replace("/", "-"))
            # clock times as written: a naive time is read as UTC so no DST shift creeps in
            v = (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp() / 60.0
            kind = "datetime"
        except ValueError:
            raise _err(path, line, column, f"expected a time (minutes, or a date-time such as "
                       f"'2024-03-04 08:15'), found {s!r}") from None
    if not math.isfinite(v):
        raise _err(path, line, column, f"expected a finite time, found {s!r}")
    if mode[0] is None:
        mode[0] = kind
    elif mode[0] != kind:
        raise _err(path, line, column, f"expected a {mode[0]} like the rows above, found {s!r}")
    return v


def _check_order(path, line, t: dict[str, float]) -> None:
    a, s, e, d = (t[k] for k in TIMES)
    if not math.isnan(d) and d < a:
        raise _err(path, line, "depart", f"departure before arrival: depart {d:g} < arrive {a:g}")
    if not math.isnan(s) and s < a:
        raise _err(path, line, "start", f"start before arrival: start {s:g} < arrive {a:g}")
    if not math.isnan(e) and not math.isnan(s) and e < s:
        raise _err(path, line, "end", f"end before start: end {e:g} < start {s:g}")
    if not math.isnan(d) and not math.isnan(e) and d < e:
        raise _err(path, line, "depart", f"departure before the end of service: depart {d:g} < end {e:g}")


def _int(text: str, path, line, column) -> int:
    try:
        return int(float(text))
    except ValueError:
        raise _err(path, line, column, f"expected a whole number, found {text!r}") from None


def read_extract(path) -> Extract:
    """Read and check an episode extract (CSV).

    Raises
    ------
    ConfigError
        A missing column, an unparseable time or number, departure before arrival,
        an empty arrival or service: naming the file, the row's line and the column.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"expected an episode extract (CSV), found no file at '{path}'", path="EPISODES")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = _header(path, reader.fieldnames)
        text = {k: [] for k in ("patient", "node", "dest") + OPTIONAL if k in cols or k in REQUIRED}
        times = {k: [] for k in TIMES}
        lines: list[int] = []
        mode = [None]
        for row in reader:
            line = reader.line_num
            get = {k: (row.get(h) or "").strip() for k, h in cols.items()}
            for k in ("patient", "node", "arrive"):
                if get[k] == "":
                    raise _err(path, line, cols[k], "expected a value, found an empty cell")
            t = {k: _time(get[k], path, line, cols[k], mode) for k in TIMES}
            _check_order(path, line, t)
            for k in times:
                times[k].append(t[k])
            for k in text:
                text[k].append(get.get(k, ""))
            lines.append(line)
    if not lines:
        raise _err(path, 2, None, "expected at least one row of visits, found none")
    ex = Extract(path=str(path), text={k: np.array(v, dtype=object) for k, v in text.items()},
                 times={k: np.array(v, dtype=np.float64) for k, v in times.items()},
                 replication=np.zeros(len(lines), dtype=np.int64), seq=None,
                 line=np.array(lines, dtype=np.int64), present=tuple(k for k in OPTIONAL if k in cols))
    if "replication" in cols:
        ex.replication = np.array([_int(v, path, ln, cols["replication"]) for v, ln in
                                   zip(ex.text["replication"], lines)], dtype=np.int64)
    if "seq" in cols:
        ex.seq = np.array([_int(v, path, ln, cols["seq"]) for v, ln in zip(ex.text["seq"], lines)], dtype=np.int64)
    if mode[0] == "datetime":
        _to_monday(ex)
    return ex


def _to_monday(ex: Extract) -> None:
    """Shift date-times so minute 0 is the Monday 00:00 on or before the first arrival."""
    first = datetime.fromtimestamp(float(np.nanmin(ex.times["arrive"])) * 60.0, tz=timezone.utc)
    day0 = first.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = day0.timestamp() / 60.0 - first.weekday() * MINUTES_PER_DAY
    for k in TIMES:
        ex.times[k] = ex.times[k] - monday
    ex.datetimes = True
    day = datetime.fromtimestamp(monday * 60.0, tz=timezone.utc)
    ex.origin = day.strftime("%Y-%m-%d (a Monday)")
    ex.origin_day = np.datetime64(day.strftime("%Y-%m-%d"), "D")
