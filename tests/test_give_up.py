"""Route ``give_up``: a blocked wait for onward care that ends another way."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.cli import main
from flowsim.config import parse_config
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.network import build_network

MODEL = """
name: give up
run: {{horizon: 60 days, warm_up: 5 days, seed: 1}}
cohorts: [general, frail]
sources:
  admissions: {{to: ward, rate: 12 per day, cohorts: {{general: 0.6, frail: 0.4}}}}
services:
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 1000
    duration: {{lognormal: {{mean: 3 days, sd: 2 days}}}}
    routes:
      - to: reablement
        p: 0.5
        blocking: true
        give_up:
          after: {{frail: {{exponential: {{mean: 4 days}}}}, default: {{exponential: {{mean: 1 day}}}}}}
          routes: [{{to: home_care, p: 0.7}}, {{to: home, p: 0.3}}]
      - {{to: home, p: 0.5}}
  reablement:
    kind: queue
    setting: social_care
    servers: {reab}
    duration: {{lognormal: {{mean: 10 days, sd: 6 days}}}}
    routes: [{{to: home, p: 1}}]
  home_care:
    kind: queue
    setting: social_care
    servers: 200
    duration: {{exponential: {{mean: 60 days}}}}
    routes: [{{to: home, p: 1}}]
"""


def net_of(reab):
    return build_network(parse_config(MODEL.format(reab=reab)))


def test_give_up_draws_do_not_depend_on_capacity():
    a, b = make_draws(net_of(5), 3, 1), make_draws(net_of(500), 3, 1)
    general, frail = np.flatnonzero(a.net.give_up.has)  # one route per cohort
    wait = {}
    for r, c in ((general, 0), (frail, 1)):
        own = a.cohort == c
        for name in ("give_up", "give_up_to"):
            np.testing.assert_array_equal(a.per_patient(name, r, 2)[own], b.per_patient(name, r, 2)[own])
        wait[c] = a.per_patient("give_up", r)[own]
    # by cohort: frail patients wait 4 days on average, the others 1 day
    assert wait[1].mean() > 2 * wait[0].mean()


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_waits_end_another_way_only_when_capacity_is_short(engine):
    short = run_engine(net_of(5), make_draws(net_of(5), 3, 0), engine)
    ample = run_engine(net_of(500), make_draws(net_of(500), 3, 0), engine)
    assert (ample.outcome == 5).sum() == 0
    gave_up = np.flatnonzero(short.outcome == 5)
    assert len(gave_up) > 50
    net = net_of(5)
    # each ends exactly its drawn time after it joined the queue, and frees the ward bed then
    d = make_draws(net, 3, 0)
    for row in gave_up[:20]:
        p = short.patient[row]
        r = int(np.flatnonzero(net.give_up.has)[short.cohort[row]])
        waited = short.depart[row] - short.arrive[row]
        assert waited == pytest.approx(d.give_up(r, p, 0)[0], rel=1e-9)
        assert short.dest[row] == d.give_up(r, p, 0)[1]
        ward = np.flatnonzero((short.patient == p) & (short.node == 0))[0]
        assert short.depart[ward] == pytest.approx(short.depart[row], rel=1e-12)


BAD = [
    ("        blocking: true\n", "        blocking: false\n", "give_up", "expected give_up only on a blocking route"),
    ("{to: home, p: 0.3}]", "{to: home, p: 0.2}]", "give_up.routes", "summing to 1, found 0.9"),
    ("{to: home_care, p: 0.7}", "{to: home_cre, p: 0.7}", "give_up.routes.0.to", "did you mean 'home_care'"),
    ("{frail: {exponential", "{frial: {exponential", "give_up.after.frial", "unknown cohort 'frial'"),
    ("default: {exponential: {mean: 1 day}}", "general: {exponential: {mean: 1}}", "give_up.after.general",
     "expected a duration with a unit"),
]


@pytest.mark.parametrize("old, new, path, message", BAD)
def test_bad_give_up_exits_2_with_place(tmp_path, capsys, old, new, path, message):
    text = MODEL.format(reab=5)
    assert old in text
    bad = text.replace(old, new, 1)
    f = tmp_path / "bad.yaml"
    f.write_text(bad)
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:" in err and f"services.ward.routes.0.{path}" in err and message in err, err
    assert "Traceback" not in err
