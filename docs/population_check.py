"""Calibration check of configs/population.yaml: risk concentration, readmissions, flow targets.

Usage: PYTHONPATH=src python docs/population_check.py configs/population.yaml [replications] [seed]
Prints, per replication and as mean [95% CI]: ED attendances and admissions a day, the share of
emergency admissions of the 5% of people with the highest true risk, the 30-day readmission rate,
acute occupancy, four-hour performance and the share of acute bed days delayed.
"""
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from flowsim.config import load_config
from flowsim.draws import make_draws
from flowsim.engines import resolve_engine, run_engine
from flowsim.episodes import _sorted_links  # moved out of metrics (fa18407)
from flowsim.metrics import measure
from flowsim.network import build_network
from flowsim.readmission_metrics import acute_stays
from flowsim.stats import half_width


def one(args):
    path, seed, r = args
    net = build_network(load_config(path))
    d = make_draws(net, seed, r)
    log = run_engine(net, d, resolve_engine("auto", net))
    m = measure(log, net, band=d.attrs.band)
    days = (net.horizon - net.warm_up) / 1440.0
    patient, admitted, _ = acute_stays(log, net, *_sorted_links(log))
    counted = (admitted >= net.warm_up) & (admitted < net.horizon)
    risk = d.attrs.pop_risk
    top = risk >= np.quantile(risk, 0.95)
    share_top5 = float(top[d.attrs.person[patient[counted]]].mean())
    return {"ed_per_day": m["ed_attendances"] / days, "admissions_per_day": m["admissions"] / days,
            "admissions_per_1000": m["admissions"] / net.population.size * 1000 * 365 / days,
            "top5_share_of_admissions": share_top5, "readmission_rate_30d": m["readmission_rate_30d"],
            "acute_occupancy": m["acute_occupancy"], "four_hour_performance": m["four_hour_performance"],
            "delayed_bed_share": m["delayed_bed_share"]}


if __name__ == "__main__":
    path = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else load_config(path).run.seed
    with ProcessPoolExecutor(min(2, reps)) as ex:
        res = list(ex.map(one, [(path, seed, r) for r in range(reps)]))
    for k in res[0]:
        v = np.array([x[k] for x in res])
        hw = half_width(v) if reps > 1 else float("nan")
        print(f"{k:28s} {v.mean():10.4f} [{v.mean() - hw:.4f}, {v.mean() + hw:.4f}]  per rep: "
              + ", ".join(f"{x:.4f}" for x in v))
