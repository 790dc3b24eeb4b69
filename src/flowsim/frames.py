"""Results as pandas DataFrames, for analysts in a notebook (docs/frames.md).

Tidy frames, one row per (scenario, replication, metric)::

    scenario  replication  metric                 value
    baseline  0            four_hour_performance  0.748
    ...

pandas is an optional extra (``pip install 'flowsim[frames]'``), imported only
when a frame is asked for; without it flowsim says how to install it.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import FlowsimError, UsageError

__all__ = ["require_pandas", "metrics_frame", "load_store", "COLUMNS"]

COLUMNS = ["scenario", "replication", "metric", "value"]


def require_pandas():
    """The pandas module, or a FlowsimError saying how to install it."""
    try:
        import pandas
    except ImportError:
        raise FlowsimError("results as data frames need pandas: pip install 'flowsim[frames]'") from None
    return pandas


def metrics_frame(per_replication, scenario: str = "baseline", replications=None):
    """A tidy DataFrame of metrics, one row per (replication, metric).

    Parameters
    ----------
    per_replication : list of dict or dict of int -> dict
        Metric name -> value, one dict per replication (a dict is keyed by replication number).
    scenario : str
        The value of the ``scenario`` column.
    replications : list of int, optional
        Replication numbers for a list (default 0, 1, ...).

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, replication, metric, value``, metrics in first-seen order.
    """
    pd = require_pandas()
    if isinstance(per_replication, dict):
        items = sorted(per_replication.items())
    else:
        reps = range(len(per_replication)) if replications is None else replications
        items = list(zip(reps, per_replication))
    rows = [(scenario, int(r), k, float(v)) for r, m in items for k, v in m.items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def load_store(path):
    """Read an experiment store (``flowsim experiment --out PATH``) as a tidy DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        The store's folder (it holds ``manifest.json``).

    Returns
    -------
    pandas.DataFrame
        Every stored replication of every scenario, columns ``scenario, replication,
        metric, value``; the manifest (seed, versions, decisions) is in ``df.attrs["manifest"]``.

    Raises
    ------
    UsageError
        When the folder is not a flowsim store.
    """
    from .experiment.store import Store

    pd = require_pandas()
    root = Path(path)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise UsageError(f"expected a flowsim experiment store (a folder with manifest.json), found none at '{root}'",
                         argument="path")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    store = Store(root)
    folder = root / "replications"
    names = manifest.get("fingerprint", {}).get("scenarios") or sorted(p.name for p in folder.iterdir() if p.is_dir())
    frames = [metrics_frame(store.read(s), s) for s in names]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    df.attrs["manifest"] = manifest
    return df
