"""A compact terminal table of a series: one line per week or month, means only."""

from __future__ import annotations

from .table import fmt_value

__all__ = ["render_series_table", "SERIES_COLUMNS"]

# (metric, column heading, format): the series plotted in the HTML report too
SERIES_COLUMNS = [
    ("ed_attendances", "ED attendances", "n"),
    ("four_hour_performance", "within 4 h", "pct"),
    ("admissions", "admissions", "n"),
    ("acute_occupancy", "acute occupancy", "pct"),
    ("delayed_bed_days", "delayed bed days", "f1"),
    ("cost_total", "cost", "money"),
]


def render_series_table(series: dict) -> str:
    """The ``series`` of a run document as text: period start, then a mean per column.

    Counts are whole numbers, rates percentages, money in pounds; the heading says
    how many replications the means rest on (the intervals are in the JSON).
    """
    n = series["replications"]
    head = ["from"] + [h for _, h, _ in SERIES_COLUMNS]
    rows = []
    for i, label in enumerate(series["start"]):
        row = [label]
        for name, _, style in SERIES_COLUMNS:
            v = series["metrics"][name]["mean"][i]
            # a mean count over replications is shown as a whole number
            text = f"{v:,.0f}" if style == "n" and v is not None else fmt_value(v, style)
            row.append(text)
        rows.append(row)
    widths = [max(len(r[j]) for r in rows + [head]) for j in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    title = f"Per {series['period']} (means of {n} replication{'s' if n != 1 else ''})"
    return "\n".join([title, line(head)] + [line(r) for r in rows])
