"""A registered population, targeting and readmissions in the config language.

``population:`` describes the people demand comes from: their number, age bands
with shares, how concentrated the risk of an emergency is within a band, and how
well a predictive model ranks them (``prediction.auc``). A source may then give
its demand as ``per_1000`` rates a year by age band instead of ``rate``.
An intervention's ``target:`` selects patients by these attributes (top share of
predicted risk, a tier of it, age bands). ``readmission:`` lets a patient
discharged home come back as the same patient. docs/config.md is the reference;
:func:`find_problems` relates these sections to the rest of the model and is
called by ``config.checks``.
"""

from __future__ import annotations

import math
from typing import Annotated, Iterator

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ..suggest import did_you_mean
from .fields import DistSpec, Frozen, Probability
from .problem import Problem

__all__ = ["AgeBand", "Population", "Prediction", "Readmission", "Target", "parse_share", "find_problems",
           "per_1000_rate", "SHARE_TOLERANCE"]

SHARE_TOLERANCE = 1e-6


def parse_share(value: object) -> float:
    """``"5%"`` or a number in (0, 1] -> a fraction in (0, 1]."""
    if isinstance(value, bool):
        raise ValueError(f"expected a share such as '5%' or 0.05, found {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not text.endswith("%"):
            raise ValueError(f"expected a share such as '5%' or 0.05, found {value!r}")
        try:
            x = float(text[:-1]) / 100.0
        except ValueError:
            raise ValueError(f"expected a share such as '5%' or 0.05, found {value!r}") from None
    elif isinstance(value, (int, float)):
        x = float(value)
    else:
        raise ValueError(f"expected a share such as '5%' or 0.05, found {value!r}")
    if not (0.0 < x <= 1.0) or math.isnan(x):
        raise ValueError(f"expected a share in (0, 100%], found {value!r}")
    return x


Share = Annotated[float, BeforeValidator(parse_share)]
LogSd = Annotated[float, Field(ge=0.0, le=5.0, strict=True)]


class AgeBand(Frozen):
    """One age band: its share of the population and, optionally, its own risk spread."""

    share: Probability
    risk_sd: LogSd | None = None


class Prediction(Frozen):
    """The predictive model: its concordance with true risk (c-statistic, AUC)."""

    auc: float
    source: str | None = None

    @field_validator("auc", mode="before")
    @classmethod
    def _auc(cls, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0.5 < float(v) <= 1.0):
            raise ValueError(f"expected an AUC in (0.5, 1], found {v!r}")
        return float(v)


class Population(Frozen):
    """The registered population demand comes from (see module docstring)."""

    size: Annotated[int, Field(ge=1, strict=True)]
    source: str | None = None
    age_bands: Annotated[dict[str, AgeBand], Field(min_length=1)]
    # sd of log relative risk within a band: relative risk is lognormal with mean 1
    risk_sd: LogSd = 1.0
    prediction: Prediction = Prediction(auc=1.0)


class Readmission(Frozen):
    """Patients leaving ``after`` nodes by one of ``exits`` may return to ``to``."""

    source: str | None = None
    after: Annotated[list[str], Field(min_length=1)]
    exits: Annotated[list[str], Field(min_length=1)] = ["home"]
    p: Probability | dict[str, Probability]
    time_to_return: DistSpec
    to: str


class Target(Frozen):
    """Who an intervention applies to, by attributes drawn before the run."""

    top: Share | None = None
    tier: Annotated[list[Share], Field(min_length=2, max_length=2)] | None = None
    age_band: str | list[str] | None = None

    @model_validator(mode="after")
    def _shape(self):
        if self.top is None and self.tier is None and self.age_band is None:
            raise ValueError("expected at least one of 'top', 'tier' or 'age_band'")
        if self.top is not None and self.tier is not None:
            raise ValueError("expected either 'top' or 'tier', found both")
        if self.tier is not None and not self.tier[0] < self.tier[1]:
            raise ValueError(f"expected a tier [from, to] with from < to, found {list(self.tier)}")
        return self

    @property
    def ranks(self) -> tuple[float, float]:
        """[lo, hi): the share of the population ranked above, from the highest predicted risk."""
        if self.top is not None:
            return 0.0, self.top
        if self.tier is not None:
            return self.tier[0], self.tier[1]
        return 0.0, 1.0

    @property
    def bands(self) -> list[str]:
        if self.age_band is None:
            return []
        return [self.age_band] if isinstance(self.age_band, str) else list(self.age_band)


def per_1000_rate(pop: Population, src) -> float:
    """Arrivals per minute of a ``per_1000`` source: size / 1000 x sum of share x rate over bands."""
    return pop.size / 1000.0 * sum(b.share * src.per_1000[name] for name, b in pop.age_bands.items()
                                   if name in src.per_1000)


# --------------------------------------------------------------------- checks
def _problem(path, message, at_key=False):
    return Problem(tuple(path), message, at_key)


def find_problems(cfg) -> list:
    """Whole-model problems of ``population``, population sources, targets and ``readmission``."""
    out = list(_population(cfg))
    out += list(_targets(cfg))
    if cfg.readmission is not None:
        out += list(_readmission(cfg, cfg.readmission))
    return out


def _population(cfg) -> Iterator:
    pop = cfg.population
    if pop is not None:
        total = sum(b.share for b in pop.age_bands.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            yield _problem(("population", "age_bands"), f"expected age band shares summing to 1, found {total:.10g}")
    bands = list(pop.age_bands) if pop is not None else []
    for sname, src in cfg.sources.items():
        if src.per_1000 is None:
            continue
        if pop is None:
            yield _problem(("sources", sname, "per_1000"), "expected a 'population' section for rates per 1,000 "
                           "people, found none", True)
            continue
        for band in src.per_1000:
            if band not in bands:
                yield _problem(("sources", sname, "per_1000", band), f"unknown age band '{band}'"
                               + did_you_mean(band, bands), True)
        for band in bands:
            if band not in src.per_1000:
                yield _problem(("sources", sname, "per_1000"), f"no rate for age band '{band}'")
                break


def _targets(cfg) -> Iterator:
    pop = cfg.population
    bands = list(pop.age_bands) if pop is not None else []
    for name, iv in cfg.interventions.items():
        t = iv.target
        if t is None:
            continue
        base = ("interventions", name, "target")
        if pop is None:
            yield _problem(base, "expected a 'population' section to target by risk or age band, found none", True)
            continue
        for i, b in enumerate(t.bands):
            if b not in bands:
                path = base + ("age_band",) + (() if isinstance(t.age_band, str) else (i,))
                yield _problem(path, f"unknown age band '{b}'" + did_you_mean(b, bands))
        if iv.assessment is not None:
            yield _problem(base, "expected no 'target' with an 'assessment' (the assessment selects who it "
                           "applies to)", True)


def _readmission(cfg, rd: Readmission) -> Iterator:
    base = ("readmission",)
    for i, n in enumerate(rd.after):
        if n not in cfg.services:
            yield _problem(base + ("after", i), f"unknown node '{n}'" + did_you_mean(n, cfg.services))
    exits = cfg.exit_names
    for i, e in enumerate(rd.exits):
        if e not in exits:
            yield _problem(base + ("exits", i), f"unknown exit '{e}'" + did_you_mean(e, exits))
    if rd.to not in cfg.services:
        yield _problem(base + ("to",), f"unknown node '{rd.to}'" + did_you_mean(rd.to, cfg.services))
    if isinstance(rd.p, dict):
        pop = cfg.population
        bands = list(pop.age_bands) if pop is not None else []
        if pop is None:
            yield _problem(base + ("p",), "expected one probability (no 'population' with age bands), found a "
                           "mapping")
            return
        for band in rd.p:
            if band != "default" and band not in bands:
                yield _problem(base + ("p", band), f"unknown age band '{band}'" + did_you_mean(band, bands), True)
        if "default" not in rd.p and any(b not in rd.p for b in bands):
            missing = next(b for b in bands if b not in rd.p)
            yield _problem(base + ("p",), f"no probability for age band '{missing}' and no 'default'")
    if isinstance(rd.time_to_return, dict):
        cohorts = list(cfg.cohorts)
        for key in rd.time_to_return:
            if key != "default" and key not in cohorts:
                yield _problem(base + ("time_to_return", key),
                               f"unknown cohort '{key}'" + did_you_mean(key, cohorts), True)
        if "default" not in rd.time_to_return and any(c not in rd.time_to_return for c in cohorts):
            yield _problem(base + ("time_to_return",), "expected a time to return for every cohort or a 'default'")
