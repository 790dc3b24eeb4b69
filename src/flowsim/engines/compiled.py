"""The compiled engine: a Numba event loop with the semantics of the SimPy engine.

``run_compiled(net, draws)`` packs the Network and the replication's Draws into
plain arrays and runs ``_loop.run_loop``. It consumes the same draws as
``run_simpy`` (the randomness contract), so on a model without simultaneous events
both engines write the same event log: the same rows (row order may differ), with
times equal to within rounding.

Tie rule (both engines). Events are processed by (time, sequence number of
scheduling): of two events due at the same minute, the one scheduled first runs
first, as in SimPy's event queue. What a process does without waiting (a patient
finishing service, choosing a route, freeing its server and walking into the
next queue) happens at once, inside the event that woke it; a patient granted a
freed server resumes by a new event at the same minute, after the releasing
patient has moved on. The new arrival at a minute runs after the events of that
minute scheduled before the previous arrival ran; roster changes are events at
the hour, scheduled when the previous change ran. Events at the horizon itself
do not run. The compiled engine follows this rule with its own sequence numbers;
SimPy numbers some events it needs internally (process start, patience
conditions), so on models with simultaneous events (fixed durations, roster
changes on the hour) the two logs can differ in which of two tied patients goes
first, and the engines agree in distribution rather than row for row.

Holds (a route's ``hold``): the end of service is an EV_END event; if the chosen
route has a hold, an EV_HOLD event is scheduled at end + hold (at that moment, as
the SimPy engine's timeout) and resumes the EV_END logic with the stored route.
Tied with other events it runs by its sequence number like any other.

Interventions (``Network.interventions``) are applied as the SimPy engine applies
them (its module docstring, and ``engines.effects``), step for step: thinning on
arrival, duration scales at the start of service, the route decision with
route_scale or divert, and assessment (EV_AEND ends it; the patient keeps the
server of the assessing node meanwhile, and during a hold after it only that
server is censored at the horizon). The counts come back in
``EventLog.meta["tally"]`` in the shape of ``Effects.tally``.

Readmissions (``Network.readmit``, ``engines.returns``): when a patient leaves by an
exit, ``_returns._return_after`` decides whether it comes back and pushes its return as
an EV_RETURN (the same patient walks in at the return node, keeping
its interventions and visit numbering); a return column not drawn yet stops the
loop with NEED_EXTEND and detail -1, and ``Draws.extend_returns`` adds columns.

A warm start's census patients (``_loop._census_enter``) and escalation beds
(``_queues._escalate``, opened and closed at the same moments as ``ServerPool``'s) follow
the SimPy engine too; the openings come back in ``EventLog.meta["escalation"]``
(``engines.escalation``), and a full escalation log is enlarged like the others.

A full log, heap or booking calendar stops the loop with a status; the
replication is then run again from the start with more room. Draws are pure
functions of (seed, replication, stream, patient, visit), so the rerun is identical.
"""

from __future__ import annotations

import numpy as np

from ..codes import MAX_INTERVENTIONS
from ..draws import Draws
from ..eventlog import COLUMNS, EventLog
from ..memory import expected_visits, slots_for
from ..network import ACUTE, BOOKING, QUEUE, Network
from ..streamed import Streamed, new_tally
from ..units import MINUTES_PER_DAY
from . import _loop
from .effects import patient_effects
from .escalation import escalation_meta
from .slot_room import grown, heap_grown, heap_room

__all__ = ["run_compiled", "run_compiled_streamed"]


def _levels(net: Network) -> np.ndarray:
    """(N, C) priority level: the rank of each cohort's priority among a node's distinct priorities."""
    level = np.zeros(net.priority.shape, dtype=np.int64)
    for n in range(net.n_nodes):
        _, level[n] = np.unique(net.priority[n], return_inverse=True)
    return level


