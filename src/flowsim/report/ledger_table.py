"""The "who pays, who saves" ledger of a scenario against its baseline.

Payers (and pools) as rows; the baseline's cost, the scenario's cost and the
paired difference with its 95% CI as columns; then the return on investment of
each intervention the scenario pays for. Money in pounds, scaled to k or m so a
row fits in 80-100 columns. The same rows feed the terminal table and the HTML
report.
"""

from __future__ import annotations

import math

from ..experiment.savings import payers_in

__all__ = ["fmt_money", "ledger_rows", "roi_rows", "render_ledger", "LEDGER_HEAD"]

LEDGER_HEAD = ["Payer", "baseline", "scenario", "difference [95% CI]", "who"]


def fmt_money(x: float | None) -> str:
    """Pounds, compact: ``£1.23m``, ``£456k``, ``£789``, ``-£0.41m``; ``-`` for no value."""
    if x is None or math.isnan(x):
        return "-"
    sign, a = ("-" if x < 0 else ""), abs(x)
    if a >= 1e6:
        return f"{sign}£{a / 1e6:,.2f}m"
    if a >= 1e4:
        return f"{sign}£{a / 1e3:,.0f}k"
    return f"{sign}£{a:,.0f}"


def _ci(s: dict | None) -> str:
    if not s:
        return "-"
    lo, hi = (math.nan if v is None else v for v in s["ci95"])
    text = fmt_money(s["mean"])
    return text if math.isnan(lo) else f"{text} [{fmt_money(lo)}, {fmt_money(hi)}]"


def _who(d: dict | None) -> str:
    """'saves' / 'pays' when the CI of the difference excludes 0, else '-'."""
    if not d:
        return "-"
    lo, hi = (math.nan if v is None else v for v in d["ci95"])
    if not math.isnan(lo) and hi < 0:
        return "saves"
    if not math.isnan(lo) and lo > 0:
        return "pays"
    return "-"


def ledger_rows(doc: dict, scenario: str) -> list[list[str]]:
    """Rows of the ledger of ``scenario`` (empty for a model without payers)."""
    base = doc["scenarios"][doc["baseline"]]["metrics"]
    sc = doc["scenarios"][scenario]
    diff = sc.get("difference_vs_baseline", {})
    pools = set(doc.get("pools", ()))
    rows = []
    for p in payers_in(sc["metrics"]) + (["total"] if payers_in(sc["metrics"]) else []):
        key = "cost_total" if p == "total" else f"cost.{p}"
        label = "all payers" if p == "total" else (f"{p} (pool)" if p in pools else p)
        rows.append([label, fmt_money(base.get(key, {}).get("mean")), fmt_money(sc["metrics"][key]["mean"]),
                     _ci(diff.get(key)), _who(diff.get(key))])
    return rows


def roi_rows(doc: dict, scenario: str) -> list[list[str]]:
    """``[intervention, ROI [95% CI]]`` per intervention the scenario pays for."""
    out = []
    for key, s in doc["scenarios"][scenario].get("savings", {}).items():
        if key.startswith("return_on_investment."):
            lo, hi = (math.nan if v is None else v for v in s["ci95"])
            mean = math.nan if s["mean"] is None else s["mean"]
            text = f"{mean:.2f}" + ("" if math.isnan(lo) else f" [{lo:.2f}, {hi:.2f}]")
            out.append([key.split(".", 1)[1], text])
    return out


def render_ledger(doc: dict, scenario: str, indent: str = "  ") -> list[str]:
    """The ledger as text lines (none for a model without payers)."""
    rows = ledger_rows(doc, scenario)
    if not rows:
        return []
    n = doc["scenarios"][scenario]["replications"]
    widths = [max(len(r[i]) for r in rows + [LEDGER_HEAD]) for i in range(len(LEDGER_HEAD))]
    lines = [f"{indent}Who pays, who saves ({n} paired replications; difference = scenario - baseline)"]
    for r in [LEDGER_HEAD] + rows:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:4], widths[1:4])] + [r[4]]
        lines.append(indent + "  ".join(cells))
    for name, text in roi_rows(doc, scenario):
        lines.append(f"{indent}Return on investment of {name}: {text} (saving to all payers per £1 of its cost)")
    return lines
