"""Terminal tables of run summaries."""

from __future__ import annotations

import math
import unicodedata
from ..units import MINUTES_PER_DAY

__all__ = ["render_run_table", "fmt_value", "fmt_ci", "ci_title", "difference_style", "display_width", "pad",
           "over_capacity", "payer_rows"]

_HEADLINE = [
    ("patients", "Patients arrived (whole run, warm-up included)", "n"),
    ("bed_days", "Bed days", "f1"),
    ("delayed_bed_days", "Delayed bed days", "f1"),
    ("delayed_bed_share", "Share of acute bed days delayed", "pct"),
    ("acute_occupancy", "Acute bed occupancy", "pct"),
    ("ed_attendances", "ED attendances", "n"),
    ("four_hour_breaches", "Four-hour breaches", "n"),
    ("four_hour_performance", "Left ED within four hours", "pct"),
    ("twelve_hour_waits", "Twelve-hour waits in ED", "n"),
    ("twelve_hour_waits_from_decision", "Twelve-hour waits from decision to admit", "n"),
    ("ed_censored", "Still in ED at horizon (< 4 h, censored)", "n"),
    ("admissions", "Emergency admissions", "n"),
    ("readmissions_30d", "Emergency readmissions within 30 days", "n"),
    ("readmission_rate_30d", "Discharges readmitted within 30 days", "pct"),
    ("left_without_being_seen", "Left without being seen", "n"),
    ("other_route", "Waits for onward care ended another way", "n"),
    ("avoided_admissions", "Avoided admissions (in window)", "n"),
    ("avoided_attendances", "Avoided attendances (in window)", "n"),
    ("los_bed_days_saved", "Bed days saved by shorter stays (in window)", "f1"),
    ("delayed_bed_days_saved", "Delayed bed days saved (in window)", "f1"),
    ("cost_total", "Total cost", "money"),
]

_NODE_COLS = [
    ("arrivals", "arrivals", "n"),
    ("wait_mean", "wait mean", "dur"),
    ("wait_p95", "wait p95", "dur"),
    ("utilisation", "util", "pct"),
    ("mean_occupancy", "occupancy", "f1"),
    ("diverted", "diverted", "n"),
    ("reneged", "LWBS", "n"),
    ("still_waiting", "waiting", "n"),
    ("bed_days", "bed days", "f1"),
    ("delayed_bed_days", "delayed", "f1"),
]

WAIT_NOTE = ("Waits are over visits whose service started: visits still waiting at the horizon "
             "('waiting') and those who left without being seen (LWBS) are left out of them.")