def _model(net: Network, draws: Draws) -> _loop.Model:
    i64 = np.int64
    rev_idx = np.full(net.n_nodes, -1, dtype=i64)
    rev_idx[net.revisit] = np.arange(int(net.revisit.sum()))
    mi = np.zeros((net.n_nodes, _loop.N_MI), dtype=i64)
    mi[:, _loop.KIND] = net.kind
    mi[:, _loop.SCHED] = net.scheduled
    mi[:, _loop.FULL_TO] = net.full_to
    mi[:, _loop.QLIMIT] = net.queue_limit
    mi[:, _loop.HAS_PAT] = net.has_patience
    mi[:, _loop.REV] = rev_idx
    mi[:, _loop.ELSE_TO] = net.elsewhere_to
    mi[:, _loop.BED] = net.bed
    mi[:, _loop.ACUTE_BED] = (net.setting == ACUTE) & net.bed
    mf = np.zeros((net.n_nodes, _loop.N_MF))
    mf[:, _loop.OPEN] = net.open_at
    mf[:, _loop.CLOSE] = net.close_at
    mf[:, _loop.ELSE_AFTER] = net.elsewhere_after
    mf[:, _loop.ELSE_P] = net.elsewhere_p
    return _loop.Model(
        mi=mi, mf=mf, cap_week=net.capacity.astype(i64), slots=net.slots.astype(i64), level=_levels(net),
        route_start=net.route_start.astype(i64), route_len=net.route_len.astype(i64),
        route_dest=net.route_dest.astype(i64), route_cum=net.route_cum.astype(np.float64),
        route_block=net.route_block.astype(i64),
        tab=draws.tables,
        # MEM: the draws' own int16 arrays, not int64 copies (16 bytes a patient)
        arrive=np.ascontiguousarray(draws.arrive, dtype=np.float64), cohort=np.ascontiguousarray(draws.cohort, np.int16),
        source=np.ascontiguousarray(draws.source, np.int16), entry=net.source_to.astype(i64),
        route_hold=net.route_has_hold.astype(i64), gu_has=_give_up_has(net),
        **_returns(net, draws), **_census(draws), drow=draws.drow,
    )


def _returns(net: Network, draws: Draws) -> dict:
    """The readmission part of the loop's Model (see ``_loop``; ``engines.returns``)."""
    i64 = np.int64
    rd = net.readmit
    if rd is None:
        return dict(rd_from=np.zeros(net.n_nodes, dtype=i64), rd_exit=np.zeros(len(net.exit_names), dtype=i64),
                    rd_i=np.array([-1, 1], dtype=i64), rd_p=np.zeros(1), rd_u=np.zeros(1), rd_t=np.zeros(1),
                    rd_scale=np.ones(1))
    return dict(rd_from=rd.after.astype(i64), rd_exit=rd.exit_ok.astype(i64),
                rd_i=np.array([rd.to, draws.ret_u.shape[1]], dtype=i64), rd_p=draws.ret_p.astype(np.float64),
                rd_u=np.ascontiguousarray(draws.ret_u, dtype=np.float64).ravel(),
                rd_t=np.ascontiguousarray(draws.ret_t, dtype=np.float64).ravel(),
                rd_scale=rd.scale.astype(np.float64))


def _census(draws: Draws) -> dict:
    """The census arrays of a warm start (``warmstart.CensusDraws``), empty on a cold start."""
    K = getattr(draws, "n_census", 0)
    if K == 0:
        return dict(cen_state=np.zeros(0, dtype=np.int64), cen_node=np.zeros(0, dtype=np.int64),
                    cen_since=np.zeros(0), cen_fit_at=np.zeros(0), cen_onward=np.zeros(0, dtype=np.int64),
                    cen_route=np.zeros(0, dtype=np.int64))
    return dict(cen_state=draws.census_state.astype(np.int64), cen_node=draws.census_node.astype(np.int64),
                cen_since=draws.census_since.astype(np.float64), cen_fit_at=draws.census_fit_at.astype(np.float64),
                cen_onward=draws.census_onward.astype(np.int64), cen_route=draws.census_route.astype(np.int64))




