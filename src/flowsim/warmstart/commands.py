"""The work behind ``flowsim census`` and ``flowsim run --start-from`` (the CLI stays thin)."""

from __future__ import annotations

import dataclasses

from ..config.schema import Config
from ..draws import make_draws
from ..engines import resolve_engine, run_engine
from ..errors import UsageError
from ..network import build_network
from ..outputs import write_atomically
from ..units import MINUTES_PER_DAY
from .census_file import FIT, IN_SERVICE, WAITING, Census, write_census
from .snapshot import census_at

__all__ = ["run_census", "warm_start_document"]


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
