"""Self-contained HTML reports of a run and of an experiment.

One ``.html`` file with its styles inline and its plots as inline SVG, so it can
be emailed or put on a shared drive and opened anywhere. The numbers are the
JSON documents of ``flowsim run`` and ``flowsim experiment`` (the same ones the
terminal tables render); every text that comes from a config or a command line
is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path


from ..network import capacity_by_hour
from ..outputs import check_output_path, write_atomically
from .board_summary import board_summary
from .experiment_table import _ROWS as _EXPERIMENT_ROWS
from .experiment_table import with_bed_days_freed
from .ledger_table import LEDGER_HEAD, ledger_rows, roi_rows
from .table import (_HEADLINE, _NODE_COLS, CLIP_NOTE, UTIL_NOTE, WAIT_NOTE, ci_title, difference_style, fmt_ci,
                    fmt_value, over_capacity, payer_rows)

__all__ = ["check_html_path", "write_html", "render_run_html", "render_experiment_html", "FOREST_METRICS"]

FOREST_METRICS = ("delayed_bed_days", "four_hour_breaches", "admissions", "avoided_admissions", "bed_days")

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#212b32;max-width:980px;margin:2em auto;padding:0 1em}
h1{color:#005eb8;margin-bottom:.2em}h2{border-bottom:2px solid #005eb8;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #d8dde0;padding:.3em .6em;text-align:right}th{background:#f0f4f5}
td:first-child,th:first-child{text-align:left}.note{color:#4c6272;font-size:.9em}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
.summary{background:#f0f4f5;border-left:4px solid #005eb8;padding:.6em 1em;line-height:1.45}
figure{margin:.8em 0}svg{max-width:100%;height:auto}
.forest{display:flex;flex-wrap:wrap;gap:1em}.forest figure{flex:1 1 420px}
"""


def check_html_path(path: str) -> Path:
    """The report's path, checked before anything runs.

    Raises
    ------
    UsageError
        If the path is a directory, does not end in .html/.htm, or its directory
        does not exist or is not writable; or matplotlib is missing.
    """
    check_output_path(path, (".html", ".htm"), "--html")
    from .plots import require_matplotlib
    require_matplotlib()
    return Path(path)


def write_html(path: str | Path, text: str) -> None:
    """Write the report (UTF-8) atomically; an OS error becomes a UsageError naming the path."""
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), "--html")


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    out += ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows]
    return "\n".join(out) + "</tbody></table>"


def _settings(items: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items) + "</dl>"


def _occupancy_plots(net, log, warm_up_days: float) -> list[str]:
    """Hourly occupancy of each bed-holding node, with its capacity line, for one replication."""
    from ..metrics import hourly_occupancy
    from ..network import UNLIMITED
    from .plots import occupancy_svg
    out = []
    for i, name in enumerate(net.node_names):
        if not net.bed[i]:
            continue
        series = hourly_occupancy(log, net, i)
        cap = capacity_by_hour(net, len(series))[i].astype(float)
        out.append(f"<figure>{occupancy_svg(name, series, None if cap.max() >= UNLIMITED else cap, warm_up_days)}"
                   "</figure>")
    return out


def _series_section(series: dict) -> list[str]:
    """A plot per series metric, mean with its CI band, winters shaded (``--series``)."""
    from .plots import series_svg
    from .series_table import SERIES_COLUMNS
    n = series["replications"]
    out = [f"<h2>Per {escape(series['period'])}</h2>",
           f"<p class=\"note\">Each metric in each {escape(series['period'])} of the measurement window: mean "
           f"over {n} replication(s) with its 95% confidence interval (a band needs 2 or more); December to "
           "March shaded.</p>"]
    for key, label, style in SERIES_COLUMNS:
        m = series["metrics"][key]
        title = label[0].upper() + label[1:] + (" (£)" if style == "money" else "")
        out.append(f"<figure>{series_svg(title, series['start'], m['mean'], m['ci95'], style == 'pct')}</figure>")
    return out


def _series_differences(scenario: str, base: str, series: dict | None) -> list[str]:
    """Per-period paired differences of one scenario against the baseline (``series:``)."""
    if not series or not series.get("difference_vs_baseline"):
        return []
    from .plots import series_svg
    from .series_table import SERIES_COLUMNS
    diff = series["difference_vs_baseline"]
    out = [f"<h2>{escape(scenario)} minus {escape(base)}, per {escape(series['period'])}</h2>",
           f"<p class=\"note\">Paired differences in each {escape(series['period'])}, mean over "
           f"{series['replications']} replication(s) with its 95% CI; December to March shaded.</p>"]
    for key, label, style in SERIES_COLUMNS:
        if key in diff:
            title = f"{label[0].upper() + label[1:]}: difference" + (" (£)" if style == "money" else "")
            svg = series_svg(title, series["start"], diff[key]["mean"], diff[key]["ci95"], style == "pct", True)
            out.append(f"<figure>{svg}</figure>")
    return out


