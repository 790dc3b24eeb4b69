"""A registered population: attributes, targeting by predicted risk, readmissions (theory tests).

Tolerances are confidence intervals: 4 standard errors derived in each test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from flowsim.config import validate_data
from flowsim.config.load import parse_config
from flowsim.draws import make_draws
from flowsim.engines.simpy_engine import run_simpy
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.targeting import eligible_bits, targeted_people

POP = """\
name: population theory
run: {horizon: 200 days, warm_up: 0 days, seed: 3}
population:
  size: 20000
  age_bands:
    young: {share: 0.6, risk_sd: 0.8}
    old: {share: 0.4}
  risk_sd: 1.3
  prediction: {auc: AUC}
sources:
  ed_in:
    to: ed
    per_1000: {young: 250 per year, old: 700 per year}
services:
  ed:
    kind: delay
    setting: ed
    duration: {exponential: {mean: 3 h}}
    routes: [{to: ward, p: 0.3}, {to: home, p: 0.7}]
  ward:
    kind: delay
    setting: acute
    bed: true
    duration: {exponential: {mean: 4 days}}
    routes: [{to: home, p: 1}]
interventions:
  case_management:
    source: theory test
    thin: {ed_in: 1.0}
    target: {top: 5%}
scenarios:
  targeted: {interventions: [case_management]}
"""


def _net(auc="0.75", scenario=None, text=POP):
    cfg = parse_config(text.replace("AUC", auc))
    if scenario:
        cfg = cfg.model_copy(update={"active_interventions": list(cfg.scenarios[scenario].interventions)})
    return build_network(cfg)


def _expected_share(net, d, people: np.ndarray) -> float:
    """Expected share of arrivals (so of admissions: routing ignores risk) from ``people``.

    A band gets a source's arrivals in proportion to share x rate; within the band a
    person gets them in proportion to relative risk = true risk / band level.
    """
    a, pop = d.attrs, net.population
    w = pop.src_band_weight[0] / pop.src_band_weight[0].sum()
    rel = a.pop_risk / pop.band_level[a.pop_band]
    per_person = w[a.pop_band] * rel / np.bincount(a.pop_band, weights=rel)[a.pop_band]
    return float(per_person[people].sum())


@pytest.mark.parametrize("auc", ["0.6", "0.75", "0.9"])
def test_achieved_auc_matches_the_configured_one(auc):
    net = _net(auc)
    a = make_draws(net, 7, 0).attrs
    tau = stats.kendalltau(a.pop_risk, a.pop_predicted).statistic
    c = (1 + tau) / 2
    # Daniels-Kendall bound: var(tau) <= 2 (1 - tau^2) / M
    se = np.sqrt(2 * (1 - tau ** 2) / net.population.size) / 2
    assert abs(c - float(auc)) < 4 * se, (c, se)


def test_population_shape_matches_the_config():
    net = _net()
    a = make_draws(net, 7, 0).attrs
    M = net.population.size
    young = (a.pop_band == 0).mean()
    assert abs(young - 0.6) < 4 * np.sqrt(0.6 * 0.4 / M)
    rel = a.pop_risk / net.population.band_level[a.pop_band]
    for b, sd in enumerate((0.8, 1.3)):  # log relative risk ~ N(-sd^2/2, sd^2)
        x = np.log(rel[a.pop_band == b])
        assert abs(x.mean() + sd * sd / 2) < 4 * sd / np.sqrt(len(x))
        assert abs(x.std() / sd - 1) < 4 / np.sqrt(2 * len(x))


def _removed_share(net0, net1, seed):
    d0, d1 = make_draws(net0, seed, 0), make_draws(net1, seed, 0)
    m0, m1 = measure(run_simpy(net0, d0), net0), measure(run_simpy(net1, d1), net1)
    return d1, m0["admissions"], m0["admissions"] - m1["admissions"]


@pytest.mark.parametrize("auc, perfect", [("1.0", True), ("0.5", False)])
def test_targeting_the_top_share_removes_its_expected_share_of_admissions(auc, perfect):
    net0, net1 = _net("1.0"), _net("1.0", "targeted")
    if not perfect:  # AUC 0.5 is below the config's range: set it on the arrays
        net0, net1 = (dataclasses.replace(n, population=dataclasses.replace(n.population, auc=0.5))
                      for n in (net0, net1))
    d, base, removed = _removed_share(net0, net1, 5)
    people = targeted_people(net1.population, d.attrs, 0)
    assert abs(people.mean() - 0.05) < 1e-9  # exactly the top 5% of the population
    share = _expected_share(net1, d, people)
    if perfect:  # the top 5% of true risk: the share the risk distribution gives (~40%)
        assert share > 0.3
    else:  # a model no better than chance picks 5% of people and so ~5% of demand
        assert abs(share - 0.05) < 0.02
    # the removed admissions are the baseline admissions of targeted patients: binomial
    se = np.sqrt(base * share * (1 - share))
    assert abs(removed - share * base) < 4 * se, (removed, share * base, se)


def test_targets_select_by_attributes_only_and_pair_across_scenarios():
    net0, net1 = _net(), _net(scenario="targeted")
    d0, d1 = make_draws(net0, 9, 0), make_draws(net1, 9, 0)
    assert np.array_equal(d0.attrs.person, d1.attrs.person)
    assert np.array_equal(d0.attrs.pop_predicted, d1.attrs.pop_predicted)
    bits = eligible_bits(net1, d1)
    targeted = (bits & 1) == 1
    l0, l1 = run_simpy(net0, d0), run_simpy(net1, d1)
    # every patient who is not targeted has the same path in both scenarios
    keep0 = ~targeted[l0.patient]
    assert not np.isin(l1.patient, np.flatnonzero(targeted)).any()
    o0 = np.lexsort((l0.seq[keep0], l0.patient[keep0]))
    o1 = np.lexsort((l1.seq, l1.patient))
    assert np.array_equal(l0.patient[keep0][o0], l1.patient[o1])
    np.testing.assert_allclose(l0.depart[keep0][o0], l1.depart[o1], rtol=1e-12)


RETURNS = """\
name: readmission renewal
run: {horizon: 120 days, warm_up: 0 days, seed: 4}
sources:
  walk_in: {to: ed, rate: 40 per day}
