"""The census CSV: one row per patient now in a service.

Columns (header names, any order; ``node`` and ``days_in_node`` are required):

=============  ===========================================================================
id             optional label of the patient (kept for messages only)
node           the service the patient is in (a node of the model)
cohort         the patient's cohort; required when the model has more than one
days_in_node   days since the patient started there (took the bed, began service); for a
               waiting patient, days since it joined the queue. A number >= 0.
medically_fit  yes/no (default no): clinical care is over, the patient waits for onward care
fit_days       days since medically fit (>= 0, at most days_in_node); required when fit
onward         where the medically fit patient goes next: a service, or an exit such as
               ``home``, that the node routes the patient's cohort to; required when fit
waiting        yes/no (default no): waiting for a server at ``node``, not yet started
blocked        yes/no (default no): a medically fit patient whose discharge is arranged and
               who waits only for a place at ``onward`` (reached by a blocking route): it
               queues there from minute 0. No: its discharge is still being arranged, and on
               a route with a hold the rest of the hold is drawn (conditioned on fit_days)
=============  ===========================================================================

More patients in service at a queue node than it has servers is not an error: every
patient keeps its place, the node runs over capacity until enough of them leave, and
nobody new starts there until then. ``Census.notes`` says so, per node, for the
caller to report.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..eventlog import NO_DEST
from ..network import BOOKING, QUEUE, Network
from ..suggest import did_you_mean
from ..units import MINUTES_PER_DAY

__all__ = ["CENSUS_COLUMNS", "Census", "read_census", "write_census", "route_to", "waits_blocked", "IN_SERVICE",
           "FIT", "WAITING"]

CENSUS_COLUMNS = ("id", "node", "cohort", "days_in_node", "medically_fit", "fit_days", "onward", "waiting", "blocked")
IN_SERVICE, FIT, WAITING = 0, 1, 2
_YES, _NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class Census:
    """K census patients as arrays (times in minutes, nodes and cohorts as indices)."""

    state: np.ndarray    # (K,) int8 IN_SERVICE, FIT or WAITING
    node: np.ndarray     # (K,) int64
    cohort: np.ndarray   # (K,) int16
    spent: np.ndarray    # (K,) float64 minutes in the node so far
    fit_for: np.ndarray  # (K,) float64 minutes since medically fit (0 unless FIT)
    onward: np.ndarray   # (K,) int64 destination code (node >= 0, exit < 0; NO_DEST unless FIT)
    ids: tuple[str, ...] = ()
    label: str = ""
    notes: tuple[str, ...] = field(default=())
    blocked: np.ndarray | None = None  # (K,) bool: FIT, hold over, queued at onward (None: nobody)

    def is_blocked(self, k: int) -> bool:
        return self.blocked is not None and bool(self.blocked[k])

    def __len__(self) -> int:
        return len(self.node)


def _fail(path, row, col, name, message):
    raise ConfigError(message, file=str(path), line=row, column=col, path=name)


def _suggest(name: str, names) -> str:
    return did_you_mean(name, names) or f"; expected one of {', '.join(names)}"


def _days(text, path, row, col, name) -> float:
    try:
        x = float(text)
    except ValueError:
        _fail(path, row, col, name, f"expected a number of days, found {text!r}")
    if not math.isfinite(x) or x < 0:
        _fail(path, row, col, name, f"expected a number of days >= 0, found {text!r}")
    return x


def _flag(text, path, row, col, name) -> bool:
    t = text.strip().lower()
    if t in _YES:
        return True
    if t in _NO:
        return False
    _fail(path, row, col, name, f"expected yes or no, found {text!r}")


def _header(rows, path):
    if not rows or not any(c.strip() for c in rows[0]):
        _fail(path, 1, 1, "header", "expected a header row and one row per patient, found an empty file")
    header = [c.strip() for c in rows[0]]
    for j, name in enumerate(header):
        if name not in CENSUS_COLUMNS:
            _fail(path, 1, j + 1, name, f"unknown column {name!r}{_suggest(name, CENSUS_COLUMNS)}")
    for name in ("node", "days_in_node"):
        if name not in header:
            _fail(path, 1, 1, name, f"expected a column {name!r}, found columns {', '.join(header)}")
    if len(rows) < 2:
        _fail(path, 2, 1, "rows", "expected at least one patient row, found only the header")
    return {name: j for j, name in enumerate(header)}


def _node(text, net, path, row, col, name) -> int:
    if text not in net.node_names:
        _fail(path, row, col, name, f"unknown node {text!r}{_suggest(text, net.node_names)}")
    return net.node_names.index(text)


def route_to(net: Network, node: int, cohort: int, dest: int) -> int:
    """The route a medically fit patient at ``node`` takes to destination code ``dest``, or -1.

    Of several routes to ``dest`` (home at once, or home after a hold) the first with a
    hold is taken, then the first blocking one: a patient still in its bed after it was
    medically fit is in a hold or blocked, never on a route that leaves at once.
    """
    a = int(net.route_start[node, cohort])
    rs = [r for r in range(a, a + int(net.route_len[node, cohort])) if net.route_dest[r] == dest]
    for pick in ([r for r in rs if net.route_has_hold[r]], [r for r in rs if net.route_block[r]], rs):
        if pick:
            return pick[0]
    return -1


def waits_blocked(net: Network, node: int, r: int, dest: int) -> bool:
    """Whether a medically fit patient at ``node`` whose onward care is ``dest`` by route ``r``
    waits for it blocked, keeping its bed: a blocking route to a queue or delay node (a booking
    request, or a patient at a booking node, does not keep a server while it waits)."""
    return bool(net.route_block[r]) and dest >= 0 and net.kind[dest] != BOOKING and net.kind[node] != BOOKING


def _onward(text, node, cohort, net, path, row, col) -> int:
    """The destination code of a medically fit patient's onward care, a route of its node."""
    names = list(net.node_names) + list(net.exit_names)
    if text not in names:
        _fail(path, row, col, "onward", f"unknown service or exit {text!r}{_suggest(text, names)}")
    dest = net.node_names.index(text) if text in net.node_names else -(1 + net.exit_names.index(text))
    if route_to(net, node, cohort, dest) < 0:
        a = int(net.route_start[node, cohort])
        ok = [net.dest_name(int(d)) for d in net.route_dest[a:a + int(net.route_len[node, cohort])]]
        _fail(path, row, col, "onward", f"expected where {net.node_names[node]} sends {net.cohorts[cohort]} "
                                        f"patients ({', '.join(ok)}), found {text!r}")
    return dest