CLIP_NOTE = "Intervals of quantities that cannot be negative are clipped at 0."
UTIL_NOTE = ("utilisation over 100%: capacity follows a roster, and patients in service are not "
             "preempted when the roster drops, so busy time can exceed the capacity offered.")


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (left-aligned unless ``right``)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def fmt_value(x: float, style: str) -> str:
    """A number for people: ``n`` counts whole, ``pct`` percent, ``pp`` percentage points,
    ``money`` whole pounds, ``dur`` minutes/hours/days, else one decimal."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if style == "pct":
        return f"{100 * x:.1f}%"
    if style == "pp":
        return f"{100 * x:.1f} pp"
    if style == "money":
        return f"{'-' if x < 0 else ''}£{abs(x):,.0f}"
    if style == "n":
        return f"{x:,.0f}"
    if style == "dur":
        if x >= 2880:
            return f"{x / MINUTES_PER_DAY:.1f} d"
        if x >= 120:
            return f"{x / 60:.1f} h"
        return f"{x:.0f} min"
    return f"{x:,.1f}"


def difference_style(style: str) -> str:
    """The style of a difference between two values of ``style``: percentages differ in points."""
    return "pp" if style == "pct" else style


def ci_title(replications: int) -> str:
    """The column title of means with intervals, saying how many replications they rest on."""
    if replications > 1:
        return f"mean [95% CI, {replications} replications]"
    return "value (1 replication: no CI)"


def fmt_ci(summary: dict | None, style: str, with_ci: bool = True, sep: str = " ",
           clip: bool = True) -> str:
    """``mean [lo, hi]`` of a metric summary; the interval only when it exists.

    With ``clip`` (quantities that cannot be negative), the interval is shown from 0
    at the lowest; differences pass ``clip=False``.
    """
    if not summary:
        return "-"
    s = fmt_value(summary["mean"], style)
    lo, hi = summary["ci95"]
    if with_ci and lo is not None and hi is not None and not (math.isnan(lo) or math.isnan(hi)):
        if clip:
            lo, hi = max(lo, 0.0), max(hi, 0.0)
        s += f"{sep}[{fmt_value(lo, style)}, {fmt_value(hi, style)}]"
    return s


def over_capacity(m: dict, node_names: list[str]) -> list[str]:
    """Nodes whose mean utilisation is over 100% (rosters without preemption)."""
    return [n for n in node_names
            if (m.get(f"node.{n}.utilisation") or {}).get("mean") is not None
            and m[f"node.{n}.utilisation"]["mean"] > 1.0 + 1e-9]


_COST_KINDS = [("activity", "activity"), ("capacity", "capacity (open, used or not)"),
               ("unmet_demand", "unmet demand"), ("intervention", "interventions"),
               ("delayed_discharge", "of which delayed discharges")]


def payer_rows(m: dict, with_ci: bool, pools=()) -> tuple[list[list[str]], list[list[str]]]:
    """``[name, mean [CI]]`` rows of the cost to each payer and pool, and of each kind of cost.

    Pools (names in ``pools``) are marked ``(pool)``: they repeat their members' costs.
    Both empty for a model without payers.
    """
    from ..experiment.savings import payers_in
    payers = payers_in(m)
    if not payers:
        return [], []
    return ([[f"{p} (pool)" if p in pools else p, fmt_ci(m[f"cost.{p}"], "money", with_ci, sep="  ")]
             for p in payers],
            [[label, fmt_ci(m[f"cost.{k}"], "money", with_ci, sep="  ")] for k, label in _COST_KINDS
             if f"cost.{k}" in m])


def _payer_lines(m: dict, width: int, with_ci: bool, pools=()) -> list[str]:
    payers, kinds = payer_rows(m, with_ci, pools)
    if not payers:
        return []
    out = ["", "Who pays (over the window; the payers add up to the total, a pool repeats its members)"]
    out += [f"  {pad(name, width - 2)}  {text}" for name, text in payers]
    out.append("By kind of cost")
    out += [f"  {pad(name, width - 2)}  {text}" for name, text in kinds]
    return out


_BY_INTERVENTION = ("avoided_admissions", "avoided_attendances", "los_bed_days_saved", "delayed_bed_days_saved")


def _per_intervention(m: dict, key: str) -> list[str]:
    """Interventions with a non-zero ``key.<name>`` (as JSON has them), when more than one could count."""
    if key not in _BY_INTERVENTION:
        return []
    names = [k[len(key) + 1:] for k in m if k.startswith(key + ".")]
    return [n for n in names if len(names) > 1 and (m[f"{key}.{n}"].get("mean") or 0) != 0]


def _node_lines(m: dict, node_names: list[str]) -> list[str]:
    nw = max(8, max(display_width(n) for n in node_names))
    over = over_capacity(m, node_names)
    header = pad("Service", nw) + "".join(pad(h, 11, right=True) for _, h, _ in _NODE_COLS)
    lines = [header, "-" * display_width(header)]
    for n in node_names:
        row = pad(n, nw)
        for key, _, style in _NODE_COLS:
            s = m.get(f"node.{n}.{key}")
            text = fmt_value(s["mean"], style) if s else "-"
            row += pad(text + ("*" if key == "utilisation" and n in over else ""), 11, right=True)
        lines.append(row)
    lines.append(WAIT_NOTE)
    if over:
        lines.append(f"* {', '.join(over)}: {UTIL_NOTE}")
    return lines


def _timing_line(t: dict) -> str:
    pps = sum(t["patients"]) / max(sum(t["replication_s"]), 1e-9)
    line = (f"{sum(t['patients']):,} patients in {sum(t['replication_s']):.2f} s of replications "
            f"({pps:,.0f} patients/s)")
    if t.get("compile_s", 0.0) >= 0.05:
        line += f"; {t['compile_s']:.1f} s preparing the compiled engine (cached after the first run)"
    return line


def render_run_table(doc: dict, node_names: list[str], pools=()) -> str:
    """The summary of ``flowsim run`` as text (means, with 95% CI when replications > 1);
    ``pools``: the names among the payers that are pooled budgets."""
    m = doc["metrics"]
    reps = doc["replications"]
    with_ci = reps > 1
    scenario = f", scenario {doc['scenario']}" if doc.get("scenario") else ""
    lines = [f"{doc['config']}{scenario}",
             f"engine {doc['engine']}, seed {doc['seed']}, {reps} replication(s), "
             f"window {doc['warm_up_days']:g}-{doc['horizon_days']:g} days "
             f"(warm-up {doc['warm_up_days']:g} days discarded)", ""]
    width = max(display_width(label) for _, label, _ in _HEADLINE)
    lines.append(f"{pad('Metric', width)}  {ci_title(reps)}")
    lines.append("-" * (width + 2 + 30))
    for key, label, style in _HEADLINE:
        if key in m:
            lines.append(f"{pad(label, width)}  {fmt_ci(m[key], style, with_ci, sep='  ')}")
            lines += [f"{pad('  ' + name, width)}  {fmt_ci(m[f'{key}.{name}'], style, with_ci, sep='  ')}"
                      for name in _per_intervention(m, key)]
    if with_ci:
        lines.append(CLIP_NOTE)
    lines += _payer_lines(m, width, with_ci, pools)
    lines.append("")
    lines += _node_lines(m, node_names)
    lines += ["", _timing_line(doc["timing"])]
    return "\n".join(lines)
