"""The targeted group of each targeted intervention (``target.<intervention>.<metric>``), as rows.

A programme aimed at a cohort (Kent's top 5% by predicted risk, Newquay's frail elderly)
is judged by what happens to that cohort; ``target_metrics`` measures the same people in
every scenario, switched on or not. The terminal table and the HTML report show these
rows under each scenario's own table: means, and paired differences against the baseline.
"""

from __future__ import annotations

from .table import difference_style, fmt_ci

__all__ = ["targeted", "target_rows"]

_METRICS = [
    ("people", "People in the group", "n"),
    ("admissions", "Emergency admissions", "n"),
    ("readmissions_30d", "Readmissions within 30 days", "n"),
    ("ed_attendances", "ED attendances", "n"),
    ("four_hour_breaches", "Four-hour breaches", "n"),
    ("bed_days", "Bed days", "f1"),
    ("delayed_bed_days", "Delayed bed days", "f1"),
    ("deaths", "Deaths", "n"),
    ("cost_total", "Total cost", "money"),
]


def targeted(metrics: dict) -> list[str]:
    """The interventions with a measured targeted group in ``metrics``, in order of appearance."""
    out = []
    for k in metrics:
        if k.startswith("target.") and k.endswith(".people"):
            out.append(k[len("target."):-len(".people")])
    return out


def target_rows(metrics: dict, diffs: dict, name: str) -> list[list[str]]:
    """[label, mean [95% CI], difference vs baseline [95% CI] or ''] for intervention ``name``."""
    rows = []
    for key, label, style in _METRICS:
        k = f"target.{name}.{key}"
        if k not in metrics:
            continue
        d = diffs.get(k)
        rows.append([label, fmt_ci(metrics[k], style), fmt_ci(d, difference_style(style), clip=False) if d else ""])
    return rows
