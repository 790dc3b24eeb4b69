"""Assessment during the stay (a ward referral) against M/M/c.

Admissions to a ward (ample beds) are Poisson; each is referred to a liaison team
after an exponential time from admission if the stay has not ended by then. A
Poisson process whose points are independently thinned and displaced is Poisson,
so referrals reach the team as a Poisson stream of rate lambda x P(referral <
stay), and with exponential assessments the team is M/M/c:
P(wait <= t) = 1 - C(c, a) exp(-(c mu - lambda_r) t). The share of referrals
assessed within the time limit must match it (99% t interval over replications).
"""

from __future__ import annotations

import numpy as np
import pytest
from queueing import erlang_c, simulate, t_interval

LAM, MEAN_STAY, MEAN_REF = 12.0, 5.0, 1.0          # per day, days, days
C, MEAN_ASSESS, WITHIN = 2, 2.4, 1.0               # assessors, hours, hours

MODEL = f"""
name: ward referrals
run: {{horizon: 500 days, warm_up: 20 days}}
cohorts: [general, mental_health]
sources: {{admissions: {{to: ward, rate: {LAM} per day, cohorts: {{general: 0.5, mental_health: 0.5}}}}}}
services:
  ward:
    kind: delay
    setting: acute
    bed: true
    duration: {{exponential: {{mean: {MEAN_STAY} days}}}}
    routes: [{{to: home, p: 1}}]
  liaison:
    kind: queue
    setting: acute
    servers: {C}
    duration: {{exponential: {{mean: {MEAN_ASSESS} h}}}}
    routes: [{{to: home, p: 1}}]
interventions:
  ward_raid:
    source: test
    at: ward
    assessment: {{by: liaison, within: {WITHIN} h, referred_after: {{exponential: {{mean: {MEAN_REF} day}}}}}}
    duration_scale: {{ward: 0.8}}
active_interventions: [ward_raid]
"""


@pytest.fixture(scope="module")
def runs():
    return [simulate(MODEL, 2026, r, "compiled") for r in range(6)]


def test_ward_referrals_are_assessed_within_the_limit_at_the_mm_c_rate(runs):
    lam_r = LAM * (1 / MEAN_REF) / (1 / MEAN_REF + 1 / MEAN_STAY)   # P(referral < stay), both exponential
    mu = 24.0 / MEAN_ASSESS                                          # per day
    a = lam_r / mu
    theory = 1 - erlang_c(C, a) * np.exp(-(C * mu - lam_r) * WITHIN / 24.0)
    shares, referred = [], []
    for net, log, _ in runs:
        liaison = net.node_names.index("liaison")
        rows = (log.node == liaison) & ~np.isnan(log.start) & (log.arrive >= net.warm_up)
        shares.append(float(np.mean(log.start[rows] - log.arrive[rows] <= WITHIN * 60)))
        referred.append(rows.sum() / ((log.horizon - net.warm_up) / 1440))
    _, lo, hi = t_interval(shares, 0.99)
    assert lo <= theory <= hi, (theory, lo, hi)
    _, lo, hi = t_interval(referred, 0.99)
    assert lo <= lam_r <= hi, (lam_r, lo, hi)


def test_only_timely_assessments_shorten_the_rest_of_the_stay(runs):
    for net, log, m in runs:
        ward, liaison = (net.node_names.index(n) for n in ("ward", "liaison"))
        a = log.node == liaison
        assert m["bed_days_saved.ward_raid"] > 0
        # every assessed patient was referred during its ward stay, and kept its bed meanwhile
        stays = {int(p): (s, d) for p, s, d, n in zip(log.patient, log.start, log.depart, log.node) if n == ward}
        for p, arr, dep in zip(log.patient[a][:200], log.arrive[a][:200], log.depart[a][:200]):
            s, d = stays[int(p)]
            assert s < arr and (np.isnan(d) or dep <= d)