def _interventions(net: Network, draws: Draws) -> dict | None:
    """The model part of the loop's ``Interventions`` (see ``_loop``), or None when no
    intervention is active (the loop then runs its specialisation without them).

    Thinning and the mask on arrival depend only on the patient, so both engines take
    them from ``effects.patient_effects``; the loop only counts a thinning when the
    arrival runs.
    """
    i64 = np.int64
    iv = net.interventions
    names = iv.names if iv is not None else ()
    I = len(names)
    if I > MAX_INTERVENTIONS:
        raise ValueError(f"the compiled engine applies at most {MAX_INTERVENTIONS} interventions, found {I}")
    if iv is None or not iv.any_active:
        return None
    thin_by, start_mask = patient_effects(net, draws)
    ivi = np.full((I, _loop.N_IVI), -1, dtype=i64)
    ivi[:, _loop.DIV_FROM] = iv.divert_from
    ivi[:, _loop.DIV_TO] = iv.divert_to
    ivi[:, _loop.ASSESS_BY] = iv.assess_by
    return dict(start_mask=start_mask, thin_by=thin_by,
                route_of=iv.route_of.astype(i64), assess_of=iv.assess_of.astype(i64), ivi=ivi,
                within=iv.within.astype(np.float64), iv_cum=iv.route_cum.astype(np.float64),
                dscale=iv.dur_scale.astype(np.float64), win=np.array([float(net.warm_up), float(net.horizon)]),
                divert_of=iv.divert_of.astype(i64), eligible=iv.eligible.astype(np.float64),
                elig_u=np.ascontiguousarray(draws.eligible_u, dtype=np.float64), hscale=iv.hold_scale.astype(np.float64),
                during_of=iv.during_of.astype(i64), tab=draws.tables)


def _give_up_has(net: Network) -> np.ndarray:
    """(R,) 0/1: the routes with a give_up."""
    R = len(net.route_dest)
    return np.zeros(R, dtype=np.int64) if net.give_up is None else net.give_up.has.astype(np.int64)


def _state(net: Network, n_slots: int, log_cap: int, heap_cap: int, days: int, esc_cap: int) -> _loop.State:
    """Fresh per-slot and per-node state, every slot free (``_slots``); ``log_cap`` 0 for a run
    that writes no log."""
    N = net.n_nodes
    i64 = np.int64
    n_rev = max(1, int(net.revisit.sum()))
    L = max(1, max((len(np.unique(net.priority[n])) for n in range(N)), default=1))
    ns = np.zeros((N, _loop.N_NS), dtype=i64)
    ns[:, _loop.CAP] = np.where(net.kind == QUEUE, net.capacity[:, 0], 0)
    if net.escalation is not None:
        ns[:, _loop.ESC_BEDS:_loop.ESC_CLOSE + 1] = net.escalation
    ctr = np.zeros(_loop.N_CTR, dtype=i64)
    ctr[_loop.NFREE] = n_slots
    ctr[_loop.HROOM] = heap_room(net)
    # MEM: visit counts only for nodes on a cycle, return counts only with readmissions
    n_vis = n_slots if net.revisit.any() else 1
    return _loop.State(
        S=np.zeros((n_slots, _loop.N_INT), dtype=i64), F=np.full((n_slots, _loop.N_FLOAT), np.nan),
        visits=np.zeros((n_vis, n_rev), dtype=i64), ns=ns,
        qh=np.full((N, L), -1, dtype=i64), qt=np.full((N, L), -1, dtype=i64), taken=np.zeros((N, days), dtype=i64),
        ht=np.empty(heap_cap), hi=np.empty((heap_cap, 2), dtype=i64),
        li=_columns(_loop.LogInts, log_cap), lf=_columns(_loop.LogFloats, log_cap),
        ctr=ctr, ret_k=np.zeros(n_slots if getattr(net, "readmit", None) is not None else 1, dtype=i64),
        el=np.empty((esc_cap, 3)), free=np.arange(n_slots - 1, -1, -1, dtype=i64), order=np.empty(n_slots, dtype=i64),
    )


