"""Engines turn a Network and its Draws into an EventLog.

``simpy`` is the reference engine; ``compiled`` is a Numba event loop with the
same semantics (see ``compiled.py`` for the tie rule). Both write the same
EventLog, and metrics never depend on which engine ran. ``auto`` picks compiled:
every construct of the config language, interventions included, is built into it,
and there are no user Python hooks yet (a model with one would run on simpy).
"""

from __future__ import annotations

from ..draws import Draws
from ..errors import ConfigError, FlowsimError, SimulationError, one_line
from ..eventlog import EventLog
from ..network import Network

__all__ = ["ENGINES", "run_engine", "resolve_engine"]

ENGINES = ("simpy", "compiled")


def resolve_engine(name: str, net: Network | None = None) -> str:
    """The engine that will run for a requested name (``auto`` picks the best available).

    ``auto`` picks compiled, with or without interventions (a model holds at most
    ``codes.MAX_INTERVENTIONS``, 63, which both engines carry in a patient's bit mask;
    the config checks say so).
    """
    if name == "auto":
        return "compiled"
    if name not in ENGINES:
        raise ConfigError(f"expected an engine among {', '.join(ENGINES + ('auto',))}, found {name!r}",
                          path="run.engine")
    return name


def run_engine(net: Network, draws: Draws, engine: str = "simpy") -> EventLog:
    """Run one replication on the named engine.

    Raises
    ------
    SimulationError
        The engine failed; carries the replication and seed of ``draws`` and the
        engine (no bare ValueError or RuntimeError escapes an engine).
    """
    engine = resolve_engine(engine, net)
    try:
        if engine == "compiled":
            from .compiled import run_compiled  # imports numba: only when asked for
            return run_compiled(net, draws)
        from .simpy_engine import run_simpy
        return run_simpy(net, draws)
    except FlowsimError:
        raise
    except Exception as e:
        raise SimulationError(f"the {engine} engine failed: {one_line(e)}", replication=draws.replication,
                              seed=draws.seed, engine=engine) from e
