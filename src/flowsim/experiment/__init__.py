"""Experiments: scenarios x replications on common random numbers, run on local
processes or Dask, stored resumably, summarised with paired differences.

``run_experiment(path, ...)`` is the entry point; docs/experiments.md describes
the experiment file, the store and the JSON document.
"""

import importlib

# imported on first use (PEP 562): `flowsim run` needs only .progress and .executors,
# not the runner's scipy, pydantic and store modules
_WHERE = {"DaskExecutor": ".executors", "ProcessExecutor": ".executors", "SerialExecutor": ".executors",
          "make_executor": ".executors", "check_experiment": ".runner", "run_experiment": ".runner",
          "load_spec": ".spec", "Store": ".store", "mser5": ".warmup"}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'flowsim.experiment' has no attribute {name!r}")


__all__ = ["run_experiment", "check_experiment", "load_spec", "Store", "mser5", "make_executor", "SerialExecutor",
           "ProcessExecutor", "DaskExecutor"]