def _row(cells, cols, net, path, row):
    """(state, node, cohort, spent, fit_for, onward, blocked) of one patient row."""
    def cell(name):
        j = cols.get(name)
        return (cells[j].strip() if j is not None and j < len(cells) else ""), (j or 0) + 1

    text, col = cell("node")
    node = _node(text, net, path, row, col, "node")
    text, col = cell("cohort")
    if text == "" and len(net.cohorts) > 1:
        _fail(path, row, col, "cohort", f"expected a cohort (one of {', '.join(net.cohorts)}), found none")
    if text != "" and text not in net.cohorts:
        _fail(path, row, col, "cohort", f"unknown cohort {text!r}{_suggest(text, net.cohorts)}")
    cohort = net.cohorts.index(text) if text else 0
    text, col = cell("days_in_node")
    spent = _days(text, path, row, col, "days_in_node")
    text, col = cell("medically_fit")
    fit = _flag(text, path, row, col, "medically_fit")
    text, col = cell("waiting")
    waiting = _flag(text, path, row, col, "waiting")
    if fit and waiting:
        _fail(path, row, cell("waiting")[1], "waiting", "a medically fit patient has started; found waiting yes")
    fit_for, onward = 0.0, NO_DEST
    if fit:
        text, col = cell("fit_days")
        if text == "":
            _fail(path, row, col, "fit_days", "expected the days since medically fit, found none")
        fit_for = _days(text, path, row, col, "fit_days")
        if fit_for > spent:
            _fail(path, row, col, "fit_days", f"expected at most days_in_node ({spent:g}), found {text!r}")
        text, col = cell("onward")
        if text == "":
            _fail(path, row, col, "onward", "expected the service the patient waits for, found none")
        onward = _onward(text, node, cohort, net, path, row, col)
    text, col = cell("blocked")
    blocked = _flag(text, path, row, col, "blocked")
    if blocked and not (fit and waits_blocked(net, node, route_to(net, node, cohort, onward), onward)):
        _fail(path, row, col, "blocked", "expected a medically fit patient whose onward service its node reaches by "
                                         "a blocking route; found blocked yes")
    state = FIT if fit else WAITING if waiting else IN_SERVICE
    return state, node, cohort, spent * MINUTES_PER_DAY, fit_for * MINUTES_PER_DAY, onward, blocked


