"""Print the figures docs/pathways.md quotes in its prose, from an experiment's JSON document.

The tables come from docs/pathways_table.py; the prose also quotes per-node, per-cohort and
per-target figures (referrals, utilisation, a cohort's admissions). This prints, for every
metric whose name matches one of the patterns, each scenario's mean [95% CI] and its paired
difference against the baseline [95% CI], so every figure in the prose can be checked.

Usage (from the repository root):
    flowsim experiment experiments/raid_calibrated.yaml --replications 5 --workers 2 --format json > raid.json
    python docs/pathways_figures.py raid.json 'node.liaison_team.*' admissions 'cohort.*.readmissions_30d'
"""

from __future__ import annotations

import fnmatch
import json
import sys


def _fmt(s: dict) -> str:
    lo, hi = s["ci95"]
    if s["mean"] is None:
        return "-"
    if lo is None:
        return f"{s['mean']:,.4g}"
    digits = 4 if abs(s["mean"]) < 10 else 0
    return f"{s['mean']:,.{digits}f} [{lo:,.{digits}f}, {hi:,.{digits}f}]"


def lines(doc: dict, patterns: list[str]) -> list[str]:
    """One line per scenario and matching metric: mean [CI] and, off the baseline, difference [CI]."""
    out = []
    for name, sc in doc["scenarios"].items():
        diff = sc.get("difference_vs_baseline", {})
        for key, s in sc["metrics"].items():
            if any(fnmatch.fnmatchcase(key, p) for p in patterns):
                d = f"   diff {_fmt(diff[key])}" if key in diff else ""
                out.append(f"{name:24s} {key:48s} {_fmt(s)}{d}")
    return out


if __name__ == "__main__":
    print("\n".join(lines(json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2:])))
