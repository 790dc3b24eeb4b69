"""Experiments: scenarios x replications on common random numbers, run on local
processes or Dask, stored resumably, summarised with paired differences.

``run_experiment(path, ...)`` is the entry point; docs/experiments.md describes
the experiment file, the store and the JSON document.
"""

from .executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from .runner import check_experiment, run_experiment
from .spec import load_spec
from .store import Store
from .warmup import mser5

__all__ = ["run_experiment", "check_experiment", "load_spec", "Store", "mser5", "make_executor", "SerialExecutor",
           "ProcessExecutor", "DaskExecutor"]
