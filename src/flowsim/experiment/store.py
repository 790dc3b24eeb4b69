"""The results store: a directory with a manifest and one Parquet file per replication.

Layout::

    STORE/manifest.json                       what was run, with what, decisions, timings
    STORE/replications/<scenario>/r000007.parquet   one row: the metrics of one replication
    STORE/summary.csv, replications.csv, methods.md  written at the end

Each replication file is written to a temporary name and renamed with
``os.replace``, so a file either exists whole or not at all: an interrupted
experiment loses at most the replications that were running. The manifest's
``fingerprint`` (hashes of the model and experiment files, seed, horizon,
engine, scenarios) must match for a store to be resumed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import ConfigError

__all__ = ["Store"]

_META = ("scenario", "replication", "seed", "seconds")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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
        if self.manifest_path.exists():
            old = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            before = old.get("fingerprint", {})
            diffs = [k for k in sorted(set(before) | set(fingerprint)) if before.get(k) != fingerprint.get(k)]
            if diffs:
                what = "; ".join(f"{k}: store has {_short(before.get(k))}, now {_short(fingerprint.get(k))}"
                                 for k in diffs)
                raise ConfigError(f"refusing to resume the store at '{self.root}': it was made with a "
                                  f"different experiment ({what}). Choose another --out, or delete the store "
                                  "to start again", path="--out")
            self.manifest = old
            # an interrupted write leaves only a temporary file, never a partial result
            for stale in list(self.root.glob("*/*/.*.tmp")) + list(self.root.glob("*/*/*.parquet.tmp")):
                stale.unlink(missing_ok=True)
            return True
        if self.root.exists() and any(self.root.iterdir()):
            raise ConfigError(f"expected an empty directory or a flowsim store at '{self.root}', found other "
                              "files and no manifest.json", path="--out")
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest = {"fingerprint": fingerprint, **fresh, "runs": [], "failures": []}
        self.save()
        return False

    def save(self) -> None:
        _atomic_write_text(self.manifest_path, json.dumps(self.manifest, indent=1, default=_json_default))

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
        path.parent.mkdir(parents=True, exist_ok=True)
        cols = {"scenario": [scenario], "replication": [int(replication)], "seed": [int(seed)],
                "seconds": [float(seconds)]}
        cols.update({k: [float(v)] for k, v in metrics.items()})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        pq.write_table(pa.table(cols), tmp)
        os.replace(tmp, path)

    def write_events(self, scenario: str, replication: int, log, net) -> None:
        """Write one replication's event log (``events/<scenario>/r<replication>.parquet``), atomically."""
        from ..eventlog import write_eventlog

        path = self.root / "events" / scenario / f"r{replication:06d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_eventlog([log], path, net.node_names, net.cohorts, net.exit_names, replications=[replication])

    def read(self, scenario: str) -> dict[int, dict[str, float]]:
        """Metrics of every stored replication of a scenario, by replication number."""
        import pyarrow.parquet as pq

        out: dict[int, dict[str, float]] = {}
        folder = self.root / "replications" / scenario
        for f in sorted(folder.glob("r*.parquet")) if folder.exists() else []:
            row = pq.read_table(f).to_pylist()[0]
            out[int(row["replication"])] = {k: (np.nan if v is None else float(v)) for k, v in row.items()
                                            if k not in _META}
        return out

    def seconds(self, scenario: str) -> dict[int, float]:
        import pyarrow.parquet as pq

        folder = self.root / "replications" / scenario
        return {int(r["replication"]): float(r["seconds"])
                for f in (sorted(folder.glob("r*.parquet")) if folder.exists() else [])
                for r in pq.read_table(f, columns=["replication", "seconds"]).to_pylist()}


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
