"""Engines turn a Network and its Draws into an EventLog.

``simpy`` is the reference engine; ``compiled`` is a Numba event loop with the
same semantics (see ``compiled.py`` for the tie rule). Both write the same
EventLog, and metrics never depend on which engine ran. ``auto`` picks compiled:
every construct of the config language is built into it, and there are no user
Python hooks yet (a model with one would run on simpy).
"""

from __future__ import annotations

from ..draws import Draws
from ..errors import ConfigError
from ..eventlog import EventLog
from ..interventions import uses_interventions
from ..network import Network

__all__ = ["ENGINES", "run_engine", "resolve_engine"]

ENGINES = ("simpy", "compiled")


def resolve_engine(name: str, net: Network | None = None) -> str:
    """The engine that will run for a requested name (``auto`` picks the best available).

    ``auto`` picks simpy for a network with active interventions: only the
    reference engine applies them so far (``flowsim.interventions.uses_interventions``).
    """
    if name == "auto":
        if not (net is not None and uses_interventions(net)):
            return "compiled"
        return "simpy"
    if name not in ENGINES:
        raise ConfigError(f"expected an engine among {', '.join(ENGINES + ('auto',))}, found {name!r}",
                          path="run.engine")
    if name == "compiled" and net is not None and uses_interventions(net):
        raise ConfigError("the compiled engine does not apply interventions yet; "
                          "use engine 'simpy' or 'auto' for this scenario", path="run.engine")
    return name


def run_engine(net: Network, draws: Draws, engine: str = "simpy") -> EventLog:
    """Run one replication on the named engine."""
    engine = resolve_engine(engine, net)
    if engine == "compiled":
        from .compiled import run_compiled  # imports numba: only when asked for
        return run_compiled(net, draws)
    from .simpy_engine import run_simpy
    return run_simpy(net, draws)
