import time, statistics, sys
import numpy as np
import flowsim
from flowsim.draws import make_draws
from flowsim.engines import compiled as C, _loop
from flowsim.metrics import measure
from flowsim.network import BOOKING
from flowsim.units import MINUTES_PER_DAY
path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/perf-anchors/path_cal.yaml"
cfg = flowsim.load_config(path)
net = flowsim.build_network(cfg)
flowsim.run_replication(net, 1, 0, "compiled")
T = {k: [] for k in ["draws", "model", "iv", "state", "loop", "log", "measure", "run_compiled"]}
for r in range(7):
    t0 = time.process_time(); d = make_draws(net, r + 1, 0); t1 = time.process_time(); T["draws"].append(t1 - t0)
    P = d.n_patients
    t0 = time.process_time(); m = C._model(net, d); T["model"].append(time.process_time() - t0)
    t0 = time.process_time(); ivm = C._interventions(net, d); T["iv"].append(time.process_time() - t0)
    days = int(net.horizon // MINUTES_PER_DAY) + 16 if (net.kind == BOOKING).any() else 1
    t0 = time.process_time(); s = C._state(net, P, max(1024, 3 * P), 1024 + 2 * net.n_nodes + P // 8, days, 64 if net.escalation is not None else 1); T["state"].append(time.process_time() - t0)
    iv = C._iv_state(ivm, P, 0)
    t0 = time.process_time(); st = _loop.run_loop(m, s, iv, float(net.horizon), -(1 + net.exit_names.index("left_without_being_seen"))); T["loop"].append(time.process_time() - t0)
    t0 = time.process_time(); log = C.run_compiled(net, d); T["run_compiled"].append(time.process_time() - t0)
    t0 = time.process_time(); measure(log, net); T["measure"].append(time.process_time() - t0)
print("patients", log.patients, "rows", len(log), "status", st)
for k, v in T.items():
    if v: print(f"{k:14s} {1000*statistics.median(v):8.1f} ms")
