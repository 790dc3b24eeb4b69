import time, statistics, sys
import flowsim
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.metrics import measure
path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/perf-anchors/path_cal.yaml"
net = flowsim.build_network(flowsim.load_config(path))
run_compiled(net, make_draws(net, 1, 0))
E, W = [], []
for r in range(int(sys.argv[2]) if len(sys.argv) > 2 else 9):
    d = make_draws(net, r + 1, 0)
    t0 = time.process_time(); log = run_compiled(net, d); E.append(time.process_time() - t0)
    t0 = time.process_time(); flowsim.run_replication(net, r + 1, 0, "compiled"); W.append(time.process_time() - t0)
print(f"{flowsim.__file__.split('/src/')[0]}: engine {1000*statistics.median(E):.1f} ms  whole {1000*statistics.median(W):.1f} ms  patients {log.patients}")
