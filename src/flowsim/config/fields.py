"""The building blocks of the config language: value types and distributions.

Kept apart from ``config.schema`` so that the modules that build on them
(``schema``, ``interventions``, ``population``) import them without importing each
other: the config package has no import cycle (tests/config/test_import_graph.py).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from ..units import parse_duration, parse_rate

__all__ = ["Duration", "Rate", "NonNegInt", "Probability", "Weight", "WEEKDAYS", "SETTINGS", "BUILTIN_EXITS",
           "Frozen", "FixedP", "ExponentialP", "UniformP", "TriangularP", "NormalP", "LognormalP", "GammaP",
           "WeibullP", "EmpiricalP", "DIST_NAMES", "Dist", "DistSpec"]

Duration = Annotated[float, BeforeValidator(parse_duration)]
Rate = Annotated[float, BeforeValidator(parse_rate)]
NonNegInt = Annotated[int, Field(ge=0, strict=True)]
# strict: YAML reads `yes`/`on` as true, which lax floats would take as 1.0, and a
# quoted "0.5" is more likely a slip than a number. Whole numbers are still accepted.
Probability = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
Weight = Annotated[float, Field(ge=0.0, strict=True)]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SETTINGS = ("primary", "ed", "acute", "community", "social_care")
BUILTIN_EXITS = ("home", "died", "transferred", "elsewhere", "left_without_being_seen")


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------- distributions
class FixedP(Frozen):
    value: Duration


class ExponentialP(Frozen):
    mean: Duration


class UniformP(Frozen):
    min: Duration
    max: Duration

    @model_validator(mode="after")
    def _order(self):
        if not self.min <= self.max:
            raise ValueError(f"expected min <= max, found min={self.min:g} min > max={self.max:g} min")
        return self


class TriangularP(Frozen):
    min: Duration
    mode: Duration
    max: Duration

    @model_validator(mode="after")
    def _order(self):
        if not (self.min <= self.mode <= self.max and self.min < self.max):
            raise ValueError("expected min <= mode <= max and min < max")
        return self


class NormalP(Frozen):
    """Normal truncated to [min, max] (min defaults to 0: durations are never negative)."""

    mean: Duration
    sd: Duration
    min: Duration = 0.0
    max: Duration = math.inf

    @model_validator(mode="after")
    def _check(self):
        if self.sd <= 0:
            raise ValueError("expected sd > 0, found 0")
        if not self.min < self.max:
            raise ValueError("expected min < max")
        return self


class _PositiveMeanSd(Frozen):
    """A positive distribution given by its mean and sd (as NHS data are reported)."""

    mean: Duration
    sd: Duration

    @model_validator(mode="after")
    def _check(self):
        if self.mean <= 0:
            raise ValueError("expected mean > 0, found 0")
        if self.sd <= 0:
            raise ValueError("expected sd > 0, found 0")
        return self


class LognormalP(_PositiveMeanSd):
    """Lognormal given by its mean and sd."""


class GammaP(_PositiveMeanSd):
    """Gamma given by its mean and sd."""


class WeibullP(Frozen):
    shape: Annotated[float, Field(gt=0)]
    scale: Duration

    @field_validator("scale")
    @classmethod
    def _scale(cls, v):
        if v <= 0:
            raise ValueError("expected scale > 0")
        return v


class EmpiricalP(Frozen):
    values: Annotated[list[Duration], Field(min_length=1)]
    weights: list[Weight] | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"expected as many weights as values ({len(self.values)}), found {len(self.weights)}"
                )
            if sum(self.weights) <= 0:
                raise ValueError("expected weights with a positive sum")
        return self


DIST_NAMES = ("fixed", "exponential", "uniform", "triangular", "normal", "lognormal", "gamma", "weibull", "empirical")


class Dist(Frozen):
    """Exactly one of the fields is set: ``{lognormal: {mean: 3 h, sd: 2 h}}``."""

    fixed: FixedP | None = None
    exponential: ExponentialP | None = None
    uniform: UniformP | None = None
    triangular: TriangularP | None = None
    normal: NormalP | None = None
    lognormal: LognormalP | None = None
    gamma: GammaP | None = None
    weibull: WeibullP | None = None
    empirical: EmpiricalP | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [n for n in DIST_NAMES if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                "expected exactly one distribution (one of " + ", ".join(DIST_NAMES) + f"), found {len(given)}"
            )
        return self

    @property
    def name(self) -> str:
        return next(n for n in DIST_NAMES if getattr(self, n) is not None)

    @property
    def params(self) -> BaseModel:
        return getattr(self, self.name)


def _dist_or_cohorts(v: Any) -> str:
    if isinstance(v, dict) and v and all(k in DIST_NAMES for k in v):
        return "dist"
    if isinstance(v, (Dist,)):
        return "dist"
    return "cohorts"


# A duration that may differ by cohort: either one distribution, or a mapping
# from cohort name (or ``default``) to a distribution.
DistSpec = Annotated[
    Union[Annotated[Dist, Tag("dist")], Annotated[dict[str, Dist], Tag("cohorts")]],
    Discriminator(_dist_or_cohorts),
]
