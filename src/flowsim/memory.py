"""How much memory a run will need, estimated before it starts, and the refusal of a
run that cannot fit.

A replication's memory is dominated by arrays sized by its patients (P) and by the
visits they make: the draws keep a few numbers per patient (arrival, source, cohort,
how the draws name it (its rank in it), and with interventions the thinning and eligibility
uniforms) and none per visit
(randomness contract v2: per-visit draws are computed where they are read, ``draws``
module docstring; the key tables are per node x source x cohort, a few KB). The loop's
per-patient state, the sums it keeps as it runs (with the waits, one per visit, for the
quantiles) and, when kept, its event log (one row per node visit) come on top. So

    bytes ~ P x (PER_PATIENT + [PER_THIN + PER_DRAW x interventions] + PER_LOOP_PATIENT)
            + waits x PER_WAIT                                  (measured as the loop runs)
            + log rows x PER_LOG_ROW + visits x PER_VISIT       (a run keeping its log)
            (and PROCESS, the imports, per process)

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

from .errors import UsageError
from .network import Network

__all__ = ["Estimate", "estimate_replication", "available_bytes", "check_memory"]

PER_DRAW = 8               # one uniform drawn up front per patient: float64 (an intervention's eligibility)
PER_PATIENT = 20           # draws: arrival, key << 32 | rank (8 each), source, cohort (2 each)
PER_THIN = 8               # the thinning uniform: drawn only for a model with interventions
PER_LOOP_PATIENT = 16 * 8 + 9 * 8 + 8 + 4  # loop state S (16 int64), F (9 float64), its rows, the heap
PER_STREAMED_PATIENT = 24  # the sums' per-patient ED arrivals (2 float64) and last node, admitted (2 int32)
PER_WAIT = 12              # a wait kept for the quantiles (int32 node, float64 minutes); 1.25 x the visits
PER_LOG_ROW = 88           # the loop's log row (7 int64, 4 float64); room for 3 rows a patient to start
PER_VISIT = 59             # the EventLog's row (engines.compiled copies the loop's rows into it)
PROCESS = 200 * 2**20      # numpy, numba, the compiled loop, flowsim: ~175 MB resident before a replication


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


def estimate_replication(net: Network, keep_log: bool = True) -> Estimate:
    """The peak bytes of one replication of ``net`` on the compiled engine (see the module
    docstring); ``keep_log`` False: a run measured as it runs, writing no event log."""
    P = expected_patients(net)
    V = _visits(net, P)
    n_iv = len(net.interventions.names) if net.interventions is not None else 0
    draws = P * (PER_PATIENT + (PER_THIN + PER_DRAW * n_iv if n_iv else 0))
    loop = P * (PER_LOOP_PATIENT + 8 * int(net.revisit.sum()) + PER_STREAMED_PATIENT) + 1.25 * V * PER_WAIT
    if net.readmit is not None:
        loop += P * (8 + 16 * 2 + 8)  # return draws (2 columns) and counts
    if net.population is not None:
        loop += P * 16  # each patient's person and band
    if keep_log:
        log_rows = 3 * P if V <= 3 * P else 3 * 2 * V  # a full log is made again twice as big: old and new at once
        loop += log_rows * PER_LOG_ROW + V * PER_VISIT
    # + 2%: what the terms leave out (the metrics' arrays); measured peaks are 0.94-0.98 of the estimate
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
