"""The terminal report of a capacity search or sweep (``flowsim experiment`` with ``search:``/``sweep:``)."""

from __future__ import annotations

import math

from .table import fmt_value

__all__ = ["render_capacity", "render_capacity_html", "curve_svg"]


def _style(metric: str) -> str:
    if metric.endswith(("performance", "share", "occupancy", "utilisation")):
        return "pct"
    return "n"


def _f(x) -> float:
    """A number from a JSON document, where NaN was written as None."""
    return math.nan if x is None else float(x)


def _ci(s: dict, style: str) -> str:
    lo, hi = (_f(v) for v in s["ci95"])
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
            lines.append(f"answer: no value in {s['range'][0]}-{s['range'][1]} meets the target at "
                         f"{t['confidence']:g}% confidence" + (f"; on the mean alone {s['by_mean']} (of the values run)"
                                                               if s["by_mean"] is not None else ""))
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


def curve_svg(title: str, points: list[dict], threshold: float | None = None, answer=None) -> str:
    """Metric against one key's value: mean with its 95% CI, the target line and the answer."""
    from .plots import _BLUE, _GREY, _RED, _figure, _svg
    pts = sorted(points, key=lambda p: p["values"][0])
    x = [p["values"][0] for p in pts]
    fig = _figure(6.0, 3.0)
    ax = fig.add_subplot()
    mean = [_f(p["mean"]) for p in pts]
    lo = [m - _f(p["ci95"][0]) if math.isfinite(_f(p["ci95"][0])) else 0.0 for m, p in zip(mean, pts)]
    hi = [_f(p["ci95"][1]) - m if math.isfinite(_f(p["ci95"][1])) else 0.0 for m, p in zip(mean, pts)]
    ax.errorbar(x, mean, yerr=[lo, hi], color=_BLUE, marker="o", markersize=4, capsize=3)
    if threshold is not None:
        ax.axhline(threshold, color=_RED, linewidth=1, linestyle="--", label="target")
    if answer is not None:
        ax.axvline(answer, color=_GREY, linewidth=1, linestyle=":", label=f"answer {answer}")
    if threshold is not None or answer is not None:
        ax.legend(fontsize=8)
    ax.set_title(title, loc="left", fontsize=10)
    ax.tick_params(labelsize=8)
    return _svg(fig)


def render_capacity_html(doc: dict, net=None) -> str:
    """The HTML report of a search/sweep: the answer, the curve with 95% CIs, the tables, the pathway."""
    from html import escape

    from .html import _page, _pathway, _table
    body = [f"<h1>Capacity: {escape(str(doc['name']))}</h1>",
            f"<p>{doc['replications']} replications per value, seed {doc['seed']}, on common random numbers.</p>"]
    if "search" in doc:
        s, t = doc["search"], doc["search"]["target"]
        style = _style(t["metric"])
        thr = t["at_least"] if t["at_least"] is not None else t["at_most"]
        answer = ("no value in the range meets the target" if s["answer"] is None else f"{s['key']} = {s['answer']}")
        body += [f"<h2>Search: {escape(s['goal'])} {escape(s['key'])}</h2>",
                 f"<p>Target: {escape(t['metric'])} {'at least' if t['at_least'] is not None else 'at most'} "
                 f"{fmt_value(thr, style)} at {t['confidence']:g}% confidence. <strong>Answer: {escape(answer)}</strong></p>",
                 f"<figure>{curve_svg(t['metric'], s['curve'], thr, s['answer'])}</figure>",
                 _table(["Value", "Mean [95% CI]", "Confidence bound", "Meets"],
                        [[str(p["values"][0]), _ci(p, style), fmt_value(p["bound"], style), "yes" if p["meets"] else "no"]
                         for p in s["curve"]])]
    if "sweep" in doc:
        sw = doc["sweep"]
        names = list(sw["points"][0]["metrics"]) if sw["points"] else []
        body.append(f"<h2>Sweep over {escape(' x '.join(sw['keys']))}</h2>")
        if len(sw["keys"]) == 1 and names:
            m = names[0]
            body.append(f"<figure>{curve_svg(m, [{**p['metrics'][m], 'values': p['values']} for p in sw['points']])}</figure>")
        body.append(_table(sw["keys"] + names, [[str(v) for v in p["values"]] + [_ci(p["metrics"][m], _style(m)) for m in names]
                                               for p in sw["points"]]))
    if net is not None:
        body += _pathway(net)
    return _page(f"flowsim capacity: {doc['name']}", body)
