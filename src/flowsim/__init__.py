"""flowsim: discrete-event simulation of patient flow across health and social care.

The public surface; everything else is private and may change::

    cfg = flowsim.load_config("configs/default.yaml")
    result = flowsim.run_model(cfg, replications=5)
    result.metrics[0]["four_hour_performance"]
"""

from .config import Config, load_config, parse_config
from .draws import Draws, make_draws
from .errors import ConfigError, ExecutorError, FlowsimError, SimulationError, UsageError
from .eventlog import EventLog
from .frames import load_store
from .groups import group_metrics
from .metrics import measure
from .network import Network, build_network
from .simulate import RunResult, run_model, run_replication

__version__ = "0.1.0"

__all__ = [
    "Config", "ConfigError", "Draws", "EventLog", "ExecutorError", "FlowsimError", "Network",
    "RunResult", "SimulationError", "build_network", "group_metrics", "load_config", "load_store", "make_draws",
    "measure",
    "UsageError", "parse_config", "run_model", "run_replication", "__version__",
]
