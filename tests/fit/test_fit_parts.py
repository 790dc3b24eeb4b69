"""The parts of a fit on a model built to show them: cohort routes, a hold, an hour profile, settings."""

from __future__ import annotations

import pytest

from flowsim import parse_config, run_model
from flowsim.eventlog import write_eventlog
from flowsim.fit import fit_extract
from flowsim.fit.dists import fit_duration
from flowsim.fit.infer import guess_setting

MODEL = """\
name: cohorts, a hold and a daily pattern
run: {horizon: 120 days, warm_up: 0 days, replications: 1, seed: 5}
cohorts: [general, frail]
sources:
  arrivals:
    to: ed
    rate: 60 per day
    by_hour: [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.5, 1, 1.5, 2, 2, 2, 2, 2, 2, 1.5, 1.5, 1.5, 1, 1, 1, 0.5, 0.3, 0.2]
    cohorts: {general: 0.7, frail: 0.3}
services:
  ed:
    kind: queue
    setting: ed
    servers: 30
    duration: {lognormal: {mean: 3 h, sd: 2 h}}
    routes:
      general: [{to: ward, p: 0.2}, {to: home, p: 0.8}]
      frail: [{to: ward, p: 0.6}, {to: home, p: 0.4}]
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 200
    duration: {gamma: {mean: 4 days, sd: 2 days}}
    routes:
      - {to: home, p: 0.9, hold: {exponential: {mean: 6 h}}}
      - {to: care_home, p: 0.1}
exits: [care_home]
"""


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    res = run_model(parse_config(MODEL), keep_logs=True)
    net = res.network
    path = tmp_path_factory.mktemp("parts") / "ep.csv"
    write_eventlog(res.logs, path, net.node_names, net.cohorts, net.exit_names)
    out = fit_extract(path)
    return out, parse_config(out.yaml)


def test_cohort_routes_hold_profile_and_exits(draft):
    out, cfg = draft
    ed_routes = cfg.services["ed"].routes
    assert isinstance(ed_routes, dict) and {"general", "frail", "default"} <= set(ed_routes)
    frail_ward = next(r.p for r in ed_routes["frail"] if r.to == "ward")
    assert frail_ward == pytest.approx(0.6, abs=0.05)
    home = next(r for r in cfg.services["ward"].routes if r.to == "home")
    # an exponential hold of mean 6 h: exponential, or a Weibull of shape ~1 (one more parameter, by AIC)
    h = home.hold
    assert h is not None and (h.exponential is not None or (h.weibull is not None and abs(h.weibull.shape - 1) < 0.1))
    assert cfg.sources["ed_arrivals"].by_hour is not None and cfg.sources["ed_arrivals"].by_weekday is None
    assert cfg.exits == ["care_home"] and cfg.sources["ed_arrivals"].cohorts["frail"] == pytest.approx(0.3, abs=0.03)
    assert cfg.services["ward"].bed and cfg.services["ward"].setting == "acute"
    assert any("not inferred" in line for line in out.report)


def test_fit_duration_picks_the_family_and_falls_back():
    import numpy as np
    rng = np.random.default_rng(1)
    assert fit_duration(rng.gamma(4.0, 60.0, 5000)).name == "gamma"
    assert fit_duration(rng.weibull(0.7, 5000) * 300).name == "weibull"
    assert fit_duration([30.0] * 10).name == "fixed"
    bimodal = np.concatenate([rng.normal(60, 5, 3000), rng.normal(600, 20, 3000)])
    assert fit_duration(bimodal).name == "empirical"


@pytest.mark.parametrize("name,setting", [("ed", "ed"), ("A&E majors", "ed"), ("acute_medicine", "acute"),
                                          ("reablement", "social_care"), ("gp_same_day", "primary"),
                                          ("intermediate_care", "community"), ("theatre", "acute")])
def test_guess_setting(name, setting):
    assert guess_setting(name) == setting
