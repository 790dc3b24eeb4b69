"""The per-patient event log that every engine writes and metrics read.

One row per node visit, in columns of plain numpy arrays::

    patient  int64    global patient id (index into the replication's arrival table)
    seq      int32    the visit's number in the patient's path (0, 1, 2, ...: the order in
                      which it reached nodes, diversions and assessments included)
    cohort   int16    cohort index (Network.cohorts)
    node     int32    node index (Network.node_names)
    prev     int32    node the patient came from, or -1 for a new arrival from a source
    arrive   float64  minute the patient reached the node (joined its queue, asked for a slot)
    start    float64  minute service began (took a server or bed, appointment time,
                      entered a delay node); NaN if it never began
    end      float64  minute the clinical service ended; NaN if it did not end by the horizon
    depart   float64  minute the patient left the node and freed its server; later than
                      ``end`` when blocked (a delayed discharge); NaN if still there at the horizon
    outcome  int8     SERVED, DIVERTED, RENEGED, ELSEWHERE, IN_SYSTEM or OTHER_ROUTE (see below)
    dest     int32    where the patient went: a node index >= 0, an exit as -(1 + exit index),
                      or NO_DEST while still in the node at the horizon

Both engines write the same rows in the same order (by the time each visit
ended, ties by the order of events), so logs can be compared column by column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .codes import NO_NODE

__all__ = ["EventLog", "EventLogBuilder", "SERVED", "DIVERTED", "RENEGED", "ELSEWHERE", "IN_SYSTEM",
           "OTHER_ROUTE",
           "NO_DEST", "OUTCOME_NAMES", "exit_code", "check_eventlog_path", "write_eventlog"]

SERVED = 0      # service ended and the patient moved on
DIVERTED = 1    # node full on arrival (when_full): sent on without service
RENEGED = 2     # patience ran out while waiting (left without being seen)
ELSEWHERE = 3   # booking: offered slot too late, went elsewhere
IN_SYSTEM = 4   # still in the node at the horizon (censored)
OTHER_ROUTE = 5  # a blocked wait (bed kept upstream) ended another way: the give_up of the route
OUTCOME_NAMES = ("served", "diverted", "reneged", "elsewhere", "in_system", "other_route")
NO_DEST = NO_NODE  # the log's name for "no destination"

COLUMNS = {
    "patient": np.int64, "seq": np.int32, "cohort": np.int16, "node": np.int32, "prev": np.int32,
    "arrive": np.float64, "start": np.float64, "end": np.float64, "depart": np.float64,
    "outcome": np.int8, "dest": np.int32,
}


def exit_code(exit_index: int) -> int:
    """Destination code of exit ``exit_index``: -(1 + index)."""
    return -(1 + exit_index)


@dataclass(frozen=True)
class EventLog:
    """Columns of equal length, one row per node visit (see module docstring)."""

    patient: np.ndarray
    seq: np.ndarray
    cohort: np.ndarray
    node: np.ndarray
    prev: np.ndarray
    arrive: np.ndarray
    start: np.ndarray
    end: np.ndarray
    depart: np.ndarray
    outcome: np.ndarray
    dest: np.ndarray
    horizon: float = 0.0
    patients: int = 0          # patients that arrived from sources during the run
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.patient)

    def columns(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in COLUMNS}


class EventLogBuilder:
    """Preallocated columns that grow by doubling; rows are written by index.

    PERF: writing into preallocated numpy columns keeps the engine's per-event cost
    flat; appending Python tuples and converting at the end was ~11% slower (docs/design.md).
    """

    def __init__(self, capacity: int = 1024):
        self._n = 0
        self._cap = max(16, int(capacity))
        self._cols = {k: np.empty(self._cap, dtype=t) for k, t in COLUMNS.items()}

    def _grow(self) -> None:
        self._cap *= 2
        for k, col in self._cols.items():
            new = np.empty(self._cap, dtype=col.dtype)
            new[: self._n] = col[: self._n]
            self._cols[k] = new

    def add(self, patient, cohort, node, prev, arrive, start, end, depart, outcome, dest, seq) -> None:
        if self._n == self._cap:
            self._grow()
        i = self._n
        c = self._cols
        c["patient"][i] = patient
        c["seq"][i] = seq
        c["cohort"][i] = cohort
        c["node"][i] = node
        c["prev"][i] = prev
        c["arrive"][i] = arrive
        c["start"][i] = start
        c["end"][i] = end
        c["depart"][i] = depart
        c["outcome"][i] = outcome
        c["dest"][i] = dest
        self._n = i + 1

    def build(self, horizon: float, patients: int, meta: dict | None = None) -> EventLog:
        cols = {k: v[: self._n].copy() for k, v in self._cols.items()}
        return EventLog(**cols, horizon=horizon, patients=patients, meta=dict(meta or {}))


def check_eventlog_path(path: str | Path) -> str:
    """The format of an event log path (``.parquet`` or ``.csv``), checked writable
    before a run (see ``flowsim.outputs``); raises UsageError otherwise."""
    from .outputs import check_output_path
    return check_output_path(path, (".parquet", ".csv"), "--events")


def write_eventlog(logs: list[EventLog], path: str | Path, node_names, cohort_names, exit_names,
                   replications: list[int] | None = None) -> None:
    """Write event logs (one per replication) as Parquet or CSV, chosen by the suffix.

    Names are resolved (node, cohort, outcome, destination) and a ``replication``
    column comes first. The file is written to a temporary name and renamed, so a
    failed write never leaves half a file.
    """
    import pyarrow as pa

    path = Path(path)
    suffix = check_eventlog_path(path)
    names = np.array(list(node_names) + [""], dtype=object)
    dests = np.array([""] + list(exit_names)[::-1] + list(node_names), dtype=object)
    n_exit = len(exit_names)
    tables = []
    reps = list(range(len(logs))) if replications is None else list(replications)
    for r, log in zip(reps, logs):
        dest = log.dest.astype(np.int64)
        # code d >= 0 -> node d; d = -(1+e) -> exit e; NO_DEST -> ""
        idx = np.where(dest == NO_DEST, 0, dest + n_exit + 1)
        tables.append(pa.table({
            "replication": np.full(len(log), r, dtype=np.int32),
            "patient": log.patient,
            "seq": log.seq,
            "cohort": np.array(cohort_names, dtype=object)[log.cohort],
            "node": names[log.node],
            "prev": names[np.where(log.prev < 0, len(node_names), log.prev)],
            "arrive": log.arrive, "start": log.start, "end": log.end, "depart": log.depart,
            "outcome": np.array(OUTCOME_NAMES, dtype=object)[log.outcome],
            "dest": dests[idx],
        }))
    table = pa.concat_tables(tables)
    if suffix == ".parquet":
        import pyarrow.parquet as pq
        write = lambda tmp: pq.write_table(table, tmp)  # noqa: E731
    else:
        import pyarrow.csv as pacsv
        write = lambda tmp: pacsv.write_csv(table, tmp)  # noqa: E731
    from .outputs import write_atomically
    write_atomically(path, write, "--events")
