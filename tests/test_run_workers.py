"""``flowsim run --workers``: replications on worker processes give the numbers of a serial run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flowsim import parse_config, run_model
from flowsim.cli import default_config_path, main

ED_SINGLE = str(default_config_path().with_name("ed_single.yaml"))
FAST = ["--horizon", "12 days", "--warm-up", "2 days"]

TINY_CHAIN = """
name: chain
run: {horizon: 20 days, warm_up: 2 days, seed: 5}
sources: {walk_in: {to: ed, rate: 60 per day}}
services:
  ed: {kind: queue, setting: ed, servers: 3, duration: {lognormal: {mean: 1 h, sd: 40 min}},
       routes: [{to: ward, p: 0.3, blocking: true}, {to: home, p: 0.7}]}
  ward: {kind: queue, setting: acute, bed: true, servers: 40, duration: {exponential: {mean: 4 days}},
         routes: [{to: home, p: 1}]}
"""


@pytest.fixture(scope="module")
def serial_and_pool():
    cfg = parse_config(TINY_CHAIN)
    kw = dict(replications=3, keep_logs=True, series="week")
    return run_model(cfg, workers=1, **kw), run_model(cfg, workers=2, **kw)


def test_pool_gives_the_serial_numbers(serial_and_pool):
    serial, pool = serial_and_pool
    assert (serial.workers, pool.workers) == (1, 2)
    assert pool.metrics == serial.metrics  # every metric of every replication, exactly
    assert pool.patients == serial.patients
    for a, b in zip(serial.series, pool.series):  # per replication: {metric: values per week}
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    for a, b in zip(serial.logs, pool.logs):  # in replication order, row for row
        for col in ("patient", "node", "arrive", "start", "end", "depart", "outcome", "dest"):
            np.testing.assert_array_equal(getattr(a, col), getattr(b, col))
    assert len({json.dumps(m, sort_keys=True) for m in serial.metrics}) == 3  # three different replications


def test_workers_capped_by_replications():
    res = run_model(parse_config(TINY_CHAIN), replications=1, workers=4)
    assert res.workers == 1


def test_cli_workers_same_document(capsys):
    def doc(*extra):
        assert main(["run", ED_SINGLE, *FAST, "--replications", "2", "--format", "json", "-q", *extra]) == 0
        return json.loads(capsys.readouterr().out)
    one, two = doc("--workers", "1"), doc("--workers", "2")
    assert one["timing"]["workers"] == 1 and two["timing"]["workers"] == 2
    assert {k: v for k, v in one.items() if k != "timing"} == {k: v for k, v in two.items() if k != "timing"}


def test_cli_bad_workers(capsys):
    assert main(["run", ED_SINGLE, *FAST, "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "expected a whole number >= 1, found 0" in err and "Traceback" not in err