def _columns(kind, cap: int):
    """Room for ``cap`` rows of the log's columns ``kind`` (``_loop.LogInts`` or ``LogFloats``),
    each an array of its own in the EventLog's dtype (``eventlog.COLUMNS``)."""
    return kind(*(np.empty(max(1, cap), dtype=COLUMNS[name]) for name in kind._fields))


def _iv_state(ivm: dict | None, n_slots: int, I: int) -> _loop.Interventions | None:
    """The loop's ``Interventions``: the model part ``ivm``, fresh tallies and ``n_slots`` rows of V, or None."""
    if ivm is None:
        return None
    V = np.zeros((n_slots, _loop.N_V), dtype=np.int64)
    V[:, _loop.ASSESS] = -1
    return _loop.Interventions(**ivm, V=V, tally_i=np.zeros((I, 2), dtype=np.int64), tally_f=np.zeros(I),
                               tally_h=np.zeros(I))


def run_compiled(net: Network, draws: Draws, slots: int | None = None) -> EventLog:
    """Run one replication on the compiled engine.

    Parameters
    ----------
    net : Network
    draws : Draws
        The replication's random numbers (``make_draws``); the per-visit ones are
        computed as the loop reads them (``draw_tables``), as in the SimPy engine.
    slots : int, optional
        Slots the loop's per-patient state starts with (``engines.slot_room``; default from
        Little's law). More are added when they run out; the result does not depend on it.

    Returns
    -------
    EventLog
        The same rows as ``run_simpy`` (see the module docstring for ties); rows
        of finished visits in the order they finished, then the patients still in
        the system at the horizon, by patient id.
    """
    s, iv, _, meta, n_arrived = _run(net, draws, None, slots)
    return _eventlog(net, s, meta, n_arrived)


def run_compiled_streamed(net: Network, draws: Draws, keep_log: bool = False,
                          slots: int | None = None) -> tuple[Streamed, EventLog | None]:
    """Run one replication on the compiled engine, measuring as it runs (``flowsim.streamed``).

    Only for a model ``streamed.streamable`` accepts. Returns the sums that
    ``stream_metrics.measure_streamed`` turns into metrics, and the event log when
    ``keep_log`` (the same rows ``run_compiled`` writes), else None; ``slots`` as ``run_compiled``.
    """
    s, iv, tl, meta, n_arrived = _run(net, draws, keep_log, slots)
    st = Streamed.of(tl, net.horizon, n_arrived, meta)
    return st, (_eventlog(net, s, meta, n_arrived) if keep_log else None)