services:
  ed:
    kind: delay
    setting: ed
    duration: {fixed: {value: 1 min}}
    routes: [{to: home, p: 1}]
readmission:
  after: [ed]
  p: 0.6
  time_to_return: {exponential: {mean: 15 days}}
  to: ed
"""


def test_a_readmission_loop_reproduces_its_renewal_count():
    """Returns before the horizon of a patient arriving at a: the k-th return comes after k
    visits of 1 min and k exponential gaps, with probability p^k, so
    E[returns] = sum_k p^k P(k + Gamma(k, m) < H - a)."""
    net = build_network(parse_config(RETURNS))
    p, m, H = 0.6, 15 * 1440.0, net.horizon
    total, expected, var = 0.0, 0.0, 0.0
    for rep in range(2):
        d = make_draws(net, 4, rep)
        log = run_simpy(net, d)
        a = d.arrive
        returns = np.bincount(log.patient, minlength=len(a)) - 1
        assert returns.min() >= 0 and (log.prev[log.seq == 0] == -1).all()
        ks = np.arange(1, 60)
        cdf = stats.gamma.cdf((H - a[:, None]) - ks[None, :], a=ks[None, :], scale=m)
        e = (p ** ks[None, :] * cdf).sum(axis=1)
        total += returns.sum()
        expected += e.sum()
        var += returns.var() * len(a)
    assert abs(total - expected) < 4 * np.sqrt(var), (total, expected, np.sqrt(var))
    assert total > 1000


WARD = """\
name: 30-day readmission rate
run: {horizon: 400 days, warm_up: 30 days, seed: 8}
population:
  size: 10000
  age_bands: {all: {share: 1.0}}
sources:
  emergency: {to: ward, per_1000: {all: 300 per year}}
services:
  ward:
    kind: delay
    setting: acute
    bed: true
    duration: {exponential: {mean: 2 days}}
    routes: [{to: home, p: 1}]
readmission:
  after: [ward]
  p: 0.3
  time_to_return: {exponential: {mean: 20 days}}
  to: ward
interventions:
  follow_up:
    source: theory test
    readmission_scale: 0.5
scenarios:
  follow_up: {interventions: [follow_up]}