def _over_capacity(node, state, net, label) -> tuple[str, ...]:
    """What happens at queue nodes holding more census patients than servers."""
    notes = []
    held = np.bincount(node[state != WAITING], minlength=net.n_nodes)
    for n in np.flatnonzero(held):
        cap = int(net.capacity[n, 0])
        if net.kind[n] == QUEUE and held[n] > cap:
            notes.append(f"{label}: node {net.node_names[n]}: {held[n]} patients in service, {cap} servers; "
                         f"all keep their place, the node runs {held[n] - cap} over capacity and nobody new "
                         f"starts there until occupancy falls below {cap}")
    return tuple(notes)


def read_census(path, net: Network) -> Census:
    """Read a census CSV for ``net``.

    Parameters
    ----------
    path : str or Path
    net : Network
        The model the census belongs to (node and cohort names).

    Returns
    -------
    Census

    Raises
    ------
    ConfigError
        Unknown columns, nodes or cohorts, negative or malformed numbers, an empty file:
        the message names the file, row (line) and column.
    """
    path = Path(path)
    if net.population is not None or net.readmit is not None:
        # census rows carry no person, age band or return draws yet (issue 8's attributes)
        raise ConfigError("a warm start does not support a model with a population or readmissions yet; "
                          "run it from empty with a warm-up", file=str(path))
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise ConfigError(f"cannot read the census file: {e.strerror or e}", file=str(path)) from None
    cols = _header(rows, path)
    out, ids = [], []
    for i, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) > len(cols):
            _fail(path, i, len(cols) + 1, "row", f"expected {len(cols)} cells, found {len(cells)}")
        out.append(_row(cells, cols, net, path, i))
        ids.append(cells[cols["id"]].strip() if "id" in cols and cols["id"] < len(cells) else str(len(ids)))
    state, node, cohort, spent, fit_for, onward, blocked = (np.array(c) for c in zip(*out))
    state, node = state.astype(np.int8), node.astype(np.int64)
    return Census(state=state, node=node, cohort=cohort.astype(np.int16), spent=spent.astype(np.float64),
                  fit_for=fit_for.astype(np.float64), onward=onward.astype(np.int64), ids=tuple(ids),
                  label=str(path), notes=_over_capacity(node, state, net, str(path)), blocked=blocked.astype(bool))


def write_census(path, census: Census, net: Network) -> None:
    """Write ``census`` as a CSV that ``read_census`` reads back (days to 6 decimals, ~0.1 s)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CENSUS_COLUMNS)
        for k in range(len(census)):
            fit = census.state[k] == FIT
            w.writerow([census.ids[k] if census.ids else k, net.node_names[census.node[k]],
                        net.cohorts[census.cohort[k]], f"{census.spent[k] / MINUTES_PER_DAY:.6f}",
                        "yes" if fit else "no", f"{census.fit_for[k] / MINUTES_PER_DAY:.6f}" if fit else "",
                        net.dest_name(int(census.onward[k])) if fit else "",
                        "yes" if census.state[k] == WAITING else "no", "yes" if census.is_blocked(k) else "no"])
