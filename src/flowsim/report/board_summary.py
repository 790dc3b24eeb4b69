"""A one-paragraph, plain-English summary of an experiment, for a trust board.

Generated from the experiment's JSON document (docs/experiments.md), never typed by
hand: what was compared with what, over how long, on how many paired replications,
and for each scenario the headline differences in words with their 95% CIs:
admissions avoided, bed days freed in total (the paired difference in ``bed_days``,
avoided admissions included), the change in four-hour performance in percentage
points, and, where the model has a ledger, who saves and who pays, the net to all
payers and the return on investment. A difference whose CI includes zero is said to
be one the replications cannot tell from no change. The HTML report puts the
paragraph at its top; the terminal table prints it under its header.
"""

from __future__ import annotations

import math

__all__ = ["board_summary"]


def _num(x: float) -> str:
    return f"{abs(x):,.0f}"


def _money(x: float) -> str:
    """Pounds for a reader: £1.2 million, £657,000, £4,300, £850 (no sign: the words carry it)."""
    a = abs(x)
    if a >= 1e6:
        return f"£{a / 1e6:,.1f} million"
    if a >= 1e4:
        return f"£{round(a, -3):,.0f}"
    return f"£{round(a, -2):,.0f}" if a >= 1e3 else f"£{a:,.0f}"   # no false precision in a sentence


def _bounds(s: dict) -> tuple[float, float]:
    lo, hi = (math.nan if v is None else float(v) for v in s["ci95"])
    return lo, hi


def _unclear(lo: float, hi: float) -> bool:
    """True when the CI includes zero (or there is none): no change cannot be ruled out."""
    return math.isnan(lo) or math.isnan(hi) or lo <= 0 <= hi


def _zero(d: dict) -> bool:
    """Exactly no change in every replication (a null case on common random numbers)."""
    lo, hi = _bounds(d)
    return float(d["mean"]) == 0 and lo == 0 and hi == 0


def _count_phrase(d: dict, noun: str, words: tuple[str, str, str, str]) -> str:
    """``3,711 fewer emergency admissions (95% CI 3,331 to 4,090)`` from a scenario-minus-baseline
    difference; ``words`` are (more, fewer, short more, short fewer)."""
    if _zero(d):
        return f"no change in {noun}"
    more, fewer, more_s, fewer_s = words
    m = float(d["mean"])
    lo, hi = _bounds(d)
    word = fewer if m < 0 else more
    if math.isnan(lo) or math.isnan(hi):
        return f"{_num(m)} {word} (no interval with one replication)"
    if lo <= 0 <= hi:
        return (f"{_num(m)} {word} (95% CI from {_num(lo)} {fewer_s} to {_num(hi)} {more_s}: "
                "the replications cannot tell this from no change)")
    a, b = sorted((abs(lo), abs(hi)))
    return f"{_num(m)} {word} (95% CI {_num(a)} to {_num(b)})"


def _four_hour(d: dict) -> str:
    if _zero(d):
        return "no change in four-hour performance"
    m = 100.0 * float(d["mean"])
    lo, hi = (100.0 * v for v in _bounds(d))
    verb = "up" if m > 0 else "down"
    text = f"four-hour performance {verb} {abs(m):.1f} percentage points (95% CI {lo:+.1f} to {hi:+.1f}"
    return text + ": not distinguishable from no change)" if _unclear(lo, hi) else text + ")"


def _money_ci(lo: float, hi: float) -> str:
    """`` (95% CI £a to £b)`` in the verb's direction; nothing for a fixed sum (no spread to show)."""
    a, b = sorted((abs(lo), abs(hi)))
    return "" if _money(a) == _money(b) else f" (95% CI {_money(a)} to {_money(b)})"


