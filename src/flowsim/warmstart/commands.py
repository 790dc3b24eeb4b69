"""The work behind ``flowsim census`` and ``flowsim run --start-from`` (the CLI stays thin)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..config.schema import Config
from ..draws import make_draws
from ..engines import resolve_engine, run_engine
from ..errors import UsageError
from ..network import build_network
from ..outputs import write_atomically
from ..units import MINUTES_PER_DAY
from .census_file import FIT, IN_SERVICE, WAITING, Census, write_census
from .snapshot import census_at

__all__ = ["run_census", "census_date", "warm_start_document"]


def run_census(cfg: Config, at: float, out: str, *, seed: int, replication: int = 0,
               engine: str = "auto") -> Census:
    """Run replication ``replication`` of ``cfg`` up to minute ``at`` and write its census to ``out``.

    Returns
    -------
    Census
        The patients in the system at ``at`` (as written).
    """
    if not at > 0:
        raise UsageError(f"expected a time after the start, found {at / MINUTES_PER_DAY:g} days", argument="--at")
    net = build_network(cfg)
    net = dataclasses.replace(net, horizon=float(at), warm_up=0.0)
    draws = make_draws(net, seed, replication)
    log = run_engine(net, draws, resolve_engine(engine, net))
    census = census_at(log, net, label=f"{cfg.name}, replication {replication} at day {at / MINUTES_PER_DAY:g}", draws=draws)
    write_atomically(out, lambda tmp: write_census(tmp, census, net), "-o")
    return census


def census_date(start: dt.date | None, at: float, out: str) -> tuple[str, str]:
    """What ``flowsim census`` says of the census's date on a model with a calendar (``run.start``):
    the date, and how to start a run on it (``--start``; otherwise its months, weekdays and bank
    holidays are those from ``run.start``, docs/warm-start.md). Both empty without a calendar."""
    if start is None:
        return "", ""
    when = dt.datetime.combine(start, dt.time()) + dt.timedelta(minutes=float(at))
    clock = "" if when.time() == dt.time() else f" {when:%H:%M}"
    hint = (f"to run from it on that date (its month's demand, weekdays and bank holidays{'; from 00:00' if clock else ''}):"
            f" --start-from {out} --start {when:%Y-%m-%d}")
    return f" ({when:%A} {when.day} {when:%B %Y}{clock})", hint


def warm_start_document(census: Census, forecast: dict | None) -> dict:
    """The ``warm_start`` part of the run's JSON: what the census held, and what was done about it."""
    return {
        "census": census.label,
        "patients": len(census),
        "in_service": int((census.state == IN_SERVICE).sum()),
        "medically_fit": int((census.state == FIT).sum()),
        "waiting": int((census.state == WAITING).sum()),
        "notes": list(census.notes),
        "forecast": forecast,
    }
