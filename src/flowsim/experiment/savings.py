"""Who saves: net savings by payer and the return on investment of interventions.

Computed per replication from the paired (common random numbers) metrics of a
scenario and its baseline, then summarised across replications, so every figure
has a confidence interval:

- ``net_saving.<payer>`` = baseline ``cost.<payer>`` - scenario ``cost.<payer>``
  (positive: the payer saves), for every payer and pool, and ``net_saving.total``
  from ``cost_total``;
- ``return_on_investment.<name>`` for each intervention that costs more in the
  scenario than in the baseline: the saving to all payers on everything but
  interventions, divided by the extra intervention cost. 1 breaks even; 3 means
  £3 saved for each £1 spent. Several such interventions in one scenario share
  one figure (their savings cannot be told apart).
"""

from __future__ import annotations

import math

from ..config.money import RESERVED
from ..stats import summarise

__all__ = ["savings", "payers_in"]

_IV = "cost.intervention."


def payers_in(metrics) -> list[str]:
    """Payer and pool names of the ``cost.<name>`` metrics, in order."""
    out = []
    for k in metrics:
        if k.startswith("cost.") and not k.startswith(_IV) and k[5:] not in RESERVED:
            out.append(k[5:])
    return out


def _roi(b: dict, s: dict, names: list[str]) -> float:
    spent = sum(s.get(_IV + n, 0.0) - b.get(_IV + n, 0.0) for n in names)
    base_rest = b["cost_total"] - b.get("cost.intervention", 0.0)
    scen_rest = s["cost_total"] - s.get("cost.intervention", 0.0)
    return (base_rest - scen_rest) / spent if spent > 0 else math.nan


def savings(base: dict[int, dict], other: dict[int, dict]) -> dict[str, dict]:
    """``summarise`` of the net savings and returns on investment (see module docstring).

    Parameters
    ----------
    base, other : dict of replication -> metrics
        The baseline's and the scenario's replications; only those both have are used.

    Returns
    -------
    dict
        Metric name -> ``{"mean", "sd", "ci95", "values"}``; empty for a model
        without payers.
    """
    common = sorted(set(base) & set(other))
    if not common:
        return {}
    first = other[common[0]]
    out: dict[str, dict] = {}
    for p in payers_in(first):
        key = f"cost.{p}"
        out[f"net_saving.{p}"] = summarise([base[r].get(key, math.nan) - other[r].get(key, math.nan)
                                            for r in common])
    if not out:
        return out
    out["net_saving.total"] = summarise([base[r]["cost_total"] - other[r]["cost_total"] for r in common])
    new = [k[len(_IV):] for k in first if k.startswith(_IV)
           and any(other[r].get(k, 0.0) > base[r].get(k, 0.0) for r in common)]
    for name in new:
        out[f"return_on_investment.{name}"] = summarise([_roi(base[r], other[r], new) for r in common])
    return out
