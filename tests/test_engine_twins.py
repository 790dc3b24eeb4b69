"""Each numba-free rule both engines follow against its compiled twin, on random inputs.

``engines.rules``, ``engines.effects`` and ``engines.returns`` are what the SimPy engine runs; the compiled
loop (``engines._loop`` and its modules) has an ``@njit`` twin of each (stumpy style: a kernel tested against a
plain version).
Every pair is called on the same seeded random inputs and must give the same answer,
exactly: the twins do the same floating-point operations in the same order.

Not here, because their compiled side is inline in ``_loop.run_loop`` and not callable
on its own: the blocking predicate at the end of a service (its other twin,
``_leave_kept``, is tested here), the diversion of a full queue, and the elsewhere
rule of a booking node (engine-equivalence tests cover them).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

from flowsim import build_network, make_draws
from flowsim.config.scenarios import load_scenario
from flowsim.engines import _calendar, _heap, _interventions, _loop, _returns, _visits, compiled, rules
from flowsim.engines.effects import Effects, patient_effects
from flowsim.network import BOOKING, DELAY, QUEUE
from flowsim.targeting import eligible_bits

TRIALS = 400


def _rng(k: int) -> np.random.Generator:
    return np.random.default_rng(20261130 + k)


# ------------------------------------------------------------------ route choice
def test_choose_route_twins():
    rng = _rng(1)
    N, C = 5, 3
    start = np.zeros((N, C), dtype=np.int64)
    length = rng.integers(1, 5, size=(N, C)).astype(np.int64)
    cum = []
    for n in range(N):
        for c in range(C):
            start[n, c] = len(cum)
            p = rng.dirichlet(np.ones(length[n, c]))
            cs = np.cumsum(p)
            cs[-1] = rng.choice([1.0, 1.0 - 1e-12])  # rounding can leave the last just below 1
            cum.extend(cs)
    cum = np.array(cum)
    for _ in range(TRIALS):
        n, c = int(rng.integers(N)), int(rng.integers(C))
        u = float(rng.choice([rng.random(), cum[rng.integers(len(cum))], 1.0 - 1e-13]))  # edges too
        want = _visits._choose_route(start, length, cum, n, c, u)
        assert rules.choose_route(cum.tolist(), int(start[n, c]), int(length[n, c]), u) == want


# ------------------------------------------------------------------ booking slots
def test_first_free_twins():
    rng = _rng(2)
    for _ in range(TRIALS // 4):
        N, D = 3, int(rng.choice([7, 30]))
        slots = rng.integers(0, 6, size=(N, D)) * (rng.random((N, D)) < 0.6)
        slots[0] = 0  # a node without slots
        mf = np.zeros((N, _loop.N_MF))
        mf[:, _loop.OPEN] = rng.uniform(0, 600, N)
        mf[:, _loop.CLOSE] = mf[:, _loop.OPEN] + rng.uniform(60, 800, N)
        taken = rng.integers(0, 7, size=(N, 400)).astype(np.int64)
        ctr = np.zeros(_loop.N_CTR, dtype=np.int64)
        n, t = int(rng.integers(N)), float(rng.uniform(0, 200 * 1440))
        want = _calendar._first_free(mf, slots.astype(np.int64), taken, ctr, n, t)
        got = rules.first_free(slots[n].tolist(), float(mf[n, _loop.OPEN]), float(mf[n, _loop.CLOSE]),
                               {d: int(k) for d, k in enumerate(taken[n]) if k or rng.random() < 0.5}, t)
        assert ctr[_loop.STATUS] == _loop.OK and got == want



def test_day_of_is_floor_division_at_and_around_midnights():
    """``_calendar._day_of`` (no float floor division in the loop) is ``int(t // 1440)`` exactly:
    random minutes, every midnight of ~3 years and the doubles either side of each."""
    rng = _rng(3)
    midnights = np.arange(0.0, 1100 * 1440.0, 1440.0)
    ts = np.concatenate([rng.uniform(0, 1e7, 2000), midnights, np.nextafter(midnights, -np.inf),
                         np.nextafter(midnights, np.inf), [5e-324, 1440.0 * 2 ** 40 - 0.5]])
    assert [_calendar._day_of(float(t)) for t in ts] == [int(t // 1440.0) for t in ts]

# ------------------------------------------------------------------ roster changes
def test_next_change_twins():
    rng = _rng(3)
    for _ in range(TRIALS // 4):
        P = int(rng.choice([168, 24 * 31]))
        cap = rng.choice([2, 3, 5], size=(2, P)).astype(np.int64)
        cap[1] = 4
        cap[1, int(rng.integers(P))] = 6  # one change a period: the search wraps round
        for n in (0, 1):
            h = int(rng.integers(0, 3 * P))
            assert rules.next_change(cap[n].tolist(), h) == _calendar._next_change(cap, n, h)


# ------------------------------------------------------------------ duration scaling
def test_scaled_twins():
    rng = _rng(4)
    I, N, C = 5, 4, 2
    for _ in range(TRIALS):
        dscale = rng.choice([1.0, 0.5, 0.8, 1.25, 0.3], size=(I, N, C))
        mi = np.zeros((N, _loop.N_MI), dtype=np.int64)
        mi[:, _loop.BED] = rng.integers(0, 2, N)
        lo = float(rng.uniform(0, 3000))
        win = np.array([lo, lo + rng.uniform(0, 20000)])
        n, c, mask = int(rng.integers(N)), int(rng.integers(C)), int(rng.integers(0, 1 << I))
        d, start = float(rng.exponential(5000)), float(rng.uniform(0, 25000))
        tally_c, tally_p = np.zeros(I), [0.0] * I
        want = _interventions._scaled(mi, dscale, win, tally_c, n, c, mask, d, start)
        factors = [(i, float(dscale[i, n, c])) for i in range(I) if dscale[i, n, c] != 1.0]
        got = rules.scaled(factors, mask, d, start, bool(mi[n, _loop.BED]), float(win[0]), float(win[1]), tally_p)
        assert got == want and tally_p == tally_c.tolist()


# ------------------------------------------------------------------ avoided admissions
def test_avoided_twins():
    rng = _rng(5)
    N, I = 6, 3
    for _ in range(TRIALS):
        mi = np.zeros((N, _loop.N_MI), dtype=np.int64)
        mi[:, _loop.ACUTE_BED] = rng.integers(0, 2, N)
        win = np.sort(rng.uniform(0, 1000, 2))
        tally = np.zeros((I, 2), dtype=np.int64)
        i, node = int(rng.integers(I)), int(rng.integers(N))
        d0, d1 = (int(x) for x in rng.integers(-3, N, 2))  # exits are < 0
        t = float(rng.uniform(0, 1000))
        _interventions._avoided(mi, win, tally, i, node, d0, d1, t)
        got = rules.avoided(mi[:, _loop.ACUTE_BED].astype(bool).tolist(), node, d0, d1, t, *win.tolist())
        assert bool(got) == (tally[i, _loop.T_ADM] == 1) and tally.sum() == int(bool(got))


# ------------------------------------------------------------------ a real model's interventions
@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """The tiny model of conftest with route scaling, diversion, thinning and shorter stays on."""
    from conftest import TINY
    p = tmp_path_factory.mktemp("twins") / "tiny.yaml"
    p.write_text(TINY.replace("horizon: 40 days", "horizon: 20 days"))
    cfg = load_scenario(p, "baseline")
    cfg = cfg.model_copy(update={"active_interventions": ["raid", "social_worker", "shorter_stays",
                                                          "prevention"]})
    net = build_network(cfg)
    draws = make_draws(net, 3, 1)
    ivm = compiled._interventions(net, draws)
    iv = compiled._iv_state(ivm, draws.n_patients, len(net.interventions.names))
    return net, draws, iv


def test_thinning_and_start_masks_against_a_per_patient_reference(model):
    """``patient_effects`` (vectorised, both engines) against the rule read one patient at a time."""
    net, draws, _ = model
    iv = net.interventions
    thin_by, start = patient_effects(net, draws)
    ok = eligible_bits(net, draws)
    act = [i for i in range(len(iv.names)) if iv.active[i]]
    base = sum(1 << i for i in act if iv.assess_by[i] < 0)
    for p in range(draws.n_patients):
        s, c, u, keep, want = draws.source[p], draws.cohort[p], draws.thin_u[p], 1.0, -1
        for i in act:
            share = iv.thin_share[i][s, c]
            if share > 0.0 and (ok[p] >> i) & 1:
                keep *= 1.0 - share
                if u < 1.0 - keep:
                    want = i
                    break
        assert thin_by[p] == want and start[p] == base & int(ok[p])
    assert 0 < (thin_by >= 0).sum() < draws.n_patients  # the model thins some


def test_thinned_twins(model):
    net, draws, iv = model
    eff = Effects(net, draws, float(net.warm_up), float(net.horizon))
    ctr = np.zeros(_loop.N_CTR, dtype=np.int64)
    rng = _rng(6)
    for p in rng.choice(draws.n_patients, 300, replace=False):
        t = float(draws.arrive[p])
        assert (eff.thinned_by(int(p), t) >= 0) == _interventions._thinned(iv, ctr, t, int(p))
    assert eff.thinned_total == ctr[_loop.THINNED] > 0
    assert eff.avoided_attendances == iv.tally_i[:, _loop.T_ATT].tolist()


def test_intervention_route_twins(model):
    """``Effects.route`` (route scaling, then diversion when the node has room) against
    ``_interventions._iv_route``, with random masks, uniforms, times, patients and queue states."""
    net, draws, iv = model
    iv.tally_i[:] = 0
    m = compiled._model(net, draws)
    eff = Effects(net, draws, float(net.warm_up), float(net.horizon))
    rng = _rng(7)
    act = [i for i in range(len(net.interventions.names)) if net.interventions.active[i]]
    N, C = net.n_nodes, len(net.cohorts)
    for _ in range(TRIALS):
        ns = np.zeros((N, _loop.N_NS), dtype=np.int64)
        ns[:, _loop.CAP] = rng.integers(1, 4, N)
        ns[:, _loop.BUSY] = rng.integers(0, 4, N)
        ns[:, _loop.NWAIT] = rng.integers(0, 2, N)
        node, c = int(rng.integers(N)), int(rng.integers(C))
        mask = sum(1 << i for i in act if rng.random() < 0.7)
        u, t, p = float(rng.random()), float(rng.uniform(0, net.horizon)), int(rng.integers(draws.n_patients))
        want = _interventions._iv_route(m.mi, m.route_start, m.route_len, m.route_dest, m.route_cum, iv, ns, node, c,
                                        mask, u, t, p)

        def room(n):
            return ns[n, _loop.BUSY] < ns[n, _loop.CAP] and ns[n, _loop.NWAIT] == 0
        assert eff.route(node, c, mask, u, t, room, p) == tuple(int(x) for x in want)
    assert eff.avoided_admissions == iv.tally_i[:, _loop.T_ADM].tolist()
    assert sum(eff.avoided_admissions) > 0  # the decisions that avoid one were reached


# ------------------------------------------------------------------ blocking
_Kept = namedtuple("_Kept", ["mi", "cohort", "route_block", "gu_has", "tab"])


def test_blocks_twins_leave_kept(model):
    """After an assessment the kept server is freed unless the route blocks: ``_leave_kept``
    keeps it exactly when ``rules.blocks`` says so, over random routes and destinations."""
    rng = _rng(8)
    N, R = 5, 12
    kinds = np.array([QUEUE, QUEUE, BOOKING, DELAY, QUEUE], dtype=np.int64)
    mi = np.zeros((N, _loop.N_MI), dtype=np.int64)
    mi[:, _loop.KIND] = kinds
    m = _Kept(mi=mi, cohort=np.zeros(1, dtype=np.int64), route_block=rng.integers(0, 2, R).astype(np.int64),
              gu_has=np.zeros(R, dtype=np.int64), tab=model[1].tables)  # no give_up: the tables are not read
    st = compiled._state(_FakeNet(kinds), 1, 64, 64, 1, 1)
    for _ in range(TRIALS // 4):
        r, dest = int(rng.integers(R)), int(rng.integers(-3, N))
        st.S[0, _loop.HELD], st.F[0, _loop.GU_AFTER], st.ctr[_loop.ROWS] = 0, np.nan, 0
        st.ns[0, _loop.BUSY] = 1
        _interventions._leave_kept(m, st.S, st.F, st.ns, st.qh, st.qt, st.ht, st.hi, st.ctr, st.el, st.li, st.lf, None,
                                   0, r, dest, 10.0)
        kept = st.S[0, _loop.HELD] == 0
        assert kept == rules.blocks(bool(m.route_block[r]), dest, kinds.tolist())
        assert kept == (st.F[0, _loop.GU_AFTER] == np.inf) and kept == (st.ctr[_loop.ROWS] == 0)


class _FakeNet:
    """The few fields ``compiled._state`` reads, for a network of these node kinds."""

    def __init__(self, kinds):
        N = len(kinds)
        self.n_nodes, self.kind = N, kinds
        self.revisit = np.zeros(N, dtype=bool)
        self.priority = np.zeros((N, 1), dtype=np.int64)
        self.capacity = np.ones((N, 1), dtype=np.int64)
        self.escalation = None


# ------------------------------------------------------------------ readmissions
def test_return_after_twins():
    """``Returns.after_leaving`` against ``_returns._return_after``: whether a discharge brings the
    patient back and when, with random leavers, nodes, exits and masks (case management on,
    so the probability is scaled by the masks' interventions)."""
    from flowsim.cli import default_config_path
    from flowsim.engines.returns import Returns

    cfg = load_scenario(default_config_path().parent / "population.yaml", "kent_auc_075")
    cfg = cfg.model_copy(update={"run": cfg.run.model_copy(update={"horizon": 20 * 1440.0, "warm_up": 0.0})})
    net = build_network(cfg)
    draws = make_draws(net, 2, 0)
    m = compiled._model(net, draws)
    P = draws.n_patients
    s = compiled._state(net, P, 64, 64, 1, 1)
    iv = compiled._iv_state(compiled._interventions(net, draws), P, len(net.interventions.names))
    s.S[:, _loop.PID] = np.arange(P)[::-1]  # patient p in slot P - 1 - p: the draws by patient, the state by slot
    ret = Returns(net, draws)
    rng = _rng(9)
    K, E = draws.ret_u.shape[1], len(net.exit_names)
    came_back = 0
    after = np.flatnonzero(net.readmit.after)  # mostly discharges that may return
    exits = -1 - np.flatnonzero(net.readmit.exit_ok)
    for p in rng.choice(P, 300, replace=False):
        p = int(p)
        slot = P - 1 - p
        for _ in range(K):  # within the drawn return columns (beyond them both ask for more)
            last = int(rng.choice(after) if rng.random() < 0.8 else rng.integers(-1, net.n_nodes))
            exit_code = int(rng.choice(exits) if rng.random() < 0.8 else rng.choice([rng.integers(-E, 0), 0]))
            mask = int(rng.integers(0, 1 << len(net.interventions.names)))
            iv.V[slot, _loop.MASK], s.S[slot, _loop.PREV], s.S[slot, _loop.NODE] = mask, last, exit_code
            want = ret.after_leaving(p, last, exit_code, mask)
            back = _returns._return_after(m, s, iv, slot, 100.0)
            assert s.ctr[_loop.STATUS] == _loop.OK and s.ret_k[slot] == ret.count.get(p, 0)
            assert back == (want >= 0)  # a patient who comes back keeps its slot meanwhile
            if want < 0:
                assert s.ctr[_loop.HN] == 0
                continue
            t, _, pay = _heap._pop(s.ht, s.hi, s.ctr)
            assert (t, pay >> _loop.EV_BITS, pay & _loop.EV_MASK) == (100.0 + want, slot, _loop.EV_RETURN)
            came_back += 1
    assert came_back > 10
