"""flowsim's exceptions.

One tree, so that callers can catch what they mean::

    FlowsimError            anything flowsim raises on purpose
    +-- ConfigError         a config or experiment file is wrong; says where and why
    +-- UsageError          an argument (command line or API) is wrong; names the argument
    +-- SimulationError     a replication could not complete (an engine failed, or an
    |                       impossible state); carries its scenario, replication and seed
    +-- ExecutorError       a worker failed or a replication failed in one; carries the same

The command line turns every FlowsimError into a message and exit status 2,
with no traceback.
"""

from __future__ import annotations

__all__ = ["FlowsimError", "ConfigError", "UsageError", "SimulationError", "ExecutorError", "one_line"]


class FlowsimError(Exception):
    """Base class of every error flowsim raises on purpose."""


class ConfigError(FlowsimError):
    """A config value is wrong.

    Parameters
    ----------
    message : str
        What was expected and what was found.
    file : str, optional
        The config file.
    line, column : int, optional
        1-based position of the offending value in the file.
    path : str, optional
        The dotted key path, e.g. ``services.ward.servers``.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, path: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class UsageError(FlowsimError):
    """An argument to a command or to a public function is wrong.

    Parameters
    ----------
    message : str
        What was expected and what was found.
    argument : str, optional
        The argument's name as the caller wrote it (``--seed``, ``replications``).
    """

    def __init__(self, message: str, *, argument: str | None = None):
        self.message = message
        self.argument = argument
        super().__init__(f"{argument}: {message}" if argument else message)


class _ReplicationError(FlowsimError):
    """An error about one replication: the message, then where it happened.

    Parameters
    ----------
    message : str
        What went wrong, in one line.
    scenario : str, optional
        The scenario's name (``None`` outside an experiment or ``--scenario``).
    replication : int, optional
        The replication's number (0-based).
    seed : int, optional
        The run's seed: ``(seed, replication)`` reproduces the replication.
    engine : str, optional
        The engine that ran it.

    The attributes can be filled in as the error travels up (a caller that knows the
    scenario adds it); ``str(error)`` always says what is known.
    """

    def __init__(self, message: str, *, scenario: str | None = None, replication: int | None = None,
                 seed: int | None = None, engine: str | None = None):
        super().__init__(message)
        self.message = message
        self.scenario = scenario
        self.replication = replication
        self.seed = seed
        self.engine = engine

    def __str__(self) -> str:
        where = [f"scenario '{self.scenario}'" if self.scenario is not None else None,
                 f"replication {self.replication}" if self.replication is not None else None,
                 f"seed {self.seed}" if self.seed is not None else None,
                 f"engine {self.engine}" if self.engine is not None else None]
        where = [w for w in where if w]
        return f"{self.message} ({', '.join(where)})" if where else self.message


class SimulationError(_ReplicationError):
    """A replication could not be completed; says which (scenario, replication, seed)."""


class ExecutorError(_ReplicationError):
    """A worker failed, or a replication failed in one; says which (scenario, replication, seed)."""


def one_line(e: BaseException) -> str:
    """``Type: first line of the message`` of an unexpected exception, for a one-line report."""
    lines = str(e).strip().splitlines()
    if isinstance(e, MemoryError):
        return "out of memory (MemoryError)" + (f": {lines[0]}" if lines else "")
    return f"{type(e).__name__}: {lines[0]}" if lines else type(e).__name__