def render_run_html(doc: dict, name: str, description: str | None, net, log) -> str:
    """The report of ``flowsim run``.

    Parameters
    ----------
    doc : dict
        The ``run_document`` (the ``--format json`` contract).
    name, description : str
        The config's ``name`` and ``description``.
    net : Network
        The run's network (node names, bed flags, capacity).
    log : EventLog or None
        Replication 0's event log, for the plots; None for tables only.
    """
    m = doc["metrics"]
    reps = doc["replications"]
    with_ci = reps > 1
    body = [f"<h1>{escape(name)}</h1>"]
    if description:
        body.append(f"<p>{escape(description)}</p>")
    body.append("<h2>Run settings</h2>")
    body.append(_settings([
        ("Config", str(doc["config"])), ("Seed", str(doc["seed"])), ("Replications", str(reps)),
        ("Engine", str(doc["engine"])),
        ("Window", f"days {doc['warm_up_days']:g} to {doc['horizon_days']:g} "
                   f"(the first {doc['warm_up_days']:g} days are warm-up and are discarded)")]))
    body.append("<h2>Headline metrics</h2>")
    title = ci_title(reps)
    rows = [[label, fmt_ci(m[key], style, with_ci)] for key, label, style in _HEADLINE if key in m]
    body.append(_table(["Metric", title], rows))
    body.append(f"<p class=\"note\">Means over {reps} replication(s); 95% confidence intervals from the "
                "t distribution across replications. " + (CLIP_NOTE + " " if with_ci else "")
                + "Metric keys are as in <code>--format json</code>.</p>")
    payers, kinds = payer_rows(m, with_ci, getattr(net.prices, "pool_names", ()))
    if payers:
        body.append("<h2>Who pays</h2>")
        body.append(_table(["Payer or pool", f"Cost over the window, {title}"], payers))
        body.append(_table(["Kind of cost", f"£ over the window, {title}"], kinds))
        body.append("<p class=\"note\">The payers add up to the total cost; a pool is the sum of its "
                    "members. Delayed discharges are part of activity and capacity, shown apart. See "
                    "docs/costs.md.</p>")
    body.append("<h2>Services</h2>")
    rows = []
    for n in net.node_names:
        row = [n]
        for key, _, style in _NODE_COLS:
            s = m.get(f"node.{n}.{key}")
            row.append(fmt_value(s["mean"], style) if s else "-")
        rows.append(row)
    body.append(_table(["Service"] + [h for _, h, _ in _NODE_COLS], rows))
    body.append(f"<p class=\"note\">Means over {reps} replication(s). LWBS: left without being seen. "
                f"{escape(WAIT_NOTE)}</p>")
    over = over_capacity(m, list(net.node_names))
    if over:
        body.append(f"<p class=\"note\">{escape(', '.join(over))}: {escape(UTIL_NOTE)}</p>")
    body += _pathway(net)
    if "series" in doc:
        body += _series_section(doc["series"])
    if doc.get("warm_start"):
        from .forecast import render_forecast_html
        body += render_forecast_html(doc["warm_start"])
    if log is not None:
        plots = _occupancy_plots(net, log, doc["warm_up_days"])
        if plots:
            body.append("<h2>Bed occupancy (replication 0)</h2>")
            body.append("<p class=\"note\">Mean beds occupied in each hour of the whole run, warm-up "
                        "shaded, against the capacity in that hour.</p>")
            body += plots
        from ..metrics import ed_times
        elapsed, _ = ed_times(log, net)
        if len(elapsed):
            from .plots import ed_time_svg
            body.append("<h2>Time in ED (replication 0)</h2>")
            body.append("<p class=\"note\">Arrival to leaving ED, for attendances that arrived in the "
                        "measurement window (patients still in ED at the end count their time so far).</p>")
            body.append(f"<figure>{ed_time_svg(elapsed)}</figure>")
    return _page(f"flowsim: {name}", body)


def _forest_rows(doc: dict, metric: str) -> list[tuple[str, float, float, float]]:
    rows = []
    for s, sc in doc["scenarios"].items():
        d = sc.get("difference_vs_baseline", {}).get(metric)
        if d:
            lo, hi = (math.nan if v is None else v for v in d["ci95"])
            rows.append((s, math.nan if d["mean"] is None else d["mean"], lo, hi))
    return rows


def _pathway(net) -> list[str]:
    from .diagram import diagram_svg
    return ["<h2>Pathway</h2>", f"<figure class=\"pathway\">{diagram_svg(net)}</figure>"]


def _ledgers(doc: dict, others: list[str]) -> list[str]:
    """A "who pays, who saves" section per scenario (nothing for a model without payers)."""
    out = []
    for s in others:
        rows = ledger_rows(doc, s)
        if not rows:
            continue
        n = doc["scenarios"][s]["replications"]
        out.append(f"<h2>Who pays, who saves: {escape(s)} vs {escape(str(doc['baseline']))}</h2>")
        out.append(_table(LEDGER_HEAD, rows))
        roi = roi_rows(doc, s)
        if roi:
            out.append(_table(["Intervention", "Return on investment [95% CI]"], roi))
        out.append(f"<p class=\"note\">Cost to each payer over the window, mean of {n} paired replications; "
                   "difference = scenario - baseline (negative: the payer saves), 95% CI. 'saves' / 'pays' when "
                   "the CI excludes 0. Return on investment: saving to all payers on everything but the "
                   "intervention, per £1 of the intervention's cost (1 breaks even). See docs/costs.md.</p>")
    return out


