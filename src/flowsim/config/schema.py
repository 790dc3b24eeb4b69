"""The config language as frozen pydantic models.

This module states the shape of a config and checks each value on its own
(units, ranges, one distribution per spec). Checks that need the whole model
(unknown node names, routes summing to 1, cycles with no exit) live in
``config.checks``. Times are minutes and rates are per minute once validated.

The reference for users is docs/config.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Discriminator, Field, Tag, model_validator

from ..units import MINUTES_PER_DAY
from .dates import DateRange, WeekdayName
# the value types and distributions, re-exported: callers import them from here
from .fields import (BUILTIN_EXITS, DIST_NAMES, SETTINGS, WEEKDAYS, Dist, DistSpec, Duration, EmpiricalP,  # noqa: F401
                     ExponentialP, FixedP, Frozen, GammaP, LognormalP, NonNegInt, NormalP, Probability, Rate,
                     TriangularP, UniformP, WeibullP, Weight)
from .interventions import Intervention, Scenario
from .population import Population, Readmission


# ----------------------------------------------------------------------- routing
class Alternative(Frozen):
    """Where a blocked wait that ends another way goes, with its probability."""

    to: str
    p: Probability


class GiveUp(Frozen):
    """A blocked wait at the route's node ends another way ``after`` a drawn time: the
    patient frees its bed and goes to one of ``routes`` (not blocking, no hold)."""

    after: DistSpec
    routes: Annotated[list[Alternative], Field(min_length=1)]


class Route(Frozen):
    to: str
    p: Probability
    blocking: bool = False
    # time to arrange the discharge (transport, assessment, medicines, a package of
    # care): the patient keeps its server this long after service before moving on
    hold: DistSpec | None = None
    # a blocking route's wait for room downstream can end another way (blocking routes only)
    give_up: GiveUp | None = None


def _routes_or_cohorts(v: Any) -> str:
    return "cohorts" if isinstance(v, dict) else "list"


RouteSpec = Annotated[
    Union[Annotated[list[Route], Tag("list")], Annotated[dict[str, list[Route]], Tag("cohorts")]],
    Discriminator(_routes_or_cohorts),
]


# ---------------------------------------------------------------------- services
class Schedule(Frozen):
    """Servers for each hour of the day, optionally different on some weekdays."""

    hours: Annotated[list[NonNegInt], Field(min_length=24, max_length=24)]
    weekdays: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                   Annotated[list[NonNegInt], Field(min_length=24, max_length=24)]] = {}


class CapacityRange(DateRange):
    """Capacity on the days of a date range: ``servers``, or a ``schedule`` of hours."""

    servers: NonNegInt | None = None
    schedule: Schedule | None = None

    @model_validator(mode="after")
    def _what(self):
        if (self.servers is None) == (self.schedule is None):
            raise ValueError("expected exactly one of 'servers' or 'schedule' for a date range")
        return self


class WhenFull(Frozen):
    to: str
    queue_limit: NonNegInt = 0


class OpeningHours(Frozen):
    open: Duration = 8 * 60.0
    close: Duration = 18 * 60.0 + 30

    @model_validator(mode="after")
    def _order(self):
        if not 0 <= self.open < self.close <= MINUTES_PER_DAY:
            raise ValueError("expected 0 h <= open < close <= 24 h")
        return self


class Elsewhere(Frozen):
    """A patient offered a slot later than ``after`` goes to ``to`` with probability ``p``."""

    after: Duration
    p: Probability
    to: str


class Slots(Frozen):
    mon: NonNegInt = 0
    tue: NonNegInt = 0
    wed: NonNegInt = 0
    thu: NonNegInt = 0
    fri: NonNegInt = 0
    sat: NonNegInt = 0
    sun: NonNegInt = 0

    def as_list(self) -> list[int]:
        return [getattr(self, d) for d in WEEKDAYS]


class ServiceBase(Frozen):
    setting: Literal["primary", "ed", "acute", "community", "social_care"]
    bed: bool = False
    duration: DistSpec
    routes: RouteSpec
    source: str | None = None
    payer: str | None = None   # who pays for it; default by setting (see config.money)


class EscalationBeds(Frozen):
    """Escalation beds: ``beds`` more servers open together when ``open_at`` servers are
    held, and close when fewer than ``close_below`` are (docs/warm-start.md)."""

    beds: Annotated[int, Field(ge=1, strict=True)]
    open_at: Annotated[int, Field(ge=1, strict=True)]
    close_below: NonNegInt
    cost_per_bed_day: Weight = 0.0   # GBP per escalation bed per day open

    @model_validator(mode="after")
    def _hysteresis(self):
        if self.close_below > self.open_at:
            raise ValueError(f"expected close_below <= open_at, found close_below {self.close_below} and "
                             f"open_at {self.open_at}")
        return self


class QueueService(ServiceBase):
    kind: Literal["queue"]
    servers: NonNegInt | None = None
    schedule: Schedule | None = None
    priority: dict[str, int] = {}
    patience: DistSpec | None = None
    when_full: WhenFull | None = None
    # the calendar (needs run.start): capacity on date ranges (later ranges win), and
    # the weekday whose roster applies on bank holidays
    dates: list[CapacityRange] = []
    bank_holidays: WeekdayName | None = None
    escalation: EscalationBeds | None = None

    @model_validator(mode="after")
    def _servers(self):
        if (self.servers is None) == (self.schedule is None):
            raise ValueError("expected exactly one of 'servers' or 'schedule' for a queue service")
        if self.escalation is not None:
            if self.schedule is not None or self.dates:
                raise ValueError("expected 'servers', not a 'schedule' or 'dates', with 'escalation' (escalation "
                                 "beds open on occupancy, not by the clock)")
            if self.escalation.open_at > self.servers:
                raise ValueError(f"expected escalation.open_at <= servers ({self.servers}), found "
                                 f"{self.escalation.open_at}")
        return self


class BookingService(ServiceBase):
    kind: Literal["booking"]
    slots: Slots
    hours: OpeningHours = OpeningHours()
    elsewhere: Elsewhere | None = None
    bank_holidays: WeekdayName | None = None  # slots on bank holidays as on this weekday (needs run.start)


class DelayService(ServiceBase):
    kind: Literal["delay"]


Service = Annotated[Union[QueueService, BookingService, DelayService], Field(discriminator="kind")]


# ----------------------------------------------------------------------- sources
class Source(Frozen):
    to: str
    rate: Rate | None = None
    rate_by_hour: Annotated[list[Weight], Field(min_length=24, max_length=24)] | None = None
    by_hour: Annotated[list[Weight], Field(min_length=24, max_length=24)] | None = None
    by_weekday: Annotated[list[Weight], Field(min_length=7, max_length=7)] | None = None
    cohorts: dict[str, Weight] | None = None
    source: str | None = None
    # rates per 1,000 people a year by age band (needs ``population``), and whether the
    # patients are drawn from a band in proportion to their risk (config.population)
    per_1000: dict[str, Rate] | None = None
    by_risk: bool = True
    # the calendar (needs run.start): relative daily rate in each month, Jan first;
    # growth per year, compounded continuously in time; bank holidays as this weekday
    by_month: Annotated[list[Weight], Field(min_length=12, max_length=12)] | None = None
    growth: Annotated[float, Field(gt=-1.0, le=1.0, strict=True)] = 0.0
    bank_holidays: WeekdayName | None = None

    @model_validator(mode="after")
    def _rate(self):
        given = [k for k in ("rate", "rate_by_hour", "per_1000") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("expected exactly one of 'rate', 'rate_by_hour' or 'per_1000', found "
                             + (" and ".join(given) if given else "none"))
        if self.rate_by_hour is not None and self.by_hour is not None:
            raise ValueError("'by_hour' weights apply to 'rate'; with 'rate_by_hour' leave 'by_hour' out")
        for name in ("by_hour", "by_weekday", "by_month"):
            w = getattr(self, name)
            if w is not None and sum(w) <= 0:
                raise ValueError(f"expected '{name}' weights with a positive sum")
        return self


# --------------------------------------------------------------------- the model
MAX_HORIZON_DAYS = 36_525        # 100 years: far beyond any plan, well short of running out of memory
MAX_REPLICATIONS = 100_000
MAX_SEED = 2**63 - 1             # seeds are stored as int64 (Parquet, the store's manifest)


class Run(Frozen):
    horizon: Duration = 365 * MINUTES_PER_DAY
    warm_up: Duration = 0.0
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS, strict=True)] = 1
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, strict=True)] = 0
    engine: Literal["simpy", "compiled", "auto"] = "auto"
    # the calendar: time 0 is this date at 00:00 (without it, a Monday of no date)
    start: dt.date | None = None
    # England and Wales bank holidays are built in; a list here replaces them
    bank_holidays: list[dt.date] | None = None

    @model_validator(mode="after")
    def _window(self):
        if self.horizon > MAX_HORIZON_DAYS * MINUTES_PER_DAY:
            raise ValueError(f"expected a horizon of at most {MAX_HORIZON_DAYS:,} days (100 years), found "
                             f"{self.horizon / MINUTES_PER_DAY:,.0f} days")
        if not self.warm_up < self.horizon:
            raise ValueError("expected warm_up < horizon (the horizon is the end of the run, warm-up included)")
        return self


class Escalation(Frozen):
    """Servers above ``above`` in the capacity schedule cost ``per_server_day`` instead."""

    above: NonNegInt
    per_server_day: Weight


class CapacityPrice(Frozen):
    """A cost per server (bed, package, clinician) per day it is open, used or not."""

    per_server_day: Weight
    escalation: Escalation | None = None


def _capacity_price(v: Any) -> Any:
    return {"per_server_day": v} if isinstance(v, (int, float)) and not isinstance(v, bool) else v


# A price per node, or one price for every node that can incur it.
NodePrices = Annotated[
    Union[Annotated[Weight, Tag("one")], Annotated[dict[str, Weight], Tag("by_node")]],
    Discriminator(lambda v: "by_node" if isinstance(v, dict) else "one"),
]


class UnmetDemand(Frozen):
    """Prices of demand the system did not meet, charged at the node where it went unmet."""

    left_without_being_seen: NodePrices = 0.0
    diverted: NodePrices = 0.0      # sent out of the modelled system unserved (to an exit)


class Costs(Frozen):
    per_day: dict[str, Weight] = {}
    per_visit: dict[str, Weight] = {}
    per_admission: dict[str, Weight] = {}
    ed_attendance: Weight = 0.0
    capacity: dict[str, Annotated[CapacityPrice, BeforeValidator(_capacity_price)]] = {}
    unmet_demand: UnmetDemand = UnmetDemand()


class Config(Frozen):
    """A whole model: run settings, cohorts, exits, arrival sources, services and costs."""

    name: str
    description: str | None = None
    run: Run = Run()
    cohorts: Annotated[list[str], Field(min_length=1)] = ["general"]
    exits: list[str] = []
    sources: Annotated[dict[str, Source], Field(min_length=1)]
    services: Annotated[dict[str, Service], Field(min_length=1)]
    costs: Costs = Costs()
    payers: list[str] | None = None        # None: the default payers of the settings used (config.money)
    pools: dict[str, list[str]] = {}       # pooled budgets, reported as the sum of their payers
    deaths: list[str] = ["died"]           # exits that mean the patient died
    interventions: dict[str, Intervention] = {}
    active_interventions: list[str] = []   # switched on in the model as written (the baseline)
    scenarios: dict[str, Scenario] = {}
    population: Population | None = None
    readmission: Readmission | None = None

    @property
    def exit_names(self) -> list[str]:
        return list(BUILTIN_EXITS) + [e for e in self.exits if e not in BUILTIN_EXITS]
