"""Print docs/pathways.md's result table for one programme from an experiment's JSON document.

Usage (from the repository root):
    flowsim experiment experiments/raid_calibrated.yaml --workers 2 --format json > raid.json
    python docs/pathways_table.py raid.json
"""

from __future__ import annotations

import json
import sys


def _ci(s: dict, scale: float = 1.0, fmt: str = "{:,.0f}", sign: float = 1.0) -> str:
    lo, hi = (sign * scale * v for v in s["ci95"])
    lo, hi = min(lo, hi), max(lo, hi)
    return f"{fmt.format(sign * scale * s['mean'])} [{fmt.format(lo)}, {fmt.format(hi)}]"


def _money(v: float) -> str:
    return f"-£{abs(v) / 1e3:,.0f}k" if v < 0 else f"£{v / 1e3:,.0f}k"


def _ci_money(s: dict) -> str:
    lo, hi = s["ci95"]
    return f"{_money(s['mean'])} [{_money(lo)}, {_money(hi)}]"


def rows(doc: dict) -> list[str]:
    """Markdown rows: one per scenario against the baseline."""
    out = ["| scenario | admissions avoided | bed days freed (total) | of which shorter stays | delayed bed days "
           "| four-hour performance | 12-hour waits | net saving: trust (nhs_acute) | net saving: all payers | "
           "ROI |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, sc in doc["scenarios"].items():
        d = sc.get("difference_vs_baseline")
        if not d:
            continue
        sav, m = sc["savings"], sc["metrics"]
        roi = [k for k in sav if k.startswith("return_on_investment.") and sav[k]["ci95"][0] is not None]
        if len(roi) > 1 and len({_ci(sav[k], fmt="{:.2f}") for k in roi}) == 1:
            roi_text = f"the {len(roi)} interventions together {_ci(sav[roi[0]], fmt='{:.2f}')}"   # one ROI over their sum
        else:
            roi_text = "; ".join(f"{k.split('.', 1)[1]} {_ci(sav[k], fmt='{:.2f}')}" for k in roi) or "-"
        out.append(" | ".join([
            f"| {name} ({sc['replications']} rep.)", _ci(d["admissions"], sign=-1), _ci(d["bed_days"], sign=-1),
            _ci(m["los_bed_days_saved"]) if "los_bed_days_saved" in m else "-", _ci(d["delayed_bed_days"]),
            _ci(d["four_hour_performance"], 100, "{:+.1f}") + " pp", _ci(d["twelve_hour_waits"]),
            _ci_money(sav["net_saving.nhs_acute"]), _ci_money(sav["net_saving.total"]), roi_text]) + " |")
    return out


def payers(doc: dict) -> list[str]:
    """Who pays and who saves: net saving per payer (positive: the payer saves)."""
    names = sorted({k.split(".", 1)[1] for sc in doc["scenarios"].values() for k in sc.get("savings", {})
                    if k.startswith("net_saving.")})
    out = ["| scenario | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for name, sc in doc["scenarios"].items():
        if sc.get("savings"):
            out.append(f"| {name} | " + " | ".join(_ci_money(sc["savings"][f"net_saving.{p}"]) for p in names) + " |")
    return out


def replications(doc: dict) -> str:
    """What the replication rule decided: for the CI method, how many and the widest half-width at the end."""
    r = doc["replications"]
    if r["method"] != "ci":
        return f"replications: {r['note']}"
    last = r["rounds"][-1]["half_width_pct"]
    worst = max(last, key=last.get)
    return (f"replications by the CI method: {r['replications']} ({'met' if r['met'] else 'NOT met at the cap'}; "
            f"widest 95% CI half-width {last[worst]:.1f}% of the mean, {worst}; rounds at "
            + ", ".join(str(x["replications"]) for x in r["rounds"]) + ")")


if __name__ == "__main__":
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    print("\n".join(rows(doc) + [""] + payers(doc) + ["", replications(doc)]))
