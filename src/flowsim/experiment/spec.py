"""The experiment file: which model, which scenarios, how many replications.

Reference: docs/experiments.md. Loaded like a config (safe YAML, positions),
and every problem is a :class:`ConfigError` naming file, line, column and key::

    name: raid
    model: ../src/flowsim/data/configs/raid.yaml   # relative to this file
    baseline: baseline
    scenarios:
      baseline:                # null: the model's scenario of that name (baseline: as written)
      raid:
      raid_pessimistic:        # defined here: overlays on the model
        interventions: [raid]
        set: {interventions.raid.route_scale.acute_medicine: 0.9}
    replications: {method: ci, metrics: [avoided_admissions], within: 10%, initial: 5, step: 5, max: 40}
    warm_up: {method: mser5, pilot_replications: 2}
    seed: 2026
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from ..config.load import load_data
from ..config.schema import MAX_SEED
from ..config.yaml_loader import Positions
from ..errors import ConfigError
from ..suggest import did_you_mean
from ..units import MINUTES_PER, parse_duration

__all__ = ["ExperimentSpec", "CIReplications", "Mser5", "LoadedSpec", "Search", "Target", "load_spec",
           "unknown_scenario", "check_warm_up", "check_fixed_warm_up"]

Duration = Annotated[float, BeforeValidator(parse_duration)]


def _percent(v: Any) -> float:
    if isinstance(v, str) and v.strip().endswith("%"):
        try:
            return float(v.strip()[:-1])
        except ValueError:
            pass
    raise ValueError(f"expected a percentage such as '5%', found {v!r}")


Percent = Annotated[float, BeforeValidator(_percent), Field(gt=0)]
PosInt = Annotated[int, Field(ge=1, strict=True)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CIReplications(_Frozen):
    """Add replications in rounds until every named metric's 95% CI half-width is
    within ``within`` percent of its mean, in every scenario, or ``max`` is reached."""

    method: Literal["ci"]
    metrics: Annotated[list[str], Field(min_length=1)]
    within: Percent
    initial: Annotated[int, Field(ge=2, strict=True)] = 5
    step: PosInt = 5
    max: PosInt = 100

    @model_validator(mode="after")
    def _order(self):
        if self.max < self.initial:
            raise ValueError(f"expected max >= initial, found max {self.max} < initial {self.initial}")
        return self


class Mser5(_Frozen):
    """Estimate the warm-up by MSER-5 on the hourly occupancy of the bed nodes."""

    method: Literal["mser5"]
    pilot_replications: PosInt = 2


class Outputs(_Frozen):
    """What the store keeps besides each replication's metrics."""

    events: bool = False   # the per-patient event log of every replication (Parquet)


class Target(_Frozen):
    """A target on a metric: ``{metric: four_hour_performance, at_least: 0.76, confidence: 95%}``.

    Met when the one-sided Student-t confidence bound of the mean over
    replications is on the right side of the threshold."""

    metric: Annotated[str, Field(min_length=1)]
    at_least: float | None = None
    at_most: float | None = None
    confidence: Percent = 95.0

    @model_validator(mode="after")
    def _one(self):
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("expected exactly one of 'at_least' or 'at_most'")
        if not self.confidence < 100:
            raise ValueError(f"expected a confidence below 100%, found {self.confidence:g}%")
        return self


class Search(_Frozen):
    """The smallest (or largest) whole value of one key path in ``range`` that meets ``target``."""

    key: Annotated[str, Field(min_length=1)]
    range: Annotated[list[Annotated[int, Field(strict=True)]], Field(min_length=2, max_length=2)]
    goal: Literal["smallest", "largest"] = "smallest"
    target: Target

    @model_validator(mode="after")
    def _order(self):
        if not self.range[0] < self.range[1]:
            raise ValueError(f"expected range [low, high] with low < high, found {self.range}")
        return self


Sweep = Annotated[dict[str, Annotated[list[Any], Field(min_length=1)]], Field(min_length=1, max_length=2)]


class ExperimentSpec(_Frozen):
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    model: str
    baseline: str = "baseline"
    scenarios: dict[str, dict[str, Any] | None] | list[str] = ["baseline"]
    replications: Union[PosInt, CIReplications] | None = None
    warm_up: Union[Duration, Mser5] | None = None
    horizon: Duration | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, strict=True)] | None = None
    engine: Literal["simpy", "compiled", "auto"] | None = None
    outputs: Outputs = Outputs()
    series: Literal["week", "month"] | None = None   # headline metrics per period, with paired differences
    sweep: Sweep | None = None       # key path -> values: a grid over one or two keys
    search: Search | None = None     # the smallest/largest value of a key meeting a target
    metrics: list[str] | None = None  # what a sweep tabulates (default: capacity.SWEEP_METRICS)
    start_from: str | None = None   # a census CSV (docs/warm-start.md), relative to this file
    start: dt.date | None = None    # the date of day 0, overriding the model's run.start (a census's date)

    def scenario_names(self) -> list[str]:
        names = list(self.scenarios)
        return names if self.baseline in names else [self.baseline] + names

    def own_scenarios(self) -> dict[str, dict]:
        """Scenarios defined in the experiment file (a mapping value that is not null)."""
        if isinstance(self.scenarios, list):
            return {}
        return {k: v for k, v in self.scenarios.items() if v is not None}


@dataclass(frozen=True)
class LoadedSpec:
    spec: ExperimentSpec
    path: Path
    positions: Positions
    model_path: Path
    sha256: str
    census_path: Path | None = None


def _where(positions: Positions, path: tuple, key: bool = False):
    pos = positions.find(path, key=key)
    return (pos[0], pos[1]) if pos else (None, None)


