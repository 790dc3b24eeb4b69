"""What the compiled loop measures as it runs, instead of (or as well as) writing the event log.

A stage beside ``eventlog``: the compiled engine fills a ``Tally`` (arrays the loop
adds to, ``engines._tally``) and returns a ``Streamed``; ``flowsim.stream_metrics``
turns it into the same metrics ``metrics.measure`` computes from an event log.

Which runs can stream (``streamable``): every model except those using a feature
whose metrics need a patient's visits joined after the run: assessments (an
intervention's ``assessment``, the visit after it is not linked to the assessor),
readmissions (``readmissions_30d`` joins a patient's stays), a warm start's census
and a population (``age_band.*`` and ``target.*`` need each patient's band and person),
and interventions with a price per patient (``ledger._iv_patient_rows``). Those
keep the event-log path, as does every run that asks for its log (``--events``,
``outputs: {events: true}``, a series, the HTML report's replication 0) and the
SimPy engine.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

from .network import ACUTE, ED, Network
from .units import MINUTES_PER_DAY

__all__ = ["Tally", "Streamed", "streamable", "new_tally", "tally_views"]

# per node sums (Tally.na): rows at the node; of visits arriving in the window: arrivals,
# diverted, reneged, still waiting, other route, wait sum / count / count > 0, waits up to
# the start or horizon in the first and last quarter (sum, count); started in the window,
# visits booked on whole days of the window, service time of finished services (sum, count),
# server-minutes held, delayed minutes (bed nodes), deaths, activity cost, delayed minutes x
# the price of a bed day, and unmet-demand cost
(A_ROWS, A_ARR, A_DIV, A_REN, A_STILL, A_OTHER, A_WSUM, A_WN, A_WPOS, A_Q1S, A_Q1N, A_Q4S, A_Q4N, A_SERVED,
 A_BOOKED, A_SVCS, A_SVCN, A_BUSY, A_DEL, A_DEATHS, A_COST, A_DCOST, A_UNMET) = range(23)
N_A = 23
# per cohort (Tally.cf): admissions, attendances, breaches, bed minutes, delayed minutes, deaths,
# cost attributed to its rows (capacity shares apart: Tally.chold)
C_ADM, C_ATT, C_BREACH, C_BED, C_DEL, C_DEATHS, C_COST = range(7)
N_C = 7
# totals (Tally.tot): ED attendances, breaches, censored, twelve-hour waits, twelve hours from
# the decision to admit, admissions
T_ATT, T_BREACH, T_CENS, T_TWELVE, T_DTA, T_ADM = range(6)
N_T = 6
# per patient: floats (Tally.pe) arrival of its open ED attendance, and of the one its kept
# bed belongs to; ints (Tally.pi) node of its last visit, whether its acute stay is admitted
EDARR, HEDARR = range(2)
LASTN, ADMD = range(2)
# window and constants (Tally.win): [lo, hi), first and end whole day, ED attendance price,
# a quarter of the window
W_LO, W_HI, W_D0, W_D1, W_EDCOST, W_Q = range(6)
# prices per node (Tally.price): per day held, per visit started, per reneged visit, per
# visit sent unserved to an exit, per admission, per delayed minute
P_DAY, P_VISIT, P_LWBS, P_DIV, P_ADM, P_DELAY = range(6)
N_P = 6

# Packed (Tally.fs, Tally.ix): every per-row sum and constant lives in one float64 and one int64
# array, and the named fields are views of them (for Python and the loop's inlined tallies).
# PERF: the loop's real call to ``_tally._row`` passes each array as its fields (a 2-D array is
# 9 machine words), so handing it the 17 arrays of the tuple copied ~140 words at each of ~150k
# rows of the chain; five arrays (fs, ix, pe, wn, wv) are ~40.
# fs: win | price | na | cf | chold | od | tot. ix: the wait count (wk), where each block
# starts (X_PRICE ... X_TOT, X_DEATH; X_ED, X_BED, X_ACUTE flags of N nodes), and N, C, N + E.
(X_WK, X_N, X_C, X_OD_W, X_PRICE, X_NA, X_CF, X_CHOLD, X_OD, X_TOT, X_ED, X_BED, X_ACUTE, X_DEATH) = range(14)
N_X = 14

Tally = namedtuple("Tally", ["win", "ed", "bed", "acute", "death", "price", "na", "cf", "chold", "od", "tot", "pe", "pi",
                             "wn", "wv", "wk", "keep", "fs", "ix"])


def streamable(net: Network, n_census: int = 0) -> bool:
    """Whether a compiled run of ``net`` (with ``n_census`` census patients) can measure its metrics
    as it runs (module docstring)."""
    if net.readmit is not None or n_census > 0 or net.population is not None:
        return False
    iv = net.interventions
    if iv is not None and iv.any_active:
        act = np.asarray(iv.active, dtype=bool)
        if (np.asarray(iv.assess_by)[act] >= 0).any() or np.asarray(iv.during)[act].any():
            return False
        if net.prices is not None and (np.asarray(net.prices.iv_per_patient)[act] > 0).any():
            return False
    return True


def _prices(net: Network) -> np.ndarray:
    pr = net.prices
    out = np.zeros((net.n_nodes, N_P))
    out[:, P_DAY] = net.cost_per_day
    out[:, P_VISIT] = net.cost_per_visit
    day_price = np.asarray(net.cost_per_day, dtype=np.float64)
    if pr is not None:
        out[:, P_LWBS] = pr.lwbs_price
        out[:, P_DIV] = pr.diverted_price
        out[:, P_ADM] = pr.per_admission
        day_price = day_price + pr.cap_price
    out[:, P_DELAY] = day_price / MINUTES_PER_DAY
    return out


def new_tally(net: Network, n_patients: int, rows: int, keep_log: bool) -> Tally:
    """Empty sums for a run of ``n_patients`` with room for ``rows`` waits (the loop stops with
    LOG_FULL when they are used up; ``engines.compiled`` sizes them by the expected visits)."""
    lo, hi = float(net.warm_up), float(net.horizon)
    d0 = int(np.ceil(lo / MINUTES_PER_DAY))
    d1 = max(d0, int(np.floor(hi / MINUTES_PER_DAY)))
    N, C, E = net.n_nodes, len(net.cohorts), len(net.exit_names)
    death = net.exit_is_death
    if death is None:
        death = np.array([e == "died" for e in net.exit_names], dtype=bool)
    sizes = [6, N * N_P, N * N_A, C * N_C, C * N, N * (N + E), N_T]  # win, price, na, cf, chold, od, tot
    fs = np.zeros(sum(sizes))
    ix = np.zeros(N_X + 3 * N + E, dtype=np.int64)
    ix[[X_N, X_C, X_OD_W]] = N, C, N + E
    ix[X_PRICE:X_TOT + 1] = np.cumsum(sizes)[:-1]
    ix[[X_ED, X_BED, X_ACUTE, X_DEATH]] = N_X, N_X + N, N_X + 2 * N, N_X + 3 * N
    v = tally_views(fs, ix)
    win, ed, bed, acute, dead, price = v[:6]
    win[:] = lo, hi, d0, d1, float(net.cost_ed_attendance), (hi - lo) / 4.0
    price[:] = _prices(net)
    ed[:], bed[:] = net.setting == ED, net.bed
    acute[:], dead[:] = (net.setting == ACUTE) & net.bed, death
    return Tally(
        *v, pe=np.zeros((n_patients, 2)), pi=np.full((n_patients, 2), -1, dtype=np.int32),
        # MEM: node numbers as int32 (a network has far fewer than 2**31 nodes)
        wn=np.zeros(rows, dtype=np.int32), wv=np.zeros(rows), wk=ix[X_WK:X_WK + 1],
        keep=np.array([1 if keep_log else 0], dtype=np.int64), fs=fs, ix=ix,
    )


def tally_views(fs: np.ndarray, ix: np.ndarray):
    """The named blocks of the packed sums ``fs`` and constants ``ix`` (``new_tally``), as views:
    (win, ed, bed, acute, death, price, na, cf, chold, od, tot)."""
    N, C, W = ix[X_N], ix[X_C], ix[X_OD_W]
    E = W - N
    return (fs[0:6], ix[ix[X_ED]:ix[X_ED] + N], ix[ix[X_BED]:ix[X_BED] + N], ix[ix[X_ACUTE]:ix[X_ACUTE] + N],
            ix[ix[X_DEATH]:ix[X_DEATH] + E], fs[ix[X_PRICE]:ix[X_NA]].reshape((N, N_P)),
            fs[ix[X_NA]:ix[X_CF]].reshape((N, N_A)), fs[ix[X_CF]:ix[X_CHOLD]].reshape((C, N_C)),
            fs[ix[X_CHOLD]:ix[X_OD]].reshape((C, N)), fs[ix[X_OD]:ix[X_TOT]].reshape((N, W)),
            fs[ix[X_TOT]:ix[X_TOT] + N_T])


@dataclass
class Streamed:
    """A compiled replication's sums (``Tally`` arrays, trimmed), with what an EventLog carries
    besides its rows: ``horizon``, ``patients`` and ``meta`` (tallies, escalation)."""

    na: np.ndarray
    cf: np.ndarray
    chold: np.ndarray
    od: np.ndarray
    tot: np.ndarray
    wait_node: np.ndarray
    wait: np.ndarray
    horizon: float
    patients: int
    meta: dict = field(default_factory=dict)

    @classmethod
    def of(cls, tl: Tally, horizon: float, patients: int, meta: dict) -> "Streamed":
        k = int(tl.wk[0])
        # MEM: views, not copies made while the loop's per-patient state is still alive
        return cls(tl.na, tl.cf, tl.chold, tl.od, tl.tot, tl.wn[:k], tl.wv[:k], float(horizon), int(patients), meta)
