"""Round trip: run a bundled config with --events, fit the extract, run the fitted config.

Tolerances (fixed seeds). The fitted model is estimated from one replication
(~82,700 ED arrivals, ~23,000 admissions), so it carries the fit's own sampling
error on top of the simulation's: for admissions, rate x admission share has a
relative sd of sqrt(1/82,700 + 0.72/(0.28 x 82,700)) = 0.66%. Stated tolerances:
ED attendances and admissions within 2% (3 sd of the fit), bed days within 3%
(admissions x length of stay, each ~0.7%), four-hour performance within 1
percentage point (replication sd ~0.2 points). Stays: the fitted CDF within the
99% Kolmogorov-Smirnov band of the true one (1.63 / sqrt(n)). Routing shares
within 3 binomial standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow.csv as pacsv
import pytest
from scipy import stats

from flowsim import load_config, run_model
from flowsim.cli import main

CONFIG = "configs/ed_ward_reablement.yaml"
TRUE_STAYS = {"ed": (180.0, 120.0), "ward": (8 * 1440.0, 8 * 1440.0), "reablement": (14 * 1440.0, 10 * 1440.0)}
TRUE_ROUTES = {("ed", "ward"): 0.28, ("ward", "home"): 0.62, ("ward", "reablement"): 0.33, ("ward", "died"): 0.05}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("fit")
    assert main(["run", CONFIG, "--replications", "1", "--events", str(d / "episodes.csv"), "--format", "json"]) == 0
    assert main(["fit", str(d / "episodes.csv"), "-o", str(d / "draft.yaml")]) == 0
    return d / "draft.yaml"


@pytest.fixture(scope="module")
def runs(fitted):
    orig = load_config(CONFIG)
    fit = load_config(fitted).model_copy(update={"run": orig.run})  # same window and seed
    return run_model(orig, replications=4, seed=11), run_model(fit, replications=4, seed=11)


def _mean(res, metric):
    return float(np.mean([m[metric] for m in res.metrics]))


@pytest.mark.parametrize("metric,rel", [("ed_attendances", 0.02), ("admissions", 0.02), ("bed_days", 0.03)])
def test_headline_counts_recovered(runs, metric, rel):
    a, b = (_mean(r, metric) for r in runs)
    assert abs(b - a) <= rel * a, (metric, a, b)


def test_four_hour_performance_recovered(runs):
    a, b = (_mean(r, "four_hour_performance") for r in runs)
    assert abs(b - a) <= 0.01, (a, b)


def _lognormal(mean, sd):
    s2 = math.log1p((sd / mean) ** 2)
    return stats.lognorm(math.sqrt(s2), scale=mean * math.exp(-s2 / 2))


def test_stays_recovered(fitted):
    cfg = load_config(fitted)
    text = fitted.read_text()
    for node, (mean, sd) in TRUE_STAYS.items():
        dist = cfg.services[node].duration.lognormal
        assert dist is not None, f"{node}: expected a lognormal by AIC"
        n = int(text.split(f"  {node}:")[1].split("AIC from ")[1].split(" times")[0].replace(",", ""))
        x = np.linspace(0, mean + 6 * sd, 4000)
        gap = np.max(np.abs(_lognormal(dist.mean, dist.sd).cdf(x) - _lognormal(mean, sd).cdf(x)))
        assert gap <= 1.63 / math.sqrt(n), (node, gap, n)


def test_routes_recovered(fitted):
    cfg = load_config(fitted)
    log = pacsv.read_csv(fitted.parent / "episodes.csv").to_pydict()
    for (node, dest), p in TRUE_ROUTES.items():
        routes = cfg.services[node].routes
        got = next(r.p for r in routes if r.to == dest)
        n = sum(1 for v, o in zip(log["node"], log["outcome"]) if v == node and o == "served")
        assert abs(got - p) <= 3 * math.sqrt(p * (1 - p) / n), (node, dest, got, p, n)
    assert any(r.blocking for r in cfg.services["ward"].routes if r.to == "reablement")
