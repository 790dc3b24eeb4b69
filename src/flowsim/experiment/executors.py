"""Where replications run: in this process, in local worker processes, or on Dask.

Every executor has ``map_unordered(fn, argument_tuples)``, yielding each
task's result as it finishes, and is a context manager. Results never depend
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

import multiprocessing
import os
from typing import Any, Callable, Iterable, Iterator

from ..errors import ExecutorError

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor", "default_workers"]


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
    name = "serial"
    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map_unordered(self, fn: Callable, args: Iterable[tuple]) -> Iterator[Any]:
        for a in args:
            yield fn(*a)


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
        self.workers = workers
        if start_method is None:
            start_method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.start_method = start_method
        self._pool = None

    def __enter__(self):
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context(self.start_method)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            # on an interrupt, do not wait for queued replications
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)
        return False

    def map_unordered(self, fn: Callable, args: Iterable[tuple]) -> Iterator[Any]:
        from concurrent.futures import as_completed

        futures = [self._pool.submit(fn, *a) for a in args]
        for f in as_completed(futures):
            yield f.result()


class DaskExecutor:
    """A Dask distributed cluster.

    Parameters
    ----------
    address : str or a Dask cluster object
        ``tcp://host:port`` of a scheduler, or a cluster (e.g. ``LocalCluster``).
    """

    name = "dask"

    def __init__(self, address):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ExecutorError("the Dask executor needs the optional extra: pip install 'flowsim[dask]'") from None
        self.address = address
        self._client = None
        self.workers = None

    def __enter__(self):
        from distributed import Client

        try:
            self._client = Client(self.address, timeout="20s")
        except OSError as e:
            raise ExecutorError(f"could not connect to the Dask scheduler at {self.address}: {e}") from None
        self.workers = len(self._client.scheduler_info().get("workers", {}))
        return self

    def __exit__(self, *exc):
        if self._client is not None:
            self._client.close()
        return False

    def map_unordered(self, fn: Callable, args: Iterable[tuple]) -> Iterator[Any]:
        from distributed import as_completed

        futures = [self._client.submit(fn, *a, pure=False) for a in args]
        for f in as_completed(futures):
            yield f.result()
            f.release()


def make_executor(workers: int | None = None, scheduler=None):
    """The executor for ``--workers`` / ``--scheduler`` (Dask when a scheduler is given)."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ExecutorError(f"expected --workers >= 1, found {workers}")
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