"""


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_readmission_rate_30d_matches_the_return_probability(scale):
    """A discharge is readmitted within 30 days with probability p x scale x (1 - exp(-30 / 20))."""
    cfg = parse_config(WARD)
    if scale != 1.0:
        cfg = cfg.model_copy(update={"active_interventions": ["follow_up"]})
    net = build_network(cfg)
    d = make_draws(net, 8, 0)
    out = measure(run_simpy(net, d), net, band=d.attrs.band)
    q = 0.3 * scale * (1 - np.exp(-30 / 20))
    n = out["admissions"]  # about as many discharges were followed up
    assert abs(out["readmission_rate_30d"] - q) < 4 * np.sqrt(q * (1 - q) / (0.9 * n))
    assert out["age_band.all.readmissions_30d"] == out["readmissions_30d"] > 0


def test_age_band_metrics_sum_to_the_totals():
    net = _net()
    d = make_draws(net, 2, 0)
    out = measure(run_simpy(net, d), net, band=d.attrs.band)
    for key in ("admissions", "ed_attendances", "bed_days", "delayed_bed_days"):
        parts = [out[f"age_band.{b}.{key}"] for b in ("young", "old")]
        assert sum(parts) == pytest.approx(out[key], rel=1e-12, abs=1e-9)
    assert out["age_band.old.admissions"] > out["age_band.young.admissions"]  # 700 vs 250 per 1,000


def test_a_rate_source_keeps_working_in_a_population_model():
    text = POP.replace("per_1000: {young: 250 per year, old: 700 per year}", "rate: 20 per day\n    by_risk: false")
    net = _net(text=text)
    d = make_draws(net, 1, 0)
    assert abs(d.n_patients - 4000) < 4 * np.sqrt(4000)
    assert abs((d.attrs.band == 0).mean() - 0.6) < 4 * np.sqrt(0.24 / d.n_patients)


def test_validate_data_accepts_population_and_readmission():
    cfg = validate_data({"name": "x", "sources": {"s": {"to": "a", "rate": "1 per day"}},
                         "services": {"a": {"kind": "delay", "setting": "ed", "duration": {"fixed": {"value": "1 h"}},
                                            "routes": [{"to": "home", "p": 1}]}},
                         "readmission": {"after": ["a"], "p": 0.1, "time_to_return": {"fixed": {"value": "2 days"}},
                                         "to": "a"}})
    assert cfg.readmission.p == 0.1


BAD = {  # what to change in POP -> (the line's text, the key path in the message, words of the message)
    "shares": (("old: {share: 0.4}", "old: {share: 0.3}"), "young: {share", "population.age_bands",
               "summing to 1, found 0.9"),
    "auc": (("prediction: {auc: AUC}", "prediction: {auc: 0.4}"), "prediction:", "population.prediction.auc",
            "AUC in (0.5, 1], found 0.4"),
    "top": (("target: {top: 5%}", "target: {top: 150%}"), "target:", "interventions.case_management.target.top",
            "share in (0, 100%], found '150%'"),
    "band": (("target: {top: 5%}", "target: {top: 5%, age_band: elderly}"), "target:",
             "interventions.case_management.target.age_band", "unknown age band 'elderly'"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_population_input_exits_2_with_place_and_key_path(tmp_path, kind):
    from test_cli import cli

    (old, new), line_text, path, words = BAD[kind]
    text = POP.replace("AUC", "0.75").replace(old.replace("AUC", "0.75"), new)
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if line_text in t)
    r = cli("validate", str(f))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"{f}:{line}:" in r.stderr and path in r.stderr and words in r.stderr, r.stderr


@pytest.mark.parametrize("change, path, words", [
    (("population:\n  size: 20000\n", "population:\n  size: 20000\n"), None, None),
    (("  ed_in:\n    to: ed\n", "  ed_in:\n    to: ed\n    rate: 3 per day\n"), "sources.ed_in",
     "exactly one of 'rate', 'rate_by_hour' or 'per_1000', found rate and per_1000"),
    (("    target: {top: 5%}", "    target: {top: 5%, tier: [1%, 2%]}"), "target", "either 'top' or 'tier'"),
    (("scenarios:", "readmission: {after: [wrd], p: 0.1, time_to_return: {fixed: {value: 1 day}}, to: ed}\n"
      "scenarios:"), "readmission.after.0", "unknown node 'wrd'; did you mean 'ward'?"),
    (("    target: {top: 5%}", "    target: {top: 5%}\n    at: ed\n    assessment: {by: ward, within: 1 h}"),
     "interventions.case_management.target", "no 'target' with an 'assessment'"),
])
def test_population_config_errors_name_the_key(change, path, words):
    from flowsim.errors import ConfigError

    text = POP.replace("AUC", "0.75").replace(*change)
    if path is None:
        assert parse_config(text).population.size == 20000
        return
    with pytest.raises(ConfigError) as info:
        parse_config(text, "m.yaml")
    assert path in str(info.value) and words in str(info.value), str(info.value)


def test_a_rate_per_1000_needs_a_population():
    from flowsim.errors import ConfigError

    text = POP.replace("AUC", "0.75")
    text = text[:text.index("population:")] + text[text.index("sources:"):text.index("interventions:")]
    with pytest.raises(ConfigError, match=r"m.yaml:\d+:\d+: sources.ed_in.per_1000: expected a 'population'"):
        parse_config(text, "m.yaml")
