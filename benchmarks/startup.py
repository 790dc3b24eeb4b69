"""Where the time of a warm ``flowsim run`` goes, stage by stage (see README.md, "Start-up").

A script, not a benchmark: run it in a fresh process with the Numba cache warm (run
``flowsim run`` once first), e.g.::

    NUMBA_CACHE_DIR=/tmp/nc python benchmarks/startup.py [CONFIG]

It does what ``flowsim run CONFIG -q`` does for one replication, in the same order,
with ``time.perf_counter`` (wall) and ``time.process_time`` (CPU) around each stage.
The first call of the compiled loop is split into loading it from the cache (first
call minus second call of the same one-hour run) and the one-hour run itself.
"""

from __future__ import annotations

import sys
import time

_T0 = time.perf_counter(), time.process_time()
_ROWS: list[tuple[str, float, float]] = []
_last = list(_T0)


def stage(name: str) -> None:
    """Record the time since the previous stage under ``name``."""
    w, c = time.perf_counter(), time.process_time()
    _ROWS.append((name, w - _last[0], c - _last[1]))
    _last[:] = [w, c]


import numpy  # noqa: E402,F401

stage("import numpy")
from flowsim.cli import default_config_path  # noqa: E402  (what the console script imports)

stage("import flowsim.cli")
from flowsim import simulate  # noqa: E402
from flowsim.engines import compiled  # noqa: E402
from flowsim.report.table import render_run_table  # noqa: E402

stage("import the run's modules (numba, the loop, draws, metrics)")

import dataclasses  # noqa: E402

from flowsim.cli import run_document  # noqa: E402
from flowsim.config.scenarios import load_scenario  # noqa: E402
from flowsim.draws import make_draws  # noqa: E402
from flowsim.memory import check_memory  # noqa: E402
from flowsim.network import build_network  # noqa: E402
from flowsim.stream_metrics import measure_streamed  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else str(default_config_path())
cfg = load_scenario(path, "baseline")
stage("load the YAML and validate it (pydantic)")
net = build_network(cfg)
stage("build_network")
check_memory(net, 1)
stage("memory estimate")
tiny = dataclasses.replace(net, horizon=min(net.horizon, 60.0), warm_up=0.0)
tiny_draws = make_draws(tiny, 0, 0)
stage("one-hour warm-up run: make_draws")
compiled.run_compiled_streamed(tiny, tiny_draws)
first = time.perf_counter(), time.process_time()
compiled.run_compiled_streamed(tiny, make_draws(tiny, 0, 0))
again = time.perf_counter() - first[0], time.process_time() - first[1]
w, c = first[0] - _last[0], first[1] - _last[1]
_ROWS.append(("load the compiled loop from the Numba cache", w - again[0], c - again[1]))
_ROWS.append(("one-hour warm-up run: the loop", again[0], again[1]))
_last[:] = [time.perf_counter(), time.process_time()]
draws = make_draws(net, cfg.run.seed, 0)
stage("make_draws")
st, _ = compiled.run_compiled_streamed(net, draws)
stage("the loop (measuring as it runs)")
metrics = measure_streamed(st, net)
stage("measure_streamed")
res = simulate.RunResult(network=net, seed=cfg.run.seed, engine="compiled", metrics=[metrics])
res.warnings = simulate._warnings(res)
doc = run_document(cfg, res, path)
stage("summarise, stability warnings")
text = render_run_table(doc, list(net.node_names), getattr(net.prices, "pool_names", ()))
stage("the table")

total = time.perf_counter() - _T0[0], time.process_time() - _T0[1]
print(f"{'stage':<58} {'wall s':>7} {'CPU s':>7}")
for name, w, c in _ROWS:
    print(f"{name:<58} {w:7.3f} {c:7.3f}")
print(f"{'total (after the interpreter started)':<58} {total[0]:7.3f} {total[1]:7.3f}")
print(f"patients {int(metrics['patients']):,}; the loop's specialisations in this process: "
      f"{len(compiled._loop.run_loop.signatures)}")