def _targets(doc: dict) -> list[str]:
    """A table per targeted intervention: its group's metrics in each scenario, and the differences."""
    from .target_table import target_rows, targeted
    scen = doc["scenarios"]
    names = list(dict.fromkeys(iv for sc in scen.values() for iv in targeted(sc["metrics"])))
    out = []
    for iv in names:
        cols = [s for s in scen if f"target.{iv}.people" in scen[s]["metrics"]]
        per = {s: target_rows(scen[s]["metrics"], scen[s].get("difference_vs_baseline", {}), iv) for s in cols}
        labels = [r[0] for r in per[cols[0]]]
        rows = [[lab] + [per[s][i][1] for s in cols] + [per[s][i][2] for s in cols if s != doc["baseline"]]
                for i, lab in enumerate(labels)]
        head = ["Metric"] + [f"{s} (mean [95% CI, {scen[s]['replications']} replications])" for s in cols]
        head += [f"{s} minus {doc['baseline']}" for s in cols if s != doc["baseline"]]
        out += [f"<h2>Targeted group of {escape(iv)}</h2>",
                "<p class=\"note\">The people the intervention's target picks, measured in every scenario "
                "whether it is switched on or not, so each difference compares the same people.</p>",
                _table(head, rows)]
    return out


def render_experiment_html(doc: dict, description: str | None = None, net=None) -> str:
    """The report of ``flowsim experiment``: each scenario, its paired differences, forest plots,
    and the baseline's pathway diagram when ``net`` (its Network) is given."""
    from .plots import forest_svg
    base = doc["baseline"]
    body = [f"<h1>Experiment {escape(str(doc['experiment']))}</h1>"]
    summary = board_summary(doc)
    if summary:  # first, for a reader who reads nothing else
        body.append(f"<p class=\"summary\" id=\"summary\">{escape(summary)}</p>")
    if description:
        body.append(f"<p>{escape(description)}</p>")
    body.append("<h2>Settings</h2>")
    body.append(_settings([
        ("Model", str(doc["model"])), ("Baseline", str(base)), ("Seed", str(doc["seed"])),
        ("Engine", str(doc["engine"])),
        ("Window", f"days {doc['warm_up_days']:g} to {doc['horizon_days']:g}"),
        ("Warm-up", str(doc["warm_up"]["note"])), ("Replications", str(doc["replications"]["note"])),
        ("Store", str(doc["store"]))]))
    if net is not None:
        body += _pathway(net)
    body.append("<h2>Scenarios</h2>")
    names = list(doc["scenarios"])
    rows = []
    for key, label, style in _EXPERIMENT_ROWS:
        if any(key in sc["metrics"] for sc in doc["scenarios"].values()):
            rows.append([label] + [fmt_ci(sc["metrics"].get(key), style) for sc in doc["scenarios"].values()])
    body.append(_table(["Metric"] + [f"{s} (mean [95% CI, {doc['scenarios'][s]['replications']} replications])"
                                     for s in names], rows))
    body.append(f"<p class=\"note\">Mean [95% CI] across replications. {CLIP_NOTE}</p>")
    body += _targets(doc)
    others = [s for s in names if s != base]
    if others:
        body.append(f"<h2>Difference vs {escape(str(base))}</h2>")
        rows = []
        for key, label, style in _EXPERIMENT_ROWS:
            cells = [with_bed_days_freed(doc["scenarios"][s].get("difference_vs_baseline", {})).get(key)
                     for s in others]
            if any(cells):
                rows.append([label] + [fmt_ci(c, difference_style(style), clip=False) for c in cells])
        body.append(_table(["Metric"] + others, rows))
        body.append("<p class=\"note\">Paired differences (scenario minus baseline, replication by "
                    "replication, on common random numbers), mean [95% CI]; percentages differ in percentage "
                    "points (pp). A CI that excludes 0 is a "
                    "difference the replications can tell apart from chance.</p>")
        body += _ledgers(doc, others)
        figs = [f"<figure>{forest_svg(key, rows)}</figure>"
                for key in FOREST_METRICS if (rows := _forest_rows(doc, key))]
        if figs:
            body.append("<h2>Differences vs baseline, with 95% CI</h2>")
            body.append("<div class=\"forest\">" + "".join(figs) + "</div>")
        for s in others:
            body += _series_differences(s, str(base), doc["scenarios"][s].get("series"))
    fails = doc.get("failures", [])
    if fails:
        body.append("<h2>Failed replications</h2>")
        body.append(_table(["Scenario", "Replication", "Seed"],
                           [[str(f["scenario"]), str(f["replication"]), str(f["seed"])] for f in fails]))
    return _page(f"flowsim experiment: {doc['experiment']}", body)
