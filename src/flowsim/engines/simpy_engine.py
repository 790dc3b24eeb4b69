"""The reference engine: SimPy processes moving patients through a Network.

One process per patient, one source process feeding the pre-drawn arrivals and
one roster process per node whose capacity follows a schedule. Every random
number comes from ``Draws``; the engine only decides what happens when. The rules
it shares with the compiled loop (route choice, blocking, booking slots, roster
changes, scaling, avoided admissions) are in ``engines.rules`` and ``engines.effects``.

Semantics (docs/design.md, "Model semantics"):

- queue node: take a free server, or wait by (priority, arrival order). On arrival,
  if every server is busy and at least ``queue_limit`` patients already wait,
  a node with ``when_full`` sends the patient on at once (DIVERTED). A waiting
  patient with patience leaves when it runs out (RENEGED, to the exit
  ``left_without_being_seen``); patients holding a bed upstream never renege.
- booking node: the request takes the first free slot at or after its arrival;
  slots of a day are spread evenly from ``open_at`` to ``close_at``. If that slot
  is more than ``elsewhere_after`` away, the patient goes to ``elsewhere_to``
  with probability ``elsewhere_p`` (ELSEWHERE) and the slot stays free.
- delay node: service starts on arrival.
- after service the route is chosen with the patient's route uniform; a blocking
  route to a queue or delay node keeps the current server until the patient
  starts at the next node (a delayed discharge).
- a route with a ``hold`` (time to arrange the discharge): once the route is
  chosen the patient keeps its server for the drawn hold, then moves on as above
  (so with blocking it keeps it further until it starts at the next node). The
  log's ``end`` stays the clinical end; the next visit arrives at end + hold.

Interventions (``Network.interventions``, ``engines.effects``): a patient thinned on
arrival never enters; a patient's bit mask of interventions scales its durations
(``Effects.duration``) and holds (``Effects.hold``) and makes its route decisions
(``Effects.route``, the same uniform with and without the intervention).

- assessment: after service at node n, a patient of cohort c with
  ``assess_of[n, c] = i`` keeps n's server and queues at ``assess_by[i]`` (FIFO by
  priority, no patience, no when_full). It is logged there as a visit with
  ``prev = n`` and ``dest = n``, arriving at the end of service at n. If it
  started within ``within[i]`` of that moment, bit i joins the mask. Then n's
  route decision is made with n's route uniform, and n's server is released (or
  kept, on a blocking route) as after any service.
- assessment during the stay (``referred_after``, ``Effects.during_of``): a patient
  whose referral time ``draws.referral(i, p, j)`` falls inside its service at n keeps
  its bed (logged as a kept server, clinical end unknown) and is assessed as above
  at the referral; if timely, bit i joins the mask and the rest of the service is
  scaled by ``Effects.duration`` with bit i alone. The service then ends at start +
  referral + rest (or at the end of the assessment if later), and the route
  decision is made as after an assessment at the end of service.

Blocked waits that end another way (``Network.give_up``): a patient that keeps its
server upstream on a blocking route r with a give_up and has to queue at the next
node waits at most the minutes of ``draws.give_up(r, p, j)`` (j its visit upstream), then leaves the
queue (OTHER_ROUTE), frees its server and goes to the destination it also gives.

Readmissions (``engines.returns``): a patient leaving a node by an exit may come
back after a drawn time, as the same patient, by a new process that waits for
it and walks in at ``readmit.to`` with ``prev = -1``, its mask and visit
numbering unchanged.

Warm start (``warmstart.CensusDraws``): census patients are patients 0 .. K-1, arriving
at minute 0 before any source patient (``census_enter``). One in service takes its
server, beyond capacity if need be, with ``arrive = start = -days_in_node``; its stay
ends after its visit-0 duration (drawn conditioned on the time spent; no intervention
rescales it). One medically fit keeps its bed, blocked, and arrives at its onward
node; one waiting just arrives.

Escalation beds (``Network.escalation``) open and close in the ``ServerPool``
(``engines.servers``); the openings go to ``EventLog.meta["escalation"]``.

Ties: events at the same minute run in the order SimPy scheduled them.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from ..draws import Draws
from ..eventlog import (DIVERTED, ELSEWHERE, IN_SYSTEM, NO_DEST, OTHER_ROUTE, RENEGED, SERVED, EventLog,
                        EventLogBuilder)
from ..network import BOOKING, DELAY, NO_NODE, QUEUE, Network
from ..warmstart.census_file import FIT, WAITING
from . import rules
from .effects import Effects
from .escalation import escalation_meta
from .returns import Returns
from .rules import choose_route
from .servers import ServerPool
from .simpy_state import Booking, PatientState

__all__ = ["run_simpy"]

NAN = math.nan
_GONE = object()  # admit: the patient left the system where it arrived


class _Engine:
    def __init__(self, net: Network, draws: Draws):
        self.env = simpy.Environment()
        self.net = net
        self.draws = draws
        self.log = EventLogBuilder(capacity=max(1024, 3 * draws.n_patients))
        esc = net.escalation
        self.pools = [ServerPool(self.env, int(net.capacity[n, 0]),
                                 tuple(esc[n].tolist()) if esc is not None and esc[n, 0] > 0 else None)
                      if net.kind[n] == QUEUE else None for n in range(net.n_nodes)]
        self.bookings = [Booking(net.slots[n], net.open_at[n], net.close_at[n]) if net.kind[n] == BOOKING
                         else None for n in range(net.n_nodes)]
        self.visits: dict[tuple[int, int], int] = {}
        self.state: dict[int, PatientState] = {}
        self.lwbs = -(1 + net.exit_names.index("left_without_being_seen"))
        # the network's tables as plain Python lists: indexing numpy scalars in the hot loop is slow
        for name in ("kind", "full_to", "queue_limit", "priority", "has_patience", "revisit", "route_start",
                     "route_len", "route_dest", "route_cum", "route_block"):
            setattr(self, name, getattr(net, name).tolist())
        self.route_hold = net.route_has_hold.tolist()
        self.give_up = net.give_up.has.tolist() if net.give_up is not None else [False] * len(self.route_dest)
        self.cohort = draws.cohort.tolist()
        self.eff = Effects(net, draws, float(net.warm_up), float(net.horizon))
        self.returns = Returns(net, draws)
        self.n_census = getattr(draws, "n_census", 0)  # a warm start (warmstart.census_draws)

    # --------------------------------------------------------------- processes
    def source(self):
        env = self.env
        entry = self.net.source_to.tolist()
        src = self.draws.source.tolist()
        eff = self.eff
        for p, t in enumerate(self.draws.arrive.tolist()):
            yield env.timeout(t - env.now)
            if eff.on and eff.thinned_by(p, t) >= 0:
                continue
            env.process(self.patient(p, entry[src[p]]))

    def roster(self, n: int):
        env, cap, pool = self.env, self.net.capacity[n].tolist(), self.pools[n]
        P = len(cap)  # hour h of the run is column h % P (a week, or the run's calendar)
        h = 0
        while True:
            h = rules.next_change(cap, h)
            yield env.timeout(h * 60.0 - env.now)
            pool.set_capacity(cap[h % P])

    def visit_number(self, p: int, node: int) -> int:
        if not self.revisit[node]:
            return 0
        key = (p, node)
        j = self.visits.get(key, 0)
        self.visits[key] = j + 1
        return j

    def comeback(self, p: int, after: float, mask: int, seq: int):
        """A readmission: patient p returns ``after`` minutes from now, as itself."""
        yield self.env.timeout(after)
        yield from self.patient(p, self.returns.to, mask, seq)

    def patient(self, p: int, node: int, mask: int = -1, seq: int = -1):
        env, draws, eff = self.env, self.draws, self.eff
        c = self.cohort[p]
        prev = -1
        if mask < 0:  # a new arrival (a readmission keeps its mask)
            mask = eff.start(p) if eff.on else 0
        st = PatientState(node, seq)
        self.state[p] = st
        begun = False
        if p < self.n_census:
            node, prev, begun = self.census_enter(p, st)
        while node >= 0:
            arrive = env.now
            j = self.visit_number(p, node)
            st.node, st.prev, st.arrive, st.start, st.end = node, prev, arrive, NAN, NAN
            st.seq += 1
            seq = st.seq
            census_stay = begun
            if begun:  # in service since before minute 0: its server is taken, the rest of its stay follows
                begun = False
                arrive = start = st.arrive = draws.census_since[p]
            else:
                start, to = yield from self.admit(p, c, node, prev, arrive, j, seq, st)
                if to is _GONE:
                    return
                if to is not None:  # moved on unserved
                    prev, node = node, to
                    continue
            st.start = start
            dur = draws.duration(node, p, j)
            if mask and not census_stay:  # interventions change care that starts in the run
                dur = eff.duration(node, c, mask, dur, start)
            w = -1
            if eff.on and eff.during_of[node][c] >= 0:
                w, timely = yield from self.stay(p, c, node, j, dur, st)
                mask |= (1 << w) if timely else 0
            else:
                yield env.timeout(dur)
            end = env.now
            i = -1  # the intervention assessing the patient at the end of this service
            if not eff.on:
                r = choose_route(self.route_cum, self.route_start[node][c], self.route_len[node][c],
                                 draws.route_u(node, p, j))
                dest = self.route_dest[r]
            else:
                i = eff.assess_of[node][c] if w < 0 else w
                if w >= 0:
                    st.held_end = end  # assessed during the stay, which has now ended
                elif i >= 0:
                    st.keep(node, prev, arrive, start, end, NO_DEST, seq)  # keeps its server meanwhile
                    timely = yield from self.assess(p, c, node, i, st)
                    if timely:
                        mask |= 1 << i
                r, dest = eff.route(node, c, mask, draws.route_u(node, p, j), end, self.room, p)
            if i >= 0:
                yield from self.leave_kept(p, c, node, j, r, dest, mask, st)
            else:
                if self.route_hold[r]:  # the server is kept while the discharge is arranged
                    st.end = end
                    h = draws.hold(r, p, j)
                    yield env.timeout(eff.hold(node, c, mask, h, end) if mask else h)
                self.leave(p, c, node, prev, arrive, start, end, seq, j, r, dest, st)
            prev, node = node, dest
        self.release_held(p, c, st, env.now, node)
        del self.state[p]
        if self.returns.on:
            back = self.returns.after_leaving(p, prev, node, mask)
            if back >= 0:
                env.process(self.comeback(p, back, mask, st.seq))

    def admit(self, p: int, c: int, node: int, prev: int, arrive: float, j: int, seq: int, st: PatientState):
        """The patient arrives at ``node`` and waits for its service to start.

        Returns (start, None) when service starts; (NAN, destination) when it moves on
        unserved (diverted when full, gone elsewhere, a blocked wait given up); (NAN,
        _GONE) when it leaves the system here (reneged, or a booking node without slots).
        """
        k = self.kind[node]
        if k == DELAY:
            self.release_held(p, c, st, arrive, node)
            return arrive, None
        if k != QUEUE:
            return (yield from self.book(p, c, node, prev, arrive, j, seq, st))
        pool = self.pools[node]
        to = self.full_to[node]
        if to != NO_NODE and pool.busy >= pool.capacity and pool.waiting >= self.queue_limit[node]:
            self.log.add(p, c, node, prev, arrive, NAN, NAN, arrive, DIVERTED, to, seq)
            return NAN, to
        if not pool.try_acquire():
            entry = pool.enqueue(self.priority[node][c])
            if self.has_patience[node] and st.held < 0:
                timer = self.env.timeout(self.draws.patience(node, p, j))
                yield entry[2] | timer
                if not entry[2].triggered:
                    pool.cancel(entry)
                    self.log.add(p, c, node, prev, arrive, NAN, NAN, self.env.now, RENEGED, self.lwbs, seq)
                    del self.state[p]
                    return NAN, _GONE
            elif st.held >= 0 and st.give_up_after < math.inf:
                if (yield from self.wait_or_give_up(p, c, node, prev, arrive, seq, entry, st)):
                    return NAN, st.give_up_to
            else:
                yield entry[2]
        start = self.env.now
        self.release_held(p, c, st, start, node)
        return start, None

    def book(self, p: int, c: int, node: int, prev: int, arrive: float, j: int, seq: int, st: PatientState):
        """A request at booking ``node``: takes the first free slot, or goes elsewhere (as ``admit``)."""
        book = self.bookings[node]
        day, i, slot_t = book.first_free(arrive)
        if slot_t - arrive > self.net.elsewhere_after[node] and self.net.elsewhere_p[node] > 0 and \
                self.draws.elsewhere_u(node, p, j) < self.net.elsewhere_p[node]:
            to = int(self.net.elsewhere_to[node])
            self.log.add(p, c, node, prev, arrive, NAN, NAN, arrive, ELSEWHERE, to, seq)
            return NAN, to
        self.release_held(p, c, st, arrive, node)
        if math.isinf(slot_t):
            return NAN, _GONE  # a node with no slots at all: the request is never served
        book.take(day, i)
        yield self.env.timeout(slot_t - arrive)
        return slot_t, None

    def leave(self, p: int, c: int, node: int, prev: int, arrive: float, start: float, end: float, seq: int,
              j: int, r: int, dest: int, st: PatientState) -> None:
        """The end of a visit on route r to ``dest`` (after any hold): the server is
        released, or kept on a blocking route (a delayed discharge)."""
        k = self.kind[node]
        # a visit at a booking node has no server to keep; most routes do not block, and
        # asking that first spares them the call (the hot path of every service end)
        if k != BOOKING and self.route_block[r] and rules.blocks(True, dest, self.kind):
            st.keep(node, prev, arrive, start, end, dest, seq)
            self.blocked_on(st, r, p, j)
        else:
            self.log.add(p, c, node, prev, arrive, start, end, self.env.now, SERVED, dest, seq)
            if k == QUEUE:
                self.pools[node].release()

    def leave_kept(self, p: int, c: int, node: int, j: int, r: int, dest: int, mask: int, st: PatientState):
        """As ``leave`` for a visit whose server is already kept (it was assessed)."""
        st.held_dest = dest
        if self.route_hold[r]:
            st.node = -1  # only the kept server remains to censor
            yield self.env.timeout(self.eff.hold(node, c, mask, self.draws.hold(r, p, j), self.env.now))
        if not rules.blocks(self.route_block[r], dest, self.kind):
            self.release_held(p, c, st, self.env.now, dest)
        else:
            self.blocked_on(st, r, p, j)

    def wait_or_give_up(self, p: int, c: int, node: int, prev: int, arrive: float, seq: int, entry: list, st: PatientState):
        """A blocked patient waits in ``node``'s queue at most ``st.give_up_after``; True if the wait
        ended another way (logged OTHER_ROUTE, the kept server freed; it goes to ``st.give_up_to``)."""
        env = self.env
        yield entry[2] | env.timeout(st.give_up_after)
        if entry[2].triggered:
            return False
        self.pools[node].cancel(entry)
        self.log.add(p, c, node, prev, arrive, NAN, NAN, env.now, OTHER_ROUTE, st.give_up_to, seq)
        self.release_held(p, c, st, env.now, st.give_up_to)
        return True

    def blocked_on(self, st: PatientState, r: int, p: int, j: int) -> None:
        """The patient keeps its server on blocking route r: note when its wait ends another way."""
        if self.give_up[r]:
            st.give_up_after, st.give_up_to = self.draws.give_up(r, p, j)
        else:
            st.give_up_after = math.inf

    def census_enter(self, p: int, st: PatientState) -> tuple[int, int, bool]:
        """A census patient at minute 0: takes its server (beyond capacity if need be) and
        returns (node to go on at, previous node, in service). A medically fit patient
        keeps its bed, blocked, and goes on to its onward node; a waiting one just arrives."""
        d = self.draws
        n = int(d.census_node[p])
        state = int(d.census_state[p])
        if state == WAITING:
            return n, -1, False
        if self.kind[n] == QUEUE:
            self.pools[n].force_acquire()
        if state != FIT:
            return n, -1, True  # the loop numbers the visit and logs it
        j = self.visit_number(p, n)
        st.seq += 1
        since = float(d.census_since[p])
        st.keep(n, -1, since, since, float(d.census_fit_at[p]), int(d.census_onward[p]), st.seq)
        if d.census_route[p] >= 0:  # starts blocked: its wait may end another way (a give_up)
            self.blocked_on(st, int(d.census_route[p]), p, j)
        return int(d.census_onward[p]), n, False

    def room(self, n: int) -> bool:
        """A free server at queue node n and nobody waiting (for diversions)."""
        pool = self.pools[n]
        return pool.busy < pool.capacity and pool.waiting == 0

    def assess(self, p: int, c: int, at: int, i: int, st: PatientState):
        """Assessment of patient p at ``assess_by[i]`` after service at ``at``; True if timely."""
        env, eff = self.env, self.eff
        by = eff.assess_by[i]
        referral = env.now
        j = self.visit_number(p, by)
        st.node, st.prev, st.arrive, st.start = by, at, referral, NAN
        st.seq += 1
        pool = self.pools[by]
        if not pool.try_acquire():
            yield pool.enqueue(self.priority[by][c])[2]
        start = st.start = env.now
        yield env.timeout(self.draws.duration(by, p, j))
        self.log.add(p, c, by, at, referral, start, env.now, env.now, SERVED, at, st.seq)
        pool.release()
        st.node, st.start = at, NAN
        return start - referral <= eff.within[i]

    def stay(self, p: int, c: int, node: int, j: int, dur: float, st: PatientState):
        """Service of ``dur`` at ``node`` with a referral during it (``referred_after``).

        Returns (intervention, timely), or (-1, False) when the stay ends before the
        referral. A referred patient keeps its bed (logged like a kept server), is
        assessed, and on a timely assessment the rest of the stay is scaled."""
        env, eff = self.env, self.eff
        w = eff.during_of[node][c]
        ref = self.draws.referral(w, p, j)
        start = st.start
        if not ref < dur:
            yield env.timeout(dur)
            return -1, False
        yield env.timeout(ref)
        st.keep(node, st.prev, st.arrive, start, NAN, NO_DEST, st.seq)  # the bed is kept, the clinical end unknown
        timely = yield from self.assess(p, c, node, w, st)
        rest = dur - ref
        if timely:
            rest = eff.duration(node, c, 1 << w, rest, start + ref)
        st.node = -1  # only the kept bed remains to censor
        yield env.timeout(max(0.0, start + ref + rest - env.now))
        return w, timely

    def release_held(self, p: int, c: int, st: PatientState, t: float, at: int) -> None:
        """The patient has room at ``at`` (or left): free the bed it kept upstream."""
        held = st.held
        if held < 0:
            return
        self.log.add(p, c, held, st.held_prev, st.held_arrive, st.held_start, st.held_end, t, SERVED, st.held_dest,
                     st.held_seq)
        st.held = -1
        if self.kind[held] == QUEUE:
            self.pools[held].release()

    # --------------------------------------------------------------- horizon
    def censor(self) -> None:
        """Log every patient still in the system at the horizon (never dropped)."""
        for p in sorted(self.state):
            st = self.state[p]
            c = self.cohort[p]
            if st.held >= 0:
                self.log.add(p, c, st.held, st.held_prev, st.held_arrive, st.held_start, st.held_end, NAN, IN_SYSTEM,
                             NO_DEST, st.held_seq)
            if st.node >= 0:
                self.log.add(p, c, st.node, st.prev, st.arrive, st.start, st.end, NAN, IN_SYSTEM, NO_DEST, st.seq)


def run_simpy(net: Network, draws: Draws) -> EventLog:
    """Run one replication on SimPy.

    Parameters
    ----------
    net : Network
    draws : Draws
        The replication's random numbers (``make_draws``).

    Returns
    -------
    EventLog
        Rows of finished visits in the order they finished, then the patients
        still in the system at the horizon, by patient id.
    """
    eng = _Engine(net, draws)
    env = eng.env
    env.process(eng.source())
    for n in range(net.n_nodes):
        if net.kind[n] == QUEUE and net.scheduled[n]:
            env.process(eng.roster(n))
    env.run(until=net.horizon)
    eng.censor()
    n_arrived = (int(np.searchsorted(draws.arrive, net.horizon, side="left")) - eng.eff.thinned_total
                 - eng.n_census)  # census patients did not arrive from a source
    meta = {"engine": "simpy"}
    if eng.eff.names:
        meta["tally"] = eng.eff.tally()
    if net.escalation is not None:
        rows = [(n, t0, t1) for n, pool in enumerate(eng.pools) if pool is not None for t0, t1 in pool.esc_log]
        meta["escalation"] = escalation_meta(*(zip(*rows) if rows else ((), (), ())))
    return eng.log.build(horizon=net.horizon, patients=n_arrived, meta=meta)
