"""Reproduce the round-trip figures of docs/fit.md: run, fit, run the fit, compare.

    python docs/fit_roundtrip.py        # from the repository root, ~1 minute
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from flowsim import load_config, run_model
from flowsim.cli import main
from flowsim.stats import summarise

CONFIG = "configs/ed_ward_reablement.yaml"
METRICS = [("ed_attendances", "n"), ("admissions", "n"), ("bed_days", "n"), ("four_hour_performance", "pct"),
           ("delayed_bed_days", "n"), ("twelve_hour_waits", "n")]


def _fmt(s: dict, style: str) -> str:
    f = (lambda x: f"{100 * x:.1f}%") if style == "pct" else (lambda x: f"{x:,.0f}")
    return f"{f(s['mean'])} [{f(s['ci95'][0])}, {f(s['ci95'][1])}]"


def roundtrip(replications: int = 4, seed: int = 11) -> None:
    with tempfile.TemporaryDirectory() as d:
        ep, draft = Path(d) / "episodes.csv", Path(d) / "draft.yaml"
        with contextlib.redirect_stdout(io.StringIO()):  # the run's and the fit's own output
            main(["run", CONFIG, "--replications", "1", "--events", str(ep), "--format", "json"])
            main(["fit", str(ep), "-o", str(draft)])
        orig = load_config(CONFIG)
        fit = load_config(draft).model_copy(update={"run": orig.run})
        a = run_model(orig, replications=replications, seed=seed)
        b = run_model(fit, replications=replications, seed=seed)
        print("| metric | original | fitted | difference |\n|---|---|---|---|")
        for m, style in METRICS:
            x, y = (summarise([r[m] for r in res.metrics]) for res in (a, b))
            diff = (y["mean"] - x["mean"]) * 100 if style == "pct" else 100 * (y["mean"] / x["mean"] - 1)
            unit = " points" if style == "pct" else "%"
            print(f"| `{m}` | {_fmt(x, style)} | {_fmt(y, style)} | {diff:+.1f}{unit} |")


if __name__ == "__main__":
    roundtrip()
