"""Plots for the HTML report, each returned as an inline ``<svg>`` string.

matplotlib is the optional extra ``flowsim[plot]``; it is imported only when a
plot is asked for (:func:`require_matplotlib` says how to install it if it is
missing). Figures are built with ``matplotlib.figure.Figure`` and the Agg/SVG
backends directly, never through pyplot, so no global figure state is touched
and nothing needs a display.
"""

from __future__ import annotations

import io
import math

import numpy as np

from ..errors import UsageError

__all__ = ["require_matplotlib", "occupancy_svg", "ed_time_svg", "forest_svg", "series_svg", "forecast_svg"]

_INSTALL = "the HTML report needs matplotlib: pip install 'flowsim[plot]'"
_BLUE, _RED, _GREY = "#005eb8", "#da291c", "#768692"  # NHS blue, emergency red, mid grey


def require_matplotlib() -> None:
    """Raise UsageError (exit status 2 on the command line) if matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(_INSTALL, argument="--html") from None


def _figure(width: float, height: float):
    require_matplotlib()
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))
    fig.set_layout_engine("constrained")
    return fig


def _svg(fig) -> str:
    """The figure as an ``<svg>`` element (XML declaration and DOCTYPE dropped)."""
    import matplotlib
    buf = io.StringIO()
    # No date, and ids hashed from content with a fixed salt (not a random one): the same
    # run gives the same file, and equal ids in two inline SVGs define the same thing.
    with matplotlib.rc_context({"svg.hashsalt": "flowsim"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def occupancy_svg(name: str, series: np.ndarray, capacity: np.ndarray | None, warm_up_days: float) -> str:
    """Hourly occupancy of one node over the run, with its capacity and the warm-up shaded.

    Parameters
    ----------
    name : str
        Node name (plain text; matplotlib escapes it in the SVG).
    series : np.ndarray
        Mean number holding a server in each hour from minute 0 (``hourly_occupancy``).
    capacity : np.ndarray or None
        Servers in each of the same hours, or None for no capacity line.
    warm_up_days : float
        Shaded from day 0 as discarded.
    """
    fig = _figure(8.0, 2.6)
    ax = fig.add_subplot()
    days = np.arange(len(series)) / 24.0
    ax.plot(days, series, color=_BLUE, linewidth=0.8, label="occupied (hourly mean)")
    if capacity is not None:
        ax.step(days, capacity, where="post", color=_RED, linewidth=1.0, label="capacity")
    if warm_up_days > 0:
        ax.axvspan(0, warm_up_days, color=_GREY, alpha=0.15, label="warm-up (discarded)")
    ax.set_xlabel("day of run")
    ax.set_ylabel("beds occupied")
    ax.set_title(name, loc="left", fontsize=10)
    ax.set_ylim(bottom=0)
    ax.margins(x=0)
    ax.legend(loc="lower right", fontsize=7, frameon=False, ncol=3)
    return _svg(fig)


def ed_time_svg(elapsed: np.ndarray) -> str:
    """Histogram of time in ED (hours), with the four-hour line and the share within it."""
    fig = _figure(8.0, 2.6)
    ax = fig.add_subplot()
    hours = np.asarray(elapsed, dtype=float) / 60.0
    top = max(12.0, float(np.ceil(np.quantile(hours, 0.99)))) if len(hours) else 12.0
    ax.hist(np.minimum(hours, top), bins=np.arange(0.0, top + 0.25, 0.25), color=_BLUE)
    ax.axvline(4.0, color=_RED, linewidth=1.2)
    share = float((hours <= 4.0).mean()) if len(hours) else math.nan
    ax.text(4.1, 0.95, f"within 4 h: {100 * share:.1f}%", transform=ax.get_xaxis_transform(),
            va="top", color=_RED, fontsize=8)
    ax.set_xlabel(f"hours in ED (last bar: {top:g} h or more)")
    ax.set_ylabel("attendances")
    ax.margins(x=0)
    return _svg(fig)


def forest_svg(title: str, rows: list[tuple[str, float, float, float]]) -> str:
    """A forest plot: one row per scenario, its difference vs baseline with the 95% CI.

    ``rows`` are (scenario, mean, ci_lo, ci_hi); NaN bounds draw the point alone.
    """
    fig = _figure(4.2, 0.6 + 0.35 * max(1, len(rows)))
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    for yi, (_, mean, lo, hi) in zip(y, rows):
        if math.isfinite(lo) and math.isfinite(hi):
            ax.plot([lo, hi], [yi, yi], color=_BLUE, linewidth=1.5)
        if math.isfinite(mean):
            ax.plot([mean], [yi], "s", color=_BLUE, markersize=5)
    ax.axvline(0.0, color=_GREY, linewidth=0.8, linestyle="--")
    ax.set_yticks(y, [r[0] for r in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_title(title, loc="left", fontsize=10)
    ax.tick_params(labelsize=8)
    return _svg(fig)


def _winters(first, last):
    """(from, to) of each December-to-March between two dates (the NHS winter period)."""
    import datetime as dt
    return [(dt.date(y, 12, 1), dt.date(y + 1, 4, 1)) for y in range(first.year - 1, last.year + 1)
            if dt.date(y + 1, 4, 1) > first and dt.date(y, 12, 1) < last]


def series_svg(title: str, labels: list[str], mean, ci95, percent: bool = False, difference: bool = False) -> str:
    """One metric per period with its 95% CI band; December to March shaded when dated.

    ``labels`` are the periods' first days (ISO dates, or ``day N`` without a start
    date); ``ci95`` is [lo, hi] per period (None or NaN where no interval exists).
    ``percent`` shows a share as %; with ``difference`` (a paired difference) as
    percentage points, with a line at 0.
    """
    import datetime as dt
    fig = _figure(8.0, 2.4)
    ax = fig.add_subplot()
    dated = bool(labels) and not labels[0].startswith("day")
    x = [dt.date.fromisoformat(s) for s in labels] if dated else [float(s.split()[1]) for s in labels]
    scale = 100.0 if percent else 1.0
    y = np.array([np.nan if v is None else v for v in mean], dtype=float) * scale
    lo = np.array([np.nan if c is None or c[0] is None else c[0] for c in ci95], dtype=float) * scale
    hi = np.array([np.nan if c is None or c[1] is None else c[1] for c in ci95], dtype=float) * scale
    if dated:
        for k, (a, b) in enumerate(_winters(x[0], x[-1])):
            ax.axvspan(a, b, color=_GREY, alpha=0.12, label="winter (Dec-Mar)" if k == 0 else None)
    if difference:
        ax.axhline(0.0, color=_GREY, linewidth=0.8, linestyle="--")
    elif percent:  # a t interval can pass 0% or 100%; a share cannot
        lo, hi = np.clip(lo, 0.0, 100.0), np.clip(hi, 0.0, 100.0)
    if np.any(np.isfinite(lo)):
        ax.fill_between(x, lo, hi, color=_BLUE, alpha=0.2, linewidth=0, label="95% CI")
    ax.plot(x, y, color=_BLUE, linewidth=1.2, marker="o", markersize=2.5, label="mean")
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_ylabel(("percentage points" if difference else "%") if percent else "")
    ax.set_xlabel("period starting" if dated else "day of run")
    ax.margins(x=0.01)
    ax.tick_params(labelsize=8)
    ax.legend(loc="lower right", fontsize=7, frameon=False, ncol=3)
    return _svg(fig)


def forecast_svg(name: str, mean, low, high, beds: int | None) -> str:
    """Daily occupancy forecast of one bed node: the mean line, the prediction band, the beds."""
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    days = np.arange(len(mean))
    ax.fill_between(days, low, high, color=_BLUE, alpha=0.2, linewidth=0, label="prediction band")
    ax.plot(days, mean, color=_BLUE, linewidth=1.5, label="mean")
    if beds is not None:
        ax.axhline(beds, color=_RED, linestyle="--", linewidth=1, label=f"{beds:,} beds")
    ax.set_title(f"{name}: forecast beds occupied", fontsize=10, loc="left")
    ax.set_xlabel("day from the census")
    ax.set_ylabel("beds occupied")
    ax.legend(fontsize=8, loc="lower right")
    return _svg(fig)
