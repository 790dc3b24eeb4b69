"""Progress of an experiment on stderr: a bar on a terminal, log lines otherwise."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Replications done of how many, per scenario, with an ETA.

    Parameters
    ----------
    stream : file, optional
        Default ``sys.stderr``; a bar is drawn only when it is a terminal.
    quiet : bool
        Print nothing.
    """

    def __init__(self, stream=None, quiet: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.todo: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.t0 = time.perf_counter()
        self.finished = 0

    def plan(self, counts: dict[str, int], label: str = "replications") -> None:
        """Start a round: ``counts`` replications to run per scenario."""
        self.label = label
        self.todo = dict(counts)
        self.done = {k: 0 for k in counts}
        self.t0 = time.perf_counter()
        self.finished = 0
        if not self.quiet and not self.tty:
            total = sum(counts.values())
            noun = label[:-1] if total == 1 and label.endswith("s") else label  # 1 replication, 2 replications
            self._print(f"flowsim: {total} {noun} to run ({', '.join(f'{k} {v}' for k, v in counts.items())})")

    def update(self, scenario: str, replication: int, seconds: float, ok: bool = True) -> None:
        self.done[scenario] = self.done.get(scenario, 0) + 1
        self.finished += 1
        if self.quiet:
            return
        total = sum(self.todo.values())
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / self.finished * (total - self.finished)
        if self.tty:
            per = "  ".join(f"{k} {self.done[k]}/{self.todo.get(k, 0)}" for k in self.done)
            width = 24
            fill = int(width * self.finished / max(total, 1))
            self.stream.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {self.finished}/{total}  {per}  "
                              f"ETA {_clock(eta)} ")
            self.stream.flush()
            if self.finished == total:
                self.stream.write("\n")
        else:
            status = "done" if ok else "FAILED"
            self._print(f"flowsim: {scenario} replication {replication} {status} in {seconds:.1f} s; "
                        f"{self.finished}/{total}, ETA {_clock(eta)}")

    def message(self, text: str) -> None:
        if not self.quiet:
            if self.tty:
                self.stream.write("\n")
            self._print(text)

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)
