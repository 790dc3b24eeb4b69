"""Terminal tables of run summaries."""

from __future__ import annotations

import math

__all__ = ["render_run_table", "fmt_value", "fmt_ci", "payer_rows"]

_HEADLINE = [
    ("patients", "Patients arrived (whole run)", "n"),
    ("bed_days", "Bed days", "f1"),
    ("delayed_bed_days", "Delayed bed days", "f1"),
    ("delayed_bed_share", "Share of acute bed days delayed", "pct"),
    ("acute_occupancy", "Acute bed occupancy", "pct"),
    ("ed_attendances", "ED attendances", "n"),
    ("four_hour_breaches", "Four-hour breaches", "n"),
    ("four_hour_performance", "Seen within four hours", "pct"),
    ("twelve_hour_waits", "Twelve-hour waits in ED", "n"),
    ("twelve_hour_waits_from_decision", "Twelve-hour waits from decision to admit", "n"),
    ("ed_censored", "Still in ED at horizon (< 4 h, censored)", "n"),
    ("admissions", "Emergency admissions", "n"),
    ("readmissions_30d", "Emergency readmissions within 30 days", "n"),
    ("readmission_rate_30d", "Discharges readmitted within 30 days", "pct"),
    ("left_without_being_seen", "Left without being seen", "n"),
    ("other_route", "Waits for onward care ended another way", "n"),
    ("cost_total", "Total cost (GBP)", "money"),
]

_NODE_COLS = [
    ("arrivals", "arrivals", "n"),
    ("wait_mean", "wait mean", "dur"),
    ("wait_p95", "wait p95", "dur"),
    ("utilisation", "util", "pct"),
    ("mean_occupancy", "occupancy", "f1"),
    ("diverted", "diverted", "n"),
    ("reneged", "LWBS", "n"),
    ("bed_days", "bed days", "f1"),
    ("delayed_bed_days", "delayed", "f1"),
]


def fmt_value(x: float, style: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if style == "pct":
        return f"{100 * x:.1f}%"
    if style == "n":
        return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"
    if style == "money":
        return f"{x:,.0f}"
    if style == "dur":
        if x >= 2880:
            return f"{x / 1440:.1f} d"
        if x >= 120:
            return f"{x / 60:.1f} h"
        return f"{x:.0f} min"
    return f"{x:,.1f}"


def fmt_ci(summary: dict | None, style: str, with_ci: bool = True, sep: str = " ") -> str:
    """``mean [lo, hi]`` of a metric summary; the interval only when it exists."""
    if not summary:
        return "-"
    s = fmt_value(summary["mean"], style)
    lo, hi = summary["ci95"]
    if with_ci and lo is not None and hi is not None and not (math.isnan(lo) or math.isnan(hi)):
        s += f"{sep}[{fmt_value(lo, style)}, {fmt_value(hi, style)}]"
    return s


_COST_KINDS = [("activity", "activity"), ("capacity", "capacity (open, used or not)"),
               ("unmet_demand", "unmet demand"), ("intervention", "interventions"),
               ("delayed_discharge", "of which delayed discharges")]


def payer_rows(m: dict, with_ci: bool) -> tuple[list[list[str]], list[list[str]]]:
    """``[name, mean [CI]]`` rows of the cost to each payer and pool, and of each kind of cost.

    Both empty for a model without payers.
    """
    from ..experiment.savings import payers_in
    payers = payers_in(m)
    if not payers:
        return [], []
    return ([[p, fmt_ci(m[f"cost.{p}"], "money", with_ci, sep="  ")] for p in payers],
            [[label, fmt_ci(m[f"cost.{k}"], "money", with_ci, sep="  ")] for k, label in _COST_KINDS
             if f"cost.{k}" in m])


def _payer_lines(m: dict, width: int, with_ci: bool) -> list[str]:
    payers, kinds = payer_rows(m, with_ci)
    if not payers:
        return []
    out = ["", "Who pays (GBP over the window)"]
    out += [f"  {name:<{width - 2}}  {text}" for name, text in payers]
    out.append("By kind of cost")
    out += [f"  {name:<{width - 2}}  {text}" for name, text in kinds]
    return out


def render_run_table(doc: dict, node_names: list[str]) -> str:
    """The summary of ``flowsim run`` as text (means, with 95% CI when replications > 1)."""
    m = doc["metrics"]
    reps = doc["replications"]
    with_ci = reps > 1
    lines = [f"{doc['config']}",
             f"engine {doc['engine']}, seed {doc['seed']}, {reps} replication(s), "
             f"window {doc['warm_up_days']:g}-{doc['horizon_days']:g} days "
             f"(warm-up {doc['warm_up_days']:g} days discarded)", ""]
    title = "mean [95% CI]" if with_ci else "value"
    width = max(len(label) for _, label, _ in _HEADLINE)
    lines.append(f"{'Metric':<{width}}  {title}")
    lines.append("-" * (width + 2 + 30))
    for key, label, style in _HEADLINE:
        if key in m:
            lines.append(f"{label:<{width}}  {fmt_ci(m[key], style, with_ci, sep='  ')}")
    lines += _payer_lines(m, width, with_ci)
    lines.append("")
    nw = max(8, max(len(n) for n in node_names))
    header = f"{'Service':<{nw}}" + "".join(f"{h:>11}" for _, h, _ in _NODE_COLS)
    lines.append(header)
    lines.append("-" * len(header))
    for n in node_names:
        row = f"{n:<{nw}}"
        for key, _, style in _NODE_COLS:
            s = m.get(f"node.{n}.{key}")
            row += f"{fmt_value(s['mean'], style) if s else '-':>11}"
        lines.append(row)
    t = doc["timing"]
    lines.append("")
    pps = sum(t["patients"]) / max(sum(t["replication_s"]), 1e-9)
    line = (f"{sum(t['patients']):,} patients in {sum(t['replication_s']):.2f} s of replications "
            f"({pps:,.0f} patients/s)")
    if t.get("compile_s", 0.0) >= 0.05:
        line += f"; {t['compile_s']:.1f} s preparing the compiled engine (cached after the first run)"
    lines.append(line)
    return "\n".join(lines)