def load_spec(path) -> LoadedSpec:
    """Read and validate an experiment file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    LoadedSpec
        The spec, its positions, the model path resolved against the file's
        folder, and the SHA-256 of the file.

    Raises
    ------
    ConfigError
        With file, line, column and key path.
    """
    path = Path(path)
    data, positions = load_data(path)
    file = str(path)
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping (name, model, scenarios, ...) at the top level", file=file)
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        # in a union (replications: 10 or {method: ci, ...}) the deepest error is the telling one
        err = max(exc.errors(), key=lambda e: len(e["loc"]))
        loc = tuple(err["loc"])
        kept: list = []
        node: Any = data
        for el in loc:
            if isinstance(node, dict) and el in node:
                kept.append(el)
                node = node[el]
            elif isinstance(node, list) and isinstance(el, int) and el < len(node):
                kept.append(el)
                node = node[el]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            fields = list(ExperimentSpec.model_fields) if len(kept) == 1 else []
            msg = f"unknown key '{loc[-1]}'" + did_you_mean(loc[-1], fields)
        elif err["type"] == "missing":
            msg = f"missing required key '{loc[-1]}'"
        elif "input" in err and err["type"] not in ("value_error",):
            msg += f", found {err['input']!r}"
        line, col = _where(positions, tuple(kept), key=err["type"] == "extra_forbidden")
        raise ConfigError(msg, file=file, line=line, column=col, path=".".join(map(str, kept)) or None) from None
    model = Path(spec.model)
    if not model.is_absolute():
        model = (path.parent / model).resolve()
    if not model.is_file():
        line, col = _where(positions, ("model",))
        raise ConfigError(f"expected a model config file, found no file at '{model}'", file=file, line=line,
                          column=col, path="model")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    census = None
    if spec.start_from is not None:
        census = Path(spec.start_from)
        census = census if census.is_absolute() else (path.parent / census).resolve()
        if not census.is_file():
            line, col = _where(positions, ("start_from",))
            raise ConfigError(f"expected a census CSV file, found no file at '{census}'", file=file, line=line,
                              column=col, path="start_from")
    return LoadedSpec(spec=spec, path=path, positions=positions, model_path=model, sha256=sha, census_path=census)


def unknown_scenario(ls: LoadedSpec, name: str, model_has: list[str], file_has: list[str]) -> ConfigError:
    """The error for a scenario neither the model nor the experiment file defines, at the line naming it.

    Parameters
    ----------
    ls : LoadedSpec
        The experiment file.
    name : str
        The unknown scenario (from ``baseline:`` or ``scenarios:``).
    model_has, file_has : list of str
        The scenarios the model defines (``baseline`` first) and those this file defines.

    Returns
    -------
    ConfigError
        Pointing at ``baseline:`` when only it names the scenario, else at the entry in ``scenarios``.
    """
    spec = ls.spec
    names = list(spec.scenarios)
    if name == spec.baseline and name not in names:  # only `baseline:` names it
        path = ("baseline",)
    else:
        path = ("scenarios", names.index(name) if isinstance(spec.scenarios, list) else name)
    where = ls.positions.find(path, key=path[0] == "scenarios" and not isinstance(spec.scenarios, list))
    hint = did_you_mean(name, model_has + file_has)
    if not hint:
        hint = f"; the model {ls.model_path.name} has {', '.join(model_has)}"
        hint += f" and this file defines {', '.join(file_has)}" if file_has else ""
    return ConfigError(f"unknown scenario '{name}': neither the model nor this file defines it" + hint,
                       file=str(ls.path), line=where[0] if where else None, column=where[1] if where else None,
                       path=".".join(map(str, path)))


def check_warm_up(ls: LoadedSpec, warm_minutes: float, horizon: float) -> None:
    """Refuse a warm-up that does not end before the horizon, at the line that set it.

    Parameters
    ----------
    ls : LoadedSpec
        The experiment file.
    warm_minutes, horizon : float
        The warm-up and horizon in minutes, from this file or from the model.

    Raises
    ------
    ConfigError
        At ``warm_up`` (or at ``horizon`` when only the horizon is set in this file), saying
        both figures in days and where each came from.
    """
    if warm_minutes < horizon:
        return
    spec = ls.spec
    warm_here, horizon_here = spec.warm_up is not None, spec.horizon is not None
    path = ("warm_up",) if warm_here or not horizon_here else ("horizon",)
    where = ls.positions.find(path) if (warm_here or horizon_here) else None

    def said(here: bool, key: str) -> str:
        return "in this file" if here else f"by the model's run.{key}"
    raise ConfigError(f"expected a warm-up shorter than the horizon, found a warm-up of {_days(warm_minutes)} "
                      f"({said(warm_here, 'warm_up')}) and a horizon of {_days(horizon)} "
                      f"({said(horizon_here, 'horizon')})",
                      file=str(ls.path), line=where[0] if where else None,
                      column=where[1] if where else None, path=path[0])


def check_fixed_warm_up(ls: LoadedSpec, run) -> None:
    """Check a fixed warm-up (not MSER-5, not a census start): it is known before anything runs.

    Parameters
    ----------
    ls : LoadedSpec
        The experiment file.
    run : flowsim.config.schema.Run
        The baseline model's ``run`` section (its warm-up and horizon apply when this file sets none).
    """
    spec = ls.spec
    if not isinstance(spec.warm_up, Mser5) and spec.start_from is None:
        horizon = spec.horizon if spec.horizon is not None else run.horizon
        check_warm_up(ls, spec.warm_up if spec.warm_up is not None else run.warm_up, horizon)


def _days(minutes: float) -> str:
    days = minutes / MINUTES_PER["day"]
    return f"{days:g} day" + ("" if days == 1 else "s")
