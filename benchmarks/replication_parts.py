"""Where a whole compiled replication's time goes: make_draws, the loop measuring as it runs,
the loop writing its log, and the metrics of the sums, on the perf anchors' chain (or CONFIG).

usage: python benchmarks/replication_parts.py [REPS] [CONFIG]

Prints the minimum over REPS (default 9) of process time per part, in ms: under load the
minimum of process time is steadier than a wall-clock median (README.md, issue-variates).
"tally" in README.md is "loop_stream" minus "loop_log".
"""

from __future__ import annotations

import sys
import time

import flowsim
from flowsim.draws import make_draws
from flowsim.engines import compiled
from flowsim.stream_metrics import measure_streamed

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 9
CONFIG = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/perf-anchors/path_cal.yaml"


def main() -> None:
    net = flowsim.build_network(flowsim.load_config(CONFIG))
    flowsim.run_replication(net, 1, 0, "compiled")  # compile or load both specialisations first
    compiled._run(net, make_draws(net, 1, 0), None)
    parts = {k: [] for k in ("whole", "draws", "loop_stream", "loop_log", "measure")}

    def timed(name, fn, *args):
        t0 = time.process_time()
        out = fn(*args)
        parts[name].append(time.process_time() - t0)
        return out

    for seed in range(1, REPS + 1):
        timed("whole", flowsim.run_replication, net, seed, 0, "compiled")
        d = timed("draws", make_draws, net, seed, 0)
        timed("loop_stream", compiled._run, net, d, False)
        timed("loop_log", compiled._run, net, d, None)
        st = compiled.run_compiled_streamed(net, d, False)[0]
        timed("measure", measure_streamed, st, net)
    print(" ".join(f"{k} {1000 * min(v):.1f}ms" for k, v in parts.items()))


if __name__ == "__main__":
    main()
