"""The state the SimPy engine keeps besides SimPy's own: a booking node's slot calendar and
a patient's current visit and kept server (``simpy_engine``)."""

from __future__ import annotations

import math

from ..eventlog import NO_DEST
from . import rules

__all__ = ["Booking", "PatientState"]

NAN = math.nan


class Booking:
    """The slot calendar of one booking node."""

    __slots__ = ("slots", "open_at", "close_at", "taken")

    def __init__(self, slots, open_at, close_at):
        self.slots = [int(s) for s in slots]
        self.open_at = float(open_at)
        self.close_at = float(close_at)
        self.taken: dict[int, int] = {}

    def first_free(self, t: float) -> tuple[int, int, float]:
        """(day, slot index, slot minute) of the first free slot at or after ``t``."""
        return rules.first_free(self.slots, self.open_at, self.close_at, self.taken, t)

    def take(self, day: int, i: int) -> None:
        self.taken[day] = i + 1


class PatientState:
    """A patient's state: its current visit and the visit whose server it keeps upstream.

    ``node`` < 0: no current visit to censor (only the kept server, during a hold);
    ``held`` < 0: no server kept upstream.
    """

    __slots__ = ("node", "prev", "arrive", "start", "end", "seq",
                 "held", "held_prev", "held_arrive", "held_start", "held_end", "held_dest", "held_seq",
                 "give_up_after", "give_up_to")

    def __init__(self, node: int, seq: int):
        self.node, self.prev, self.arrive, self.start, self.end = node, -1, NAN, NAN, NAN
        self.seq = seq  # of the current visit
        self.held, self.held_prev, self.held_arrive, self.held_start, self.held_end = -1, -1, NAN, NAN, NAN
        self.held_dest, self.held_seq = NO_DEST, -1
        # a blocked wait ends another way after give_up_after minutes (inf: never), to give_up_to
        self.give_up_after, self.give_up_to = math.inf, NO_DEST

    def keep(self, node: int, prev: int, arrive: float, start: float, end: float, dest: int, seq: int) -> None:
        """The visit (node, ..., seq) keeps its server until the patient has room at ``dest``."""
        self.held, self.held_prev, self.held_arrive, self.held_start = node, prev, arrive, start
        self.held_end, self.held_dest, self.held_seq = end, dest, seq
