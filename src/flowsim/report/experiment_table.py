"""Terminal table of an experiment: each scenario's metrics and its paired difference."""

from __future__ import annotations

from .ledger_table import render_ledger
from .table import fmt_value

__all__ = ["render_experiment_table"]

_ROWS = [
    ("bed_days", "Bed days", "f1"),
    ("delayed_bed_days", "Delayed bed days", "f1"),
    ("acute_occupancy", "Acute bed occupancy", "pct"),
    ("ed_attendances", "ED attendances", "n"),
    ("four_hour_breaches", "Four-hour breaches", "n"),
    ("four_hour_performance", "Seen within four hours", "pct"),
    ("twelve_hour_waits", "12-hour waits from arrival", "n"),
    ("twelve_hour_waits_from_decision", "12-hour waits from decision to admit", "n"),
    ("admissions", "Emergency admissions", "n"),
    ("avoided_admissions", "Avoided admissions (in run)", "n"),
    ("avoided_attendances", "Avoided attendances (in run)", "n"),
    ("bed_days_saved", "Bed days saved (in run)", "f1"),
    ("delayed_bed_days_saved", "Delayed bed days saved (in run)", "f1"),
    ("other_route", "Blocked waits ended another way", "n"),
    ("cost_total", "Total cost (GBP)", "money"),
]


def _ci(s: dict, style: str) -> str:
    lo, hi = s["ci95"]
    return f"{fmt_value(s['mean'], style)} [{fmt_value(lo, style)}, {fmt_value(hi, style)}]"


def render_experiment_table(doc: dict) -> str:
    """Means with 95% CIs per scenario, and differences against the baseline."""
    base = doc["baseline"]
    lines = [f"Experiment {doc['experiment']}: seed {doc['seed']}, baseline '{base}', "
             f"window {doc['warm_up_days']:g}-{doc['horizon_days']:g} days",
             f"warm-up: {doc['warm_up']['note']}", f"replications: {doc['replications']['note']}", ""]
    width = max(len(label) for _, label, _ in _ROWS)
    for name, sc in doc["scenarios"].items():
        m, d = sc["metrics"], sc.get("difference_vs_baseline", {})
        title = f"{name} ({sc['replications']} replications)"
        lines.append(title)
        head = f"  {'Metric':<{width}}  {'mean [95% CI]':<34}"
        if d:
            head += f"  difference vs {base} [95% CI]"
        lines.append(head)
        for key, label, style in _ROWS:
            if key not in m:
                continue
            row = f"  {label:<{width}}  {_ci(m[key], style):<34}"
            if d and key in d:
                row += "  " + _ci(d[key], "f1" if style in ("n", "money") else style)
            lines.append(row)
        if d:
            lines += render_ledger(doc, name)
        lines.append("")
    for f in doc.get("failures", []):
        lines.append(f"FAILED: scenario {f['scenario']} replication {f['replication']} (seed {f['seed']})")
    t = doc["timing"]
    lines.append(f"{t['replications_run']} replications run in {t['replications_wall_s']:.1f} s on "
                 f"{t['executor']} ({t['workers']} workers){'; resumed' if t['resumed'] else ''}; "
                 f"store {doc['store']}")
    return "\n".join(lines)
