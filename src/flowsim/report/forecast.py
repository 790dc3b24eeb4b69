"""The warm start and its forecast, for the terminal and the HTML report.

Both read the ``warm_start`` part of the run's JSON document (``warmstart.commands``):
the census (patients by state, notes on over-capacity nodes) and, per bed node, the
mean daily occupancy with its prediction band across replications.
"""

from __future__ import annotations

from html import escape

__all__ = ["render_forecast_text", "render_forecast_html"]


def _summary(ws: dict) -> str:
    return (f"Warm start from {ws['census']}: {ws['patients']:,} patients ({ws['in_service']:,} in service, "
            f"{ws['medically_fit']:,} medically fit and waiting for onward care, {ws['waiting']:,} waiting); "
            "no warm-up")


def _band(fc: dict) -> str:
    lo, hi = fc["band"]
    return (f"band: {lo:g}th to {hi:g}th centile of {fc['replications']} replications (where "
            f"{hi - lo:g}% of runs fall, not a confidence interval)")


def render_forecast_text(ws: dict) -> str:
    """Warm start summary and a weekly forecast table (days 0, 7, 14, ... and the last day)."""
    lines = [_summary(ws)] + [f"note: {n}" for n in ws["notes"]]
    fc = ws.get("forecast")
    if not fc or not fc["days"]:
        return "\n".join(lines)
    days = sorted(set(range(0, fc["days"], 7)) | {fc["days"] - 1})
    lines.append(f"\nForecast: beds occupied per day, mean [{_band(fc)}]")
    lines.append(f"{'Day':>5}  " + "  ".join(f"{n:>24}" for n in fc["nodes"]))
    for d in days:
        cells = [f"{v['mean'][d]:,.0f} [{v['low'][d]:,.0f}-{v['high'][d]:,.0f}]" for v in fc["nodes"].values()]
        lines.append(f"{d:>5}  " + "  ".join(f"{c:>24}" for c in cells))
    beds = [f"{n} {v['beds']:,}" for n, v in fc["nodes"].items() if v["beds"] is not None]
    if beds:
        lines.append("beds: " + ", ".join(beds))
    return "\n".join(lines)


def render_forecast_html(ws: dict) -> list[str]:
    """HTML blocks: the warm start summary, notes, and a forecast plot per bed node."""
    from .plots import forecast_svg
    out = ["<h2>Warm start and forecast</h2>", f"<p>{escape(_summary(ws))}.</p>"]
    out += [f"<p class=\"note\">Note: {escape(n)}</p>" for n in ws["notes"]]
    fc = ws.get("forecast")
    if fc and fc["days"]:
        out.append(f"<p class=\"note\">Mean beds occupied each day, shaded {escape(_band(fc))}; the dashed "
                   "line is the node's beds.</p>")
        for name, v in fc["nodes"].items():
            out.append(f"<figure>{forecast_svg(name, v['mean'], v['low'], v['high'], v['beds'])}</figure>")
    return out
