"""Warm start against the continuing run, on a bundled config (docs/warm-start.md).

For R replications: run to day T + W, and separately to day T, write the census at T
(with the run's draws, so discharge holds are read correctly), warm-start W days from
it with another seed, on the census's date (run.start + T, as `flowsim run --start`; the
demand of the census's month, its weekdays and bank holidays), and compare the daily occupancy of one bed node over the W days
(paired by replication). Prints the mean paired difference and its standard error for
week 1 and for the whole W days.

    python docs/warm_start_check.py [CONFIG] [NODE] [T_DAYS] [W_DAYS] [R]
    python docs/warm_start_check.py                  # default economy, acute_medicine, 196, 42, 20
"""

import dataclasses
import datetime as dt
import sys

import numpy as np

from flowsim.cli import default_config_path
from flowsim.config import load_config
from flowsim.draws import make_draws
from flowsim.engines import run_engine
from flowsim.forecast import daily_occupancy
from flowsim.network import build_network
from flowsim.warmstart import census_draws
from flowsim.warmstart.snapshot import census_at


def main(argv):
    path = argv[0] if argv else str(default_config_path())
    node = argv[1] if len(argv) > 1 else "acute_medicine"
    T, W, R = (int(a) for a in (argv[2:5] + ["196", "42", "20"][len(argv[2:5]):]))
    cfg = load_config(path)
    net = build_network(cfg)
    nets = {d: dataclasses.replace(net, horizon=d * 1440.0, warm_up=0.0) for d in (T + W, T)}
    if cfg.run.start is not None:  # the warm start's day 0 is the census's date
        cfg = cfg.model_copy(update={"run": cfg.run.model_copy(update={"start": cfg.run.start + dt.timedelta(days=T)})})
    nets[W] = dataclasses.replace(build_network(cfg), horizon=W * 1440.0, warm_up=0.0)
    row = list(np.flatnonzero(net.bed)).index(net.node_names.index(node))
    cont, warm = [], []
    for r in range(R):
        nc, nt, nw = nets[T + W], nets[T], nets[W]
        cont.append(daily_occupancy(run_engine(nc, make_draws(nc, 1, r), "compiled"), nc)[row, T:])
        d0 = make_draws(nt, 1, r)
        census = census_at(run_engine(nt, d0, "compiled"), nt, draws=d0)
        warm.append(daily_occupancy(run_engine(nw, census_draws(nw, census, 2, r), "compiled"), nw)[row])
    cont, warm = np.array(cont), np.array(warm)
    print(f"{path}: {node}, census at day {T}, {W} days, {R} replications")
    print("continuing, by week:", np.round(cont.mean(0)[::7]).tolist())
    print("warm start, by week:", np.round(warm.mean(0)[::7]).tolist())
    for label, days in (("week 1", 7), (f"{W} days", W)):
        d = warm[:, :days].mean(1) - cont[:, :days].mean(1)
        print(f"{label}: warm - continuing = {d.mean():+.2f} beds (se {d.std(ddof=1) / np.sqrt(R):.2f})")


if __name__ == "__main__":
    main(sys.argv[1:])
