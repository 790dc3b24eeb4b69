"""flowsim's exceptions.

One tree, so that callers can catch what they mean::

    FlowsimError            anything flowsim raises on purpose
    +-- ConfigError         a config or experiment file is wrong; says where and why
    +-- UsageError          an argument (command line or API) is wrong; names the argument
    +-- SimulationError     a run could not complete (e.g. an impossible state)
    +-- ExecutorError       a replication failed in a worker; carries its seed

The command line turns every FlowsimError into a message and exit status 2,
with no traceback.
"""

from __future__ import annotations

__all__ = ["FlowsimError", "ConfigError", "UsageError", "SimulationError", "ExecutorError"]


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


class SimulationError(FlowsimError):
    """A run could not be completed."""


class ExecutorError(FlowsimError):
    """A replication failed; the message names its scenario, number and seed."""