def _run(net: Network, draws: Draws, keep_log: bool | None, slots: int | None = None):
    """Run the loop until it fits; ``keep_log`` None: log only, else measure as it runs and
    write the log if True; ``slots`` the slots to start with (None: ``memory.slots_for``).
    Returns (state, interventions, tally, meta, patients arrived)."""
    P = draws.n_patients
    n_slots = slots or slots_for(net, P, getattr(draws, "n_census", 0))
    log_cap = max(1024, 3 * P)
    wait_cap = _wait_room(net, P)
    heap_cap = _heap_cap(net, n_slots)
    days = int(net.horizon // MINUTES_PER_DAY) + 16
    if not (net.kind == BOOKING).any():
        days = 1  # no booking node: no calendar
    esc_cap = 64 if net.escalation is not None else 1
    m, ivm = _model(net, draws), _interventions(net, draws)
    names = net.interventions.names if net.interventions is not None else ()
    lwbs = -(1 + net.exit_names.index("left_without_being_seen"))
    while True:
        s = iv = tl = None  # MEM: a run made again drops the old state before the new one is made
        s = _state(net, n_slots, 0 if keep_log is False else log_cap, heap_cap, days, esc_cap)
        iv = _iv_state(ivm, n_slots, len(names))
        tl = None if keep_log is None else new_tally(net, n_slots, wait_cap, keep_log)
        status = _loop.run_loop(m, s, iv, tl, float(net.horizon), lwbs)
        while status in (_loop.SLOTS_FULL, _loop.HEAP_LOW):  # more room, and on from where it stopped
            if status == _loop.SLOTS_FULL:
                s, iv, tl = grown(s, iv, tl)
            else:
                s = heap_grown(s)
            s.ctr[_loop.STATUS] = _loop.OK
            status = _loop.run_loop(m, s, iv, tl, float(net.horizon), lwbs)
        n_slots, heap_cap = s.S.shape[0], len(s.ht)  # a run made again from the start keeps the room found
        if status == _loop.OK:
            break
        if status == _loop.NEED_EXTEND:  # a return column
            draws.extend_returns()
            m = _model(net, draws)
        elif status == _loop.LOG_FULL:  # the log or the waits
            log_cap *= 2
            wait_cap *= 2
        elif status == _loop.HEAP_FULL:
            heap_cap *= 2
        elif status == _loop.DAYS_FULL:
            days *= 2
        elif status == _loop.ESC_FULL:
            esc_cap *= 4
        else:  # pragma: no cover
            raise RuntimeError(f"compiled engine: unknown status {status}")
    n_arrived = (int(np.searchsorted(draws.arrive, net.horizon, side="left")) - int(s.ctr[_loop.THINNED])
                 - getattr(draws, "n_census", 0))  # census patients did not arrive from a source
    return s, iv, tl, _meta(net, s, iv, names), n_arrived


def _heap_cap(net: Network, n_slots: int) -> int:
    """The heap's first size. MEM: pending events are about the patients in the system (one
    each, and renege timers left by those served before their patience ran out), not P // 8;
    ``slot_room.heap_grown`` adds room as needed."""
    return heap_room(net) + 2 * net.n_nodes + 2 * n_slots + 64


def _wait_room(net: Network, P: int) -> int:
    """Room for the waits a streamed run keeps (one per visit that starts service, of the visits
    arriving in the window): the expected visits (``memory.expected_visits``) with a margin.
    MEM: not 3 per patient, as the log; a run that needs more is run again with twice the room."""
    share = (net.horizon - net.warm_up) / net.horizon if net.horizon > 0 else 1.0
    return 4096 + int(1.25 * share * expected_visits(net, P))


def _meta(net: Network, s: _loop.State, iv, names) -> dict:
    """The run's intervention tallies and escalation openings, as ``EventLog.meta``."""
    meta = {"engine": "compiled"}
    if names:  # the same shape as Effects.tally
        I = len(names)
        tally_i = iv.tally_i if iv is not None else np.zeros((I, 2), dtype=np.int64)
        tally_f = iv.tally_f if iv is not None else np.zeros(I)
        tally_h = iv.tally_h if iv is not None else np.zeros(I)
        meta["tally"] = {"interventions": list(names),
                         "avoided_admissions": tally_i[:, _loop.T_ADM].tolist(),
                         "avoided_attendances": tally_i[:, _loop.T_ATT].tolist(),
                         "bed_days_saved": tally_f.tolist(), "delayed_bed_days_saved": tally_h.tolist()}
    if net.escalation is not None:
        el = s.el[:int(s.ctr[_loop.ESC_ROWS])]
        meta["escalation"] = escalation_meta(el[:, 0].astype(np.int64), el[:, 1], el[:, 2])
    return meta


def _eventlog(net: Network, s: _loop.State, meta: dict, n_arrived: int) -> EventLog:
    """The EventLog of the loop's first ctr[ROWS] rows: its columns are the loop's own, cut to
    that length in place (``ndarray.resize`` shrinks the block, no copy), so ``s`` must not be
    run again."""
    n = int(s.ctr[_loop.ROWS])
    cols = {**s.li._asdict(), **s.lf._asdict()}
    for col in cols.values():
        # PERF: no copy of ~59 bytes a row (~2-5 ms on the perf anchors' chain, 161k rows), and
        # the room past the rows goes back to the allocator
        col.resize(n, refcheck=False)
    return EventLog(**cols, horizon=net.horizon, patients=n_arrived, meta=meta)
