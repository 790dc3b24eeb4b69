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
