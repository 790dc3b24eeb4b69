"""Terminal table of an experiment: each scenario's metrics and its paired difference."""

from __future__ import annotations

import textwrap

from .board_summary import board_summary
from .ledger_table import render_ledger
from .table import CLIP_NOTE, difference_style, display_width, fmt_ci, pad
from .target_table import target_rows, targeted

__all__ = ["render_experiment_table", "with_bed_days_freed"]

_ROWS = [
    ("bed_days", "Bed days", "f1"),
    ("bed_days_freed", "Bed days freed in total (baseline - scenario)", "f1"),
    ("delayed_bed_days", "Delayed bed days", "f1"),
    ("acute_occupancy", "Acute bed occupancy", "pct"),
    ("ed_attendances", "ED attendances", "n"),
    ("four_hour_breaches", "Four-hour breaches", "n"),
    ("four_hour_performance", "Left ED within four hours", "pct"),
    ("twelve_hour_waits", "12-hour waits from arrival", "n"),
    ("twelve_hour_waits_from_decision", "12-hour waits from decision to admit", "n"),
    ("admissions", "Emergency admissions", "n"),
    ("avoided_admissions", "Avoided admissions (in window)", "n"),
    ("avoided_attendances", "Avoided attendances (in window)", "n"),
    ("los_bed_days_saved", "Bed days saved by shorter stays (in window)", "f1"),
    ("delayed_bed_days_saved", "Delayed bed days saved (in window)", "f1"),
    ("other_route", "Blocked waits ended another way", "n"),
    ("cost_total", "Total cost", "money"),
]


def with_bed_days_freed(diffs: dict) -> dict:
    """The paired differences plus ``bed_days_freed``: baseline minus scenario bed days.

    The total a scenario frees (shorter stays *and* avoided admissions, net of the
    beds others then take), unlike ``los_bed_days_saved`` (shorter stays only).
    """
    d = diffs.get("bed_days")
    if not d:
        return diffs
    lo, hi = d["ci95"]
    neg = {"mean": -d["mean"], "sd": d.get("sd"), "ci95": [None if hi is None else -hi, None if lo is None else -lo],
           "values": [-v for v in d.get("values", [])]}
    return {**diffs, "bed_days_freed": neg}


def _target_lines(m: dict, d: dict, width: int) -> list[str]:
    """Each targeted intervention's group: the same people in every scenario (``target_table``)."""
    out = []
    for iv in targeted(m):
        out.append(f"  Targeted group of {iv} (the same people in every scenario)")
        for label, mean, diff in target_rows(m, d, iv):
            out.append(f"    {pad(label, width - 2)}  {pad(mean, 34)}" + (f"  {diff}" if diff else ""))
    return out


def render_experiment_table(doc: dict) -> str:
    """Means with 95% CIs per scenario, and differences against the baseline."""
    base = doc["baseline"]
    lines = [f"Experiment {doc['experiment']}: seed {doc['seed']}, baseline '{base}', "
             f"window {doc['warm_up_days']:g}-{doc['horizon_days']:g} days",
             f"warm-up: {doc['warm_up']['note']}", f"replications: {doc['replications']['note']}", ""]
    summary = board_summary(doc)
    if summary:
        lines += textwrap.wrap("Summary: " + summary, 100, break_on_hyphens=False) + [""]
    width = max(display_width(label) for _, label, _ in _ROWS)
    for name, sc in doc["scenarios"].items():
        m, d = sc["metrics"], with_bed_days_freed(sc.get("difference_vs_baseline", {}))
        title = f"{name} ({sc['replications']} replications)"
        lines.append(title)
        head = f"  {pad('Metric', width)}  {pad('mean [95% CI, ' + str(sc['replications']) + ' replications]', 34)}"
        if d:
            head += f"  difference vs {base} [95% CI]"
        lines.append(head)
        for key, label, style in _ROWS:
            if key not in m and key not in d:
                continue
            row = f"  {pad(label, width)}  {pad(fmt_ci(m.get(key), style), 34)}"
            if d and key in d:
                row += "  " + fmt_ci(d[key], difference_style(style), clip=False)
            lines.append(row)
        lines += _target_lines(m, d, width)
        if d:
            lines += render_ledger(doc, name)
        lines.append("")
    lines += [CLIP_NOTE + " Differences of percentages are in percentage points (pp).", ""]
    for f in doc.get("failures", []):
        lines.append(f"FAILED: scenario {f['scenario']} replication {f['replication']} (seed {f['seed']})")
    t = doc["timing"]
    lines.append(f"{t['replications_run']} replications run in {t['replications_wall_s']:.1f} s on "
                 f"{t['executor']} ({t['workers']} workers){'; resumed' if t['resumed'] else ''}; "
                 f"store {doc['store']}")
    return "\n".join(lines)
