"""How much memory a run will need, estimated before it starts, and the refusal of a
run that cannot fit.

A replication's memory is dominated by arrays sized by its patients (P) and by the
visits they make: the draws keep a few numbers per patient (arrival, source, cohort,
how the draws name it (its rank in it), and with interventions the thinning and eligibility
uniforms, drawn when an intervention in use first reads them) and none per visit
(randomness contract v2: per-visit draws are computed where they are read, ``draws``
module docstring; the key tables are per node x source x cohort, a few KB). The loop's
per-patient state has a row per slot, for the patients in the system at once
(``slots_for``: Little's law with a margin; ``engines._slots``), not per patient; it, the
sums the loop keeps as it runs (with the waits, one per visit, for the quantiles) and,
when kept, its event log (one row per node visit) come on top. So

    bytes ~ P x (PER_PATIENT + [PER_THIN + PER_DRAW x interventions] + PER_LOOP_PATIENT)
            + slots x (PER_SLOT [+ PER_STREAMED_SLOT])
            + waits x PER_WAIT                                  (measured as the loop runs)
            + log rows x PER_LOG_ROW                            (a run keeping its log)
            + people x PER_PERSON + P x 16 x return columns      (a population; readmissions)
            (and PROCESS, the imports, per process)

A model the loop cannot measure as it runs (``streamed.streamable``: readmissions, a
population, assessments) keeps its log whatever was asked, and is estimated so.

with P the expected arrivals (rates x horizon) and visits the expected node visits of
the routing chain (route probabilities, each source's cohort mix; overflow,
interventions and readmissions left out). The constants are the bytes the
code allocates (``draws``, ``engines.compiled``, ``streamed``), checked against
measured peaks in tests/test_memory_estimate.py and benchmarks/README.md; the
estimate errs high.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .distributions import dist_mean
from .errors import UsageError
from .network import QUEUE, Network
from .streamed import streamable

__all__ = ["Estimate", "estimate_replication", "expected_in_system", "slots_for", "heap_room", "available_bytes",
           "check_memory", "return_columns_for"]

PER_DRAW = 8               # one uniform drawn up front per patient: float64 (an intervention's eligibility)
PER_PATIENT = 20           # draws: arrival, key << 32 | rank (8 each), source, cohort (2 each)
PER_THIN = 8               # the thinning uniform: drawn only for a model with interventions
PER_PERSON = 40            # a registered population: 4 arrays a person, and temporaries (``attributes``)
PER_LOOP_PATIENT = 0       # the loop reads the draws' own per-patient arrays (``Draws.drow`` too)
PER_HEAP = 24              # a heap entry of the loop: time, sequence number, payload
# a slot of the loop's state: S (18 int64), F (9 float64), free stack, order, two heap entries
PER_SLOT = 18 * 8 + 9 * 8 + 2 * 8 + 2 * PER_HEAP
PER_STREAMED_SLOT = 24     # the sums' per-slot ED arrivals (2 float64) and last node, admitted (2 int32)
SLOT_MARGIN = 2.0          # slots per patient expected in the system (waits, holds beyond the means, peaks)
SLOT_SPARE = 1024          # and a few more: tiny models (a warm start's census comes on top)
PER_WAIT = 12              # a wait kept for the quantiles (int32 node, float64 minutes); 1.25 x the visits
PER_WAIT_MEASURED = 33     # and while measured (``metrics._waits``): the order (8), one node's waits gathered,
                           # masked, kept and partitioned (<= 25: all of them at one node)
PER_LOG_ROW = 59           # the loop's log row, in the EventLog's dtypes (its columns, cut to length in place)
PROCESS = 200 * 2**20      # numpy, numba, the compiled loop, flowsim: ~132 MiB resident before a replication (errs high)


@dataclass(frozen=True)
class Estimate:
    """What one replication is expected to hold at its peak."""

    patients: float   # expected arrivals over the horizon
    visits: float     # expected node visits
    bytes: float      # peak bytes of the replication's arrays (the process's own ~200 MB apart)


def expected_patients(net: Network) -> float:
    """Expected arrivals of all sources in [0, horizon) (rates are per minute by hour, repeating)."""
    per_hour = net.source_rate.sum(axis=0) * 60.0
    period = len(per_hour) * 60.0
    whole, rest = divmod(float(net.horizon), period)
    part = int(rest // 60.0)
    return float(whole * per_hour.sum() + per_hour[:part].sum() + (rest - 60.0 * part) / 60.0 * per_hour[part % len(per_hour)])


def _routing(net: Network, s: int) -> np.ndarray:
    """(N, N) probability that a patient of source ``s`` goes from node n to node m next
    (route probabilities weighted by the source's cohort mix)."""
    N, C = net.route_start.shape
    mix = np.diff(np.concatenate(([0.0], net.source_cohort_cum[s])))
    Q = np.zeros((N, N))
    for n in range(N):
        for c in range(C):
            a, k = int(net.route_start[n, c]), int(net.route_len[n, c])
            p = np.diff(np.concatenate(([0.0], net.route_cum[a:a + k])))
            for d, pd in zip(net.route_dest[a:a + k], p):
                if d >= 0:
                    Q[n, int(d)] += mix[c] * pd
    return Q


def _series(Q: np.ndarray, E: np.ndarray, tol: float = 1e-9, most: int = 200_000) -> np.ndarray:
    """X = (I - Q)^-1 E as the sum E + Q E + Q^2 E + ... (Q substochastic: it converges; a
    cycle nobody leaves stops at ``most`` terms, and the engine's own limits apply).

    Summed rather than solved: a threaded LAPACK solve of a 120-node chain took ~0.3 s
    on a busy 2-core machine; these products take milliseconds.
    """
    X, term = E.astype(float).copy(), E.astype(float)
    for _ in range(most):
        term = Q @ term
        X += term
        if not term.size or term.max() <= tol * max(1.0, X.max()):
            break
    return X


def _visits(net: Network, patients: float) -> float:
    """Expected node visits of ``patients`` arrivals.

    From the routing chain's fundamental matrix F = (I - Q)^-1 (it is absorbing: routes
    end at exits), per cohort mix of the sources: F[entry] are the visits per patient.
    Only those rows are computed (``_series``).
    """
    N = net.n_nodes
    rate = net.source_rate.sum(axis=1)
    share = rate / rate.sum() if rate.sum() > 0 else np.zeros_like(rate)
    total = 0.0
    mixes = {}
    for s in range(len(net.source_to)):
        mixes.setdefault(tuple(net.source_cohort_cum[s]), []).append(s)
    for srcs in mixes.values():
        Q = _routing(net, srcs[0])
        entries = [int(net.source_to[s]) for s in srcs]
        rows = _series(Q.T, np.eye(N)[:, entries]).T                          # F[entry, :]
        for s, v in zip(srcs, np.clip(rows, 0.0, None)):
            total += share[s] * float(v.sum())
    return patients * max(total, 1.0)


def expected_visits(net: Network, patients: float) -> float:
    """Expected node visits of ``patients`` arrivals (see ``_visits``)."""
    return _visits(net, patients)


def _node_visits(net: Network) -> np.ndarray:
    """(N,) expected visits to each node per arrival (the routing chain's F[entry, :], as ``_visits``)."""
    N = net.n_nodes
    rate = net.source_rate.sum(axis=1)
    share = rate / rate.sum() if rate.sum() > 0 else np.zeros_like(rate)
    out = np.zeros(N)
    for s in range(len(net.source_to)):
        row = _series(_routing(net, s).T, np.eye(N)[:, [int(net.source_to[s])]])[:, 0]
        out += share[s] * np.clip(row, 0.0, None)
    return out


def _stay_per_visit(net: Network) -> np.ndarray:
    """(N,) mean minutes a visit keeps the patient in the system: the mean duration and the mean
    hold of the route it takes, over the sources' cohort mix (waits left out)."""
    N, C = net.dur_code.shape
    rate = net.source_rate.sum(axis=1)
    share = rate / rate.sum() if rate.sum() > 0 else np.zeros_like(rate)
    mix = share @ np.diff(np.concatenate((np.zeros((len(share), 1)), net.source_cohort_cum), axis=1), axis=1)
    emp = (net.emp_values, net.emp_cum)
    hold = np.array([dist_mean(int(net.route_hold_code[r]), net.route_hold_params[r], *emp) if net.route_has_hold[r]
                     else 0.0 for r in range(len(net.route_dest))])
    out = np.zeros(N)
    for n in range(N):
        for c in range(C):
            a, k = int(net.route_start[n, c]), int(net.route_len[n, c])
            p = np.diff(np.concatenate(([0.0], net.route_cum[a:a + k])))
            out[n] += mix[c] * (dist_mean(int(net.dur_code[n, c]), net.dur_params[n, c], *emp) + p @ hold[a:a + k])
    return out


def return_columns_for(net: Network, patients: float, first: int = 2, most: int = 64) -> int:
    """The return columns a replication's draws start with (``draws``, ``Draws.extend_returns``):
    enough that, by expectation, no patient of ``patients`` arrivals needs one more.

    Returns form a branching process: a patient leaves an ``after`` node A times per arrival
    (the routing chain's visits, an upper bound: every exit counted) and returns with probability
    at most ``pmax`` each time; a return walks in at ``readmit.to`` and reaches ``after`` nodes B
    times, so it makes q = pmax x B returns of its own. The patients needing column K (return
    K + 1) are about patients x A x pmax x q^K; the columns are the first K >= ``first`` with that
    below 1/2 (``most`` when q >= 1). More columns never change a number (each is its own stream,
    ``attributes.return_columns``); too few make the compiled loop run the replication again.
    """
    rd = net.readmit
    if rd is None or patients <= 0:
        return first
    pmax = float(np.max(rd.p_band)) * float(np.max(rd.scale, initial=1.0))
    after = np.asarray(rd.after, dtype=bool)
    A = float(_node_visits(net)[after].sum())
    N = net.n_nodes
    B = max(float(_series(_routing(net, s).T, np.eye(N)[:, [rd.to]])[after, 0].sum())
            for s in range(len(net.source_to)))
    q = pmax * B
    if q >= 1.0:
        return most
    need, K = patients * A * pmax, first
    while K < most and need * q ** K >= 0.5:
        K += 1
    return K


def expected_in_system(net: Network, patients: float) -> float:
    """Patients expected in the system at once over a run of ``patients`` arrivals, by Little's
    law: the arrival rate (patients / horizon) x the mean time in the system (the node visits of
    the routing chain x their mean durations and holds; waits left out)."""
    if net.horizon <= 0 or patients <= 0:
        return 0.0
    return float(patients / net.horizon * (_node_visits(net) @ _stay_per_visit(net)))


def slots_for(net: Network, patients: float, n_census: int = 0) -> int:
    """The slots the compiled loop's per-patient state starts with (``engines.slot_room``): the
    patients expected in the system at once with a margin, plus a warm start's ``n_census``
    (all in the system at minute 0); never more than one per patient."""
    want = SLOT_MARGIN * expected_in_system(net, patients) + SLOT_SPARE + n_census
    return max(1, min(int(patients), int(want)))


def heap_room(net: Network) -> int:
    """The most events one event of the compiled loop can schedule: a few of its own, and the
    grants of up to three nodes' servers freed at once (its own, the one it kept, an assessor's;
    a roster change up to its highest level, escalation beds). The loop keeps that much room in
    its heap (``engines.slot_room``)."""
    queue = net.kind == QUEUE
    cap = int(net.capacity[queue].max()) if queue.any() else 0
    beds = int(net.escalation[:, 0].max()) if net.escalation is not None and len(net.escalation) else 0
    return 16 + 3 * (cap + beds)


def estimate_replication(net: Network, keep_log: bool = True) -> Estimate:
    """The peak bytes of one replication of ``net`` on the compiled engine (see the module
    docstring); ``keep_log`` False: a run measured as it runs, writing no event log."""
    keep_log = keep_log or not streamable(net)  # a model the loop cannot measure as it runs writes its log
    P = expected_patients(net)
    V = _visits(net, P)
    # the thinning and eligibility uniforms are drawn when first read: only by interventions in use
    n_iv = len(net.interventions.names) if net.interventions is not None and net.interventions.any_active else 0
    draws = P * (PER_PATIENT + (PER_THIN + PER_DRAW * n_iv if n_iv else 0))
    slots = slots_for(net, P)
    per_slot = PER_SLOT + 8 * int(net.revisit.sum()) + (0 if keep_log else PER_STREAMED_SLOT)
    if net.interventions is not None:
        per_slot += 4 * 8  # V
    waits = 1.25 * V * PER_WAIT
    loop = P * PER_LOOP_PATIENT + slots * per_slot + heap_room(net) * PER_HEAP + waits
    if not keep_log:  # after the loop, while its waits are measured: the loop's state is gone by then
        loop = max(loop, waits * (1 + PER_WAIT_MEASURED / PER_WAIT))
    if net.readmit is not None:  # the return draws' probability and columns, and counts per slot
        draws += P * (8 + 16 * return_columns_for(net, P))
        loop += slots * 8
    if net.population is not None:  # each person's band, risk, predicted risk and rank; each patient's person and band
        draws += net.population.size * PER_PERSON + P * 10
    if keep_log:
        log_rows = 3 * P if V <= 3 * P else 3 * 2 * V  # a full log is made again twice as big: old and new at once
        loop += log_rows * PER_LOG_ROW
    # + 2%: what the terms leave out (the metrics' arrays); measured peaks are 0.88-0.99 of the estimate
    # (default economy, ed_ward_reablement, raid; with and without a log)
    return Estimate(patients=P, visits=V, bytes=1.02 * float(draws + loop))


def _meminfo_available() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _cgroup_room() -> float | None:
    """The room left under a cgroup v2 memory limit (a container's), if there is one."""
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current") as f:
            return float(limit) - float(f.read().strip())
    except (OSError, ValueError):
        return None


def available_bytes() -> float | None:
    """Memory a new allocation can get without swapping: MemAvailable, or less under a
    container's limit; None where neither can be read (the check is then skipped).
    ``FLOWSIM_MEMORY_AVAILABLE`` (bytes) overrides both."""
    given = os.environ.get("FLOWSIM_MEMORY_AVAILABLE")
    if given:
        try:
            value = float(given)
        except ValueError:
            value = -1.0
        if not value >= 0:  # also refuses nan
            raise UsageError(f"expected a number of bytes >= 0, found {given!r}", argument="FLOWSIM_MEMORY_AVAILABLE")
        return value
    found = [x for x in (_meminfo_available(), _cgroup_room()) if x is not None]
    return min(found) if found else None


def _size(b: float) -> str:
    return f"{b / 2**30:.1f} GB" if b >= 2**30 else f"{b / 2**20:.0f} MB"


def check_memory(net: Network, workers: int = 1, keep_log: bool = True) -> Estimate:
    """Raise UsageError, before anything runs, when ``workers`` replications at once
    (each worker process also loading flowsim) are estimated not to fit in the memory
    available; return the estimate otherwise. ``keep_log`` False: the replications are
    measured as they run and write no event log (``estimate_replication``)."""
    est = estimate_replication(net, keep_log)
    need = workers * est.bytes + (PROCESS * workers if workers > 1 else 0)
    have = available_bytes()
    if have is not None and need > have:
        at_once = f"{workers} replications at once need {_size(need)}" if workers > 1 else f"needs {_size(need)}"
        raise UsageError(
            f"this run would not fit in memory: a replication of {est.patients:,.0f} patients and "
            f"{est.visits:,.0f} visits {at_once} (estimated), {_size(have)} is available; "
            f"shorten the horizon (--horizon), lower the arrival rates"
            + (", run fewer workers (--workers 1)" if workers > 1 else "")
            + " or use a machine with more memory", argument="memory")
    return est
