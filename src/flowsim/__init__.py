"""flowsim: discrete-event simulation of patient flow across health and social care.

The public surface; everything else is private and may change::

    cfg = flowsim.load_config("configs/default.yaml")
    result = flowsim.run_model(cfg, replications=5)
    result.metrics[0]["four_hour_performance"]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ below imports on use
    from .config import Config, load_config, parse_config
    from .draws import Draws, make_draws
    from .errors import ConfigError, ExecutorError, FlowsimError, SimulationError, UsageError
    from .eventlog import EventLog
    from .frames import load_store
    from .groups import group_metrics
    from .metrics import measure
    from .network import Network, build_network
    from .simulate import RunResult, run_model, run_replication

# PEP 562: public names are imported on first use, so that `flowsim run` pays only
# for the modules its command needs (importing all of them eagerly took ~1.0 s of a
# ~2.9 s run on the default economy, mostly scipy.stats).
_WHERE = {
    "Config": ".config", "load_config": ".config", "parse_config": ".config",
    "Draws": ".draws", "make_draws": ".draws",
    "ConfigError": ".errors", "ExecutorError": ".errors", "FlowsimError": ".errors",
    "SimulationError": ".errors", "UsageError": ".errors",
    "EventLog": ".eventlog", "load_store": ".frames", "group_metrics": ".groups", "measure": ".metrics",
    "Network": ".network", "build_network": ".network",
    "RunResult": ".simulate", "run_model": ".simulate", "run_replication": ".simulate",
}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value  # later look-ups skip this hook
        return value
    raise AttributeError(f"module 'flowsim' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


__version__ = "0.1.0"

__all__ = [
    "Config", "ConfigError", "Draws", "EventLog", "ExecutorError", "FlowsimError", "Network",
    "RunResult", "SimulationError", "build_network", "group_metrics", "load_config", "load_store", "make_draws",
    "measure",
    "UsageError", "parse_config", "run_model", "run_replication", "__version__",
]
