"""The results store: a directory with a manifest and one Parquet file per replication.

Layout::

    STORE/manifest.json                       what was run, with what, decisions, timings
    STORE/replications/<scenario>/r000007.parquet   one row: the metrics of one replication
    STORE/summary.csv, replications.csv, methods.md  written at the end

Each replication file is written to a temporary name and renamed with
``os.replace``, so a file either exists whole or not at all: an interrupted
experiment loses at most the replications that were running. The manifest's
``fingerprint`` (hashes of the model and experiment files, seed, horizon,
engine, scenarios, the randomness contract's version) must match for a store to be
resumed: replications drawn under two versions of the contract are never mixed (a
store from before the version was recorded is version 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ConfigError, UsageError
from ..outputs import write_atomically

__all__ = ["Store"]

_META = ("scenario", "replication", "seed", "seconds")
_LOCK = ".lock"


class Store:
    """A results directory (see module docstring)."""

    def __init__(self, root):
        self.root = Path(root)
        self.manifest_path = self.root / "manifest.json"
        self.manifest: dict = {}

    # ------------------------------------------------------------- manifest
    def open(self, fingerprint: dict, fresh: dict) -> bool:
        """Create the store, or resume it if its fingerprint matches.

        Parameters
        ----------
        fingerprint : dict
            What must not change between a run and its resumption.
        fresh : dict
            Manifest entries of a new store (versions, platform, ...).

        Returns
        -------
        bool
            True when resuming an existing store.

        Raises
        ------
        ConfigError
            The store was made with a different fingerprint; the message names
            what differs.
        """
        self._make_root()
        self._lock()
        if self.manifest_path.exists():
            old = self._read_manifest()
            before = dict(old.get("fingerprint", {}))
            if "randomness_version" in fingerprint:
                before.setdefault("randomness_version", 1)  # stores from before it was recorded
            diffs = [k for k in sorted(set(before) | set(fingerprint)) if before.get(k) != fingerprint.get(k)]
            if diffs:
                what = "; ".join(f"{k}: store has {_short(before.get(k))}, now {_short(fingerprint.get(k))}"
                                 for k in diffs)
                if "randomness_version" in diffs:
                    what += (" (its replications were drawn under another version of the randomness contract "
                             "and cannot be mixed with new ones; docs/design.md)")
                raise ConfigError(f"refusing to resume the store at '{self.root}': it was made with a "
                                  f"different experiment ({what}). Choose another --out, or delete the store "
                                  "to start again", path="--out")
            self.manifest = old
            # an interrupted write leaves only a temporary file, never a partial result
            for stale in self.root.glob("*/*/.*.tmp*"):
                stale.unlink(missing_ok=True)
            return True
        if any(p.name != _LOCK for p in self.root.iterdir()):
            raise ConfigError(f"expected an empty directory or a flowsim store at '{self.root}', found other "
                              "files and no manifest.json", path="--out")
        self.manifest = {"fingerprint": fingerprint, **fresh, "runs": [], "failures": []}
        self.save()
        return False

    def _make_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"expected a directory for the results store, found the file '{self.root}'",
                             argument="--out")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"cannot create the results store at '{self.root}': {e.strerror or e}",
                             argument="--out") from None

    def _lock(self) -> None:
        """Hold an exclusive lock on the store until ``close`` (or the process ends), so a
        second process writing the same store is refused instead of racing this one."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; one writer per store is the user's to keep
            return
        try:
            self._lock_file = open(self.root / _LOCK, "a+")
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise UsageError(f"the results store at '{self.root}' is in use by another flowsim process; wait "
                             "for it to finish, or choose another --out", argument="--out") from None
        except OSError as e:
            raise UsageError(f"cannot lock the results store at '{self.root}': {e.strerror or e}",
                             argument="--out") from None

    def close(self) -> None:
        """Release the store's lock."""
        if getattr(self, "_lock_file", None) is not None:
            self._lock_file.close()
            self._lock_file = None

    def _read_manifest(self) -> dict:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise ConfigError(f"the store's manifest '{self.manifest_path}' is corrupt ({e}); delete the store "
                              "directory (or choose another --out) to start again", path="--out") from None

    def save(self) -> None:
        self._write(self.manifest_path, lambda tmp: tmp.write_text(
            json.dumps(self.manifest, indent=1, default=_json_default), encoding="utf-8"))

    def _write(self, path: Path, write) -> None:
        """Write ``path`` atomically; a file-system fault is a clear error that keeps what is stored."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, write, "--out")
        except (OSError, UsageError) as e:
            why = e.message if isinstance(e, UsageError) else (e.strerror or str(e))
            raise UsageError(f"cannot write to the results store at '{self.root}': {why}. The replications "
                             "already stored are kept; rerun the same command to resume", argument="--out") from None

    # ---------------------------------------------------------- replications
    def _file(self, scenario: str, replication: int) -> Path:
        return self.root / "replications" / scenario / f"r{replication:06d}.parquet"

    def has(self, scenario: str, replication: int) -> bool:
        return self._file(scenario, replication).exists()

    def write(self, scenario: str, replication: int, seed: int, metrics: dict, seconds: float) -> None:
        """Write one replication's metrics atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self._file(scenario, replication)
        cols = {"scenario": [scenario], "replication": [int(replication)], "seed": [int(seed)],
                "seconds": [float(seconds)]}
        cols.update({k: [float(v)] for k, v in metrics.items()})
        self._write(path, lambda tmp: pq.write_table(pa.table(cols), tmp))

    def write_events(self, scenario: str, replication: int, log, net) -> None:
        """Write one replication's event log (``events/<scenario>/r<replication>.parquet``), atomically."""
        from ..eventlog import write_eventlog

        path = self.root / "events" / scenario / f"r{replication:06d}.parquet"
        self._write(path, lambda tmp: write_eventlog([log], tmp, net.node_names, net.cohorts, net.exit_names,
                                                     replications=[replication]))

    def read(self, scenario: str) -> dict[int, dict[str, float]]:
        """Metrics of every stored replication of a scenario, by replication number."""
        out: dict[int, dict[str, float]] = {}
        folder = self.root / "replications" / scenario
        for f in sorted(folder.glob("r*.parquet")) if folder.exists() else []:
            row = _read_row(f)
            out[int(row["replication"])] = {k: (np.nan if v is None else float(v)) for k, v in row.items()
                                            if k not in _META}
        return out

    def seconds(self, scenario: str) -> dict[int, float]:
        folder = self.root / "replications" / scenario
        return {int(r["replication"]): float(r["seconds"])
                for f in (sorted(folder.glob("r*.parquet")) if folder.exists() else [])
                for r in [_read_row(f)]}


def _read_row(f: Path) -> dict:
    """The one row of a stored replication; a damaged file is named, with the fix."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(f).to_pylist()[0]
    except (pa.ArrowException, OSError, IndexError) as e:
        raise ConfigError(f"the stored replication '{f}' is corrupt ({e}); delete that file and rerun the same "
                          "command: it will be recomputed", path="--out") from None


def _short(v) -> str:
    s = json.dumps(v, default=_json_default)
    return s if len(s) <= 24 else s[:12] + "..." + s[-8:]


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
