"""Summaries of a finished experiment: per-scenario metrics, paired differences, CSVs.

Everything here is computed from the store in (scenario, replication) order,
so the numbers are the same whatever executed the replications.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from ..stats import summarise, summarise_all

__all__ = ["paired_differences", "scenario_summary", "write_csvs"]


def paired_differences(base: dict[int, dict], other: dict[int, dict]) -> dict[str, dict]:
    """``summarise`` of (scenario - baseline) per replication, over replications both have.

    Replication r of both scenarios used the same random numbers (common random
    numbers), so the differences are paired.
    """
    common = sorted(set(base) & set(other))
    names: dict[str, None] = {}
    for r in common:
        names.update(dict.fromkeys(other[r]))
    return {k: summarise([other[r].get(k, math.nan) - base[r].get(k, math.nan) for r in common]) for k in names}


def scenario_summary(reps: dict[int, dict]) -> dict[str, dict]:
    """``summarise_all`` over a scenario's replications, in replication order."""
    return summarise_all([reps[r] for r in sorted(reps)])


def write_csvs(root: Path, doc: dict, per_rep: dict[str, dict[int, dict]]) -> list[Path]:
    """summary.csv (one row per scenario and metric) and replications.csv (one row per
    scenario and replication), written next to the Parquet files."""
    root = Path(root)
    summary = root / "summary.csv"
    with open(summary, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "metric", "mean", "sd", "ci95_lo", "ci95_hi", "n",
                    "diff_mean", "diff_sd", "diff_ci95_lo", "diff_ci95_hi"])
        for name, sc in doc["scenarios"].items():
            diffs = sc.get("difference_vs_baseline", {})
            for metric, s in sc["metrics"].items():
                d = diffs.get(metric)
                w.writerow([name, metric, s["mean"], s["sd"], s["ci95"][0], s["ci95"][1], len(s["values"]),
                            *(d and [d["mean"], d["sd"], d["ci95"][0], d["ci95"][1]] or ["", "", "", ""])])
            for metric, s in sc.get("savings", {}).items():   # already paired: net savings, ROI
                w.writerow([name, metric, s["mean"], s["sd"], s["ci95"][0], s["ci95"][1], len(s["values"]),
                            "", "", "", ""])
    table = root / "replications.csv"
    metrics: dict[str, None] = {}
    for reps in per_rep.values():
        for m in reps.values():
            metrics.update(dict.fromkeys(m))
    with open(table, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "replication", *metrics])
        for name, reps in per_rep.items():
            for r in sorted(reps):
                w.writerow([name, r, *(reps[r].get(k, "") for k in metrics)])
    return [summary, table]
