"""Where replications run: in this process, in local worker processes, or on Dask.

Every executor has ``map_unordered(fn, argument_tuples, who=None)``, yielding each
task's result as it finishes, and is a context manager. A task that cannot give its
result (its worker died, or it raised) is an ``ExecutorError`` carrying the scenario,
replication and seed that ``who(argument_tuple)`` names. Results never depend
on the executor: a task is a pure function of its arguments, and the runner
orders results by (scenario, replication) before summarising them.

- :class:`SerialExecutor`: one after another, in this process (``--workers 1``).
- :class:`ProcessExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with an
  explicit start method chosen when the pool is made ('forkserver' where the
  platform has it, else 'spawn'); nothing is set at import time.
- :class:`DaskExecutor`: a ``distributed.Client`` on a scheduler address or an
  existing cluster; ``distributed`` is imported only here, and a missing extra
  says how to install it.
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any, Callable, Iterable, Iterator

from ..errors import ExecutorError, FlowsimError, UsageError, one_line

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor", "default_workers",
           "check_scheduler_address", "check_executor_args", "DEFAULT_SCHEDULER_TIMEOUT"]


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _failed(e: BaseException, a: tuple, who: Callable | None) -> ExecutorError:
    """The ExecutorError of task ``a`` that failed with ``e``; ``who(a)`` gives its scenario,
    replication and seed as keywords (tasks never raise: this is a worker that died, or a
    result that could not come back)."""
    return ExecutorError(f"a worker failed: {one_line(e)}", **(who(a) if who is not None else {}))


def _result(f, a: tuple, who: Callable | None) -> Any:
    try:
        return f.result()
    except FlowsimError:
        raise
    except Exception as e:  # BrokenProcessPool (a worker killed), Dask's KilledWorker, unpicklable results
        raise _failed(e, a, who) from e


class SerialExecutor:
    name = "serial"
    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map_unordered(self, fn: Callable, args: Iterable[tuple], who: Callable | None = None) -> Iterator[Any]:
        for a in args:
            try:
                out = fn(*a)
            except FlowsimError:
                raise
            except Exception as e:
                raise _failed(e, a, who) from e
            yield out


class ProcessExecutor:
    """Local worker processes.

    Parameters
    ----------
    workers : int
        Number of processes.
    start_method : str, optional
        'forkserver' or 'spawn' (default: forkserver where available). Fork is
        avoided: it copies the parent's threads and locks.
    """

    name = "processes"

    def __init__(self, workers: int, start_method: str | None = None):
        import multiprocessing  # here, not at the top: a run in this process never needs it

        self.workers = workers
        if start_method is None:
            start_method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.start_method = start_method
        self._pool = None

    def __enter__(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context(self.start_method)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                         initializer=_die_with_parent, initargs=(os.getpid(),))
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            # on an interrupt, do not wait for queued replications
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)
        return False

    def map_unordered(self, fn: Callable, args: Iterable[tuple], who: Callable | None = None) -> Iterator[Any]:
        from concurrent.futures import as_completed

        futures = {self._pool.submit(fn, *a): a for a in args}
        for f in as_completed(futures):
            yield _result(f, futures[f], who)


_ADDRESS = re.compile(r"^(?:(tcp|tls|inproc|ucx|ws|wss)://)?[^\s/:]+(?::\d{1,5})?$")
DEFAULT_SCHEDULER_TIMEOUT = 10.0


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler address such as ``tcp://host:8786`` (or ``host:8786``), checked
    before anything is stored; raises UsageError for anything else (``http://...``)."""
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise UsageError(f"expected a Dask scheduler address such as tcp://host:8786, found {address!r}",
                         argument="--scheduler")
    return address