def _payers(sc: dict, pools: set[str], per: str) -> list[str]:
    """Payers whose saving or cost the CI tells from zero, then all payers together (pools repeat
    their members: left out)."""
    sav = sc.get("savings", {})
    out = []
    for key in sorted(k for k in sav if k.startswith("net_saving.") and k != "net_saving.total"):
        name, s = key.split(".", 1)[1], sav[key]
        lo, hi = _bounds(s)
        if name in pools or s["mean"] is None or _unclear(lo, hi):
            continue
        verb = "saves" if s["mean"] > 0 else "pays"
        out.append(f"{name} {verb} {_money(s['mean'])} {per}{_money_ci(lo, hi)}")
    total = sav.get("net_saving.total")
    if total and total["mean"] is not None:
        lo, hi = _bounds(total)
        what = "save" if total["mean"] > 0 else "lose"
        text = f"all payers together {what} {_money(total['mean'])} {per}"
        if _unclear(lo, hi):
            text += f" (95% CI from a {_money(lo)} loss to a {_money(hi)} saving: it could go either way)"
        else:
            text += _money_ci(lo, hi)
        out.append(text)
    return out


def _pounds(v: float) -> str:
    return f"-£{abs(v):.2f}" if v < 0 else f"£{v:.2f}"


def _roi(sc: dict) -> str | None:
    """The return on investment in words; one figure when every intervention shares it."""
    rois = {k.split(".", 1)[1]: s for k, s in sc.get("savings", {}).items()
            if k.startswith("return_on_investment.") and s["mean"] is not None and s["ci95"][0] is not None}
    if not rois:
        return None
    if len({round(float(s["mean"]), 6) for s in rois.values()}) == 1:
        rois = {"its interventions": next(iter(rois.values()))} if len(rois) > 1 else rois
    return "; ".join(f"return on investment {_pounds(float(s['mean']))} per £1 spent on {name} (95% CI "
                     f"{_pounds(_bounds(s)[0])} to {_pounds(_bounds(s)[1])}; not counting capacity added)"
                     for name, s in rois.items())


def _scenario(name: str, sc: dict, pools: set[str], per: str) -> str:
    d = sc.get("difference_vs_baseline", {})
    parts = []
    if "admissions" in d:
        parts.append(_count_phrase(d["admissions"], "emergency admissions", ("more emergency admissions", "fewer emergency admissions",
                                                     "more", "fewer")))
    if "bed_days" in d:
        parts.append(_count_phrase(d["bed_days"], "bed days", ("more bed days used in total", "bed days freed in total",
                                                   "more used", "freed")))
    if "four_hour_performance" in d:
        parts.append(_four_hour(d["four_hour_performance"]))
    parts += _payers(sc, pools, per)
    roi = _roi(sc)
    if roi:
        parts.append(roi)
    if not parts:
        return f"{name}: no headline metric to compare."
    return f"In {name}, " + "; ".join(parts) + "."


def _days(doc: dict) -> float:
    return float(doc["horizon_days"]) - float(doc["warm_up_days"])


def _window(doc: dict) -> str:
    days = _days(doc)
    length = "one year" if abs(days - 365) < 1 else f"{days:,.0f} days"
    return f"{length} of simulated time (after a {float(doc['warm_up_days']):g}-day warm-up)"


def board_summary(doc: dict) -> str:
    """One paragraph in plain English summarising an experiment against its baseline.

    Parameters
    ----------
    doc : dict
        The experiment's JSON document (``flowsim experiment --format json``).

    Returns
    -------
    str
        The paragraph; empty when the experiment has no scenario besides the baseline.
    """
    base = str(doc["baseline"])
    others = [s for s in doc["scenarios"] if s != base and doc["scenarios"][s].get("difference_vs_baseline")]
    if not others:
        return ""
    reps = sorted({int(doc["scenarios"][s]["replications"]) for s in others})
    n = str(reps[0]) if len(reps) == 1 else f"{reps[0]} to {reps[-1]}"
    head = (f"This experiment compared {len(others)} scenario{'s' if len(others) > 1 else ''} "
            f"({', '.join(others)}) with {'the baseline' if base == 'baseline' else 'the baseline, ' + base} over {_window(doc)}, each run {n} times on the "
            "same simulated patients, so that differences come from the scenario and not from chance; ranges are "
            f"95% confidence intervals over those {n} paired replications.")
    pools = set(doc.get("pools", ()))
    per = "a year" if abs(_days(doc) - 365) < 1 else f"over the {_days(doc):,.0f} days"
    fails = doc.get("failures", [])
    tail = [f"{len(fails)} replication{'s' if len(fails) > 1 else ''} failed and are left out."] if fails else []
    return " ".join([head] + [_scenario(s, doc["scenarios"][s], pools, per) for s in others] + tail)
