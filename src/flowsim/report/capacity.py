"""The terminal report of a capacity search or sweep (``flowsim experiment`` with ``search:``/``sweep:``)."""

from __future__ import annotations

import math

from .table import fmt_value

__all__ = ["render_capacity"]


def _style(metric: str) -> str:
    if metric.endswith(("performance", "share", "occupancy", "utilisation")):
        return "pct"
    return "n"


def _ci(s: dict, style: str) -> str:
    lo, hi = s["ci95"]
    if math.isnan(lo):
        return fmt_value(s["mean"], style)
    return f"{fmt_value(s['mean'], style)} [{fmt_value(lo, style)}, {fmt_value(hi, style)}]"


def render_capacity(doc: dict) -> str:
    """The terminal report: the curve with 95% CIs and the answer with its uncertainty."""
    lines = [f"{doc['name']}: {doc['replications']} replications per value, seed {doc['seed']}, "
             f"common random numbers across values"]
    if "search" in doc:
        s = doc["search"]
        t = s["target"]
        side, thr = ("at least", t["at_least"]) if t["at_least"] is not None else ("at most", t["at_most"])
        style = _style(t["metric"])
        lines += ["", f"search: {s['goal']} {s['key']} in {s['range'][0]}-{s['range'][1]} with {t['metric']} "
                  f"{side} {fmt_value(thr, style)} at {t['confidence']:g}% confidence",
                  f"  {'value':>8}  {t['metric'] + ' mean [95% CI]':<40} {'bound':>10}  meets"]
        for p in s["curve"]:
            lines.append(f"  {p['values'][0]:>8}  {_ci(p, style):<40} {fmt_value(p['bound'], style):>10}  "
                         f"{'yes' if p['meets'] else 'no'}")
        if s["answer"] is None:
            lines.append(f"answer: no value in {s['range'][0]}-{s['range'][1]} meets the target")
        else:
            at = next(p for p in s["curve"] if p["values"][0] == s["answer"])
            lines.append(f"answer: {s['key']} = {s['answer']} ({t['metric']} {_ci(at, style)}, {at['n']} replications)"
                         + (f"; on the mean alone {s['by_mean']}" if s["by_mean"] != s["answer"] else ""))
    if "sweep" in doc:
        sw = doc["sweep"]
        names = list(sw["points"][0]["metrics"]) if sw["points"] else []
        lines += ["", f"sweep over {' x '.join(sw['keys'])}: mean [95% CI]"]
        lines.append("  " + "  ".join(f"{k.split('.')[-2] if '.' in k else k:>10}" for k in sw["keys"]) + "  "
                     + "  ".join(f"{m:<30}" for m in names))
        for p in sw["points"]:
            lines.append("  " + "  ".join(f"{v:>10}" for v in p["values"]) + "  "
                         + "  ".join(f"{_ci(p['metrics'][m], _style(m)):<30}" for m in names))
    lines.append(f"\n{doc['wall_s']:.1f} s")
    return "\n".join(lines)