def _connect(address, timeout: float):
    """A ``distributed.Client``, or ExecutorError within ``timeout`` seconds.

    ``Client(timeout=...)`` bounds the TCP connect but not the handshake: a server that
    accepts the connection and never answers as a scheduler (an HTTP server) would
    hang it for good, so the connection is made in a daemon thread with a deadline.
    """
    import dask
    from distributed import Client

    box: dict = {}

    def connect():
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
                box["client"] = Client(address, timeout=f"{timeout}s")
        except Exception as e:  # reported below, in the caller's thread
            box["error"] = e

    t = threading.Thread(target=connect, name="flowsim-dask-connect", daemon=True)
    t.start()
    t.join(timeout + 2.0)
    if "client" in box:
        return box["client"]
    why = f"{box['error']}" if "error" in box else f"no answer as a Dask scheduler within {timeout:g} s"
    raise ExecutorError(f"could not connect to the Dask scheduler at {address}: {why}")


def _die_with_parent(parent: int, every: float = 1.0) -> None:
    """Worker initializer: exit when the process that made the pool is gone.

    A pool's workers are children of the forkserver, not of flowsim, so a flowsim
    killed with SIGKILL (no clean-up runs) would leave them, the forkserver and the
    resource tracker running, each holding hundreds of MB. A daemon thread polls
    the parent and ends the worker within ``every`` seconds of its death; the
    forkserver and the resource tracker then see their last client go and exit.
    """
    def watch():
        while True:
            time.sleep(every)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another user
                os._exit(1)
            if os.getppid() == 1:  # our own parent (the forkserver) is gone too
                os._exit(1)

    threading.Thread(target=watch, name="flowsim-parent-watch", daemon=True).start()


class DaskExecutor:
    """A Dask distributed cluster.

    Parameters
    ----------
    address : str or a Dask cluster object
        ``tcp://host:port`` of a scheduler, or a cluster (e.g. ``LocalCluster``).
    timeout : float
        Seconds to wait for the scheduler to answer.
    """

    name = "dask"

    def __init__(self, address, timeout: float = DEFAULT_SCHEDULER_TIMEOUT):
        check_executor_args(None, address, timeout)
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("the Dask executor needs the optional extra: pip install 'flowsim[dask]'",
                             argument="--scheduler") from None
        self.address = address
        self.timeout = float(timeout)
        self._client = None
        self.workers = None

    def __enter__(self):
        self._client = _connect(self.address, self.timeout)
        self.workers = len(self._client.scheduler_info().get("workers", {}))
        return self

    def __exit__(self, *exc):
        if self._client is not None:
            self._client.close()
        return False

    def map_unordered(self, fn: Callable, args: Iterable[tuple], who: Callable | None = None) -> Iterator[Any]:
        from distributed import as_completed

        futures = {self._client.submit(fn, *a, pure=False): a for a in args}
        for f in as_completed(list(futures)):
            yield _result(f, futures[f], who)
            f.release()


def check_executor_args(workers: int | None = None, scheduler=None,
                        scheduler_timeout: float = DEFAULT_SCHEDULER_TIMEOUT) -> None:
    """Raise UsageError for a bad ``--workers``, ``--scheduler`` or ``--scheduler-timeout``
    (before a store is made or anything runs)."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise UsageError(f"expected a whole number >= 1, found {workers!r}", argument="--workers")
    if isinstance(scheduler, str):
        check_scheduler_address(scheduler)
    if not (isinstance(scheduler_timeout, (int, float)) and scheduler_timeout > 0):
        raise UsageError(f"expected a number of seconds > 0, found {scheduler_timeout!r}",
                         argument="--scheduler-timeout")


def make_executor(workers: int | None = None, scheduler=None,
                  scheduler_timeout: float = DEFAULT_SCHEDULER_TIMEOUT):
    """The executor for ``--workers`` / ``--scheduler`` (Dask when a scheduler is given)."""
    check_executor_args(workers, scheduler, scheduler_timeout)
    if scheduler is not None:
        return DaskExecutor(scheduler, scheduler_timeout)
    workers = default_workers() if workers is None else workers
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
