"""Messages that point at the real mistake (#14: found when tried as a new user would)."""

from __future__ import annotations

import pytest

from flowsim.config import parse_config
from flowsim.errors import ConfigError

MODEL = """name: t
run: {{horizon: 10 days, warm_up: 0}}
sources: {{a: {{to: x, rate: 10 per day}}}}
services: {{x: {{kind: delay, setting: community, duration: {dur}, routes: [{{to: home, p: 1}}]}}}}
"""


def _message(dur: str) -> str:
    with pytest.raises(ConfigError) as e:
        parse_config(MODEL.format(dur=dur))
    return str(e.value)


def test_unknown_distribution_is_blamed_not_its_parameter():
    msg = _message("{poisson: {mean: 10 min}}")
    assert "services.x.duration.poisson: unknown distribution 'poisson'; expected one of fixed," in msg


def test_misspelt_sd_is_reported_before_the_missing_sd_with_a_suggestion():
    msg = _message("{lognormal: {mean: 10 min, stdev: 2 min}}")
    assert "services.x.duration.lognormal.stdev: unknown key 'stdev'; did you mean 'sd'?" in msg


@pytest.mark.parametrize("dur, path", [("10 min", "services.x.duration"),
                                       ("{general: 10 min}", "services.x.duration.general")])
def test_a_bare_duration_where_a_distribution_belongs_gets_an_example(dur, path):
    msg = _message(dur)
    assert f"{path}: expected a distribution such as {{fixed: {{value: 10 min}}}}" in msg
    assert "found '10 min'" in msg


def test_more_interventions_than_a_patient_mask_holds_is_a_config_error():
    """A patient carries its interventions in a 64-bit mask on both engines: 63 at most, said at load."""
    ivs = "".join(f"  iv{i}: {{source: test, thin: {{a: 0.1}}}}\n" for i in range(64))
    text = MODEL.format(dur="{fixed: {value: 10 min}}") + "interventions:\n" + ivs
    with pytest.raises(ConfigError) as e:
        parse_config(text)
    assert "interventions.iv63: at most 63 interventions in one model" in str(e.value)
    assert "found 64" in str(e.value)
    cfg = parse_config(MODEL.format(dur="{fixed: {value: 10 min}}") + "interventions:\n"
                       + "".join(f"  iv{i}: {{source: test, thin: {{a: 0.1}}}}\n" for i in range(63)))
    assert len(cfg.interventions) == 63
