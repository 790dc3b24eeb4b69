"""First-call time of the compiled event loop, per specialisation (see README.md).

Run it twice with the same empty cache directory: the first run compiles, the
second loads the cache::

    rm -rf /tmp/nc
    NUMBA_CACHE_DIR=/tmp/nc PYTHONPATH=src python benchmarks/compile_time.py
    NUMBA_CACHE_DIR=/tmp/nc PYTHONPATH=src python benchmarks/compile_time.py

The loop is compiled once per type of its interventions argument (None, or a tuple of
arrays) and of its tally argument (None: the run writes an event log that ``measure``
reads; a tuple: the run measures as it runs, ``flowsim.streamed``):

- ``off``: no interventions, event log (ed_single.yaml);
- ``on``: interventions, event log (raid.yaml, scenario ``raid``);
- ``off-stream``: no interventions, measured as it runs (ed_single.yaml; what ``flowsim
  run`` compiles for the default economy);
- ``on-stream``: interventions, measured as it runs (ed_single.yaml with a route_scale).

Each runs 5 simulated days, in the order given (default: all four). Printed: wall and CPU
(``time.process_time``) of the first call.
"""

from __future__ import annotations

import sys
import time

t0 = time.perf_counter()
from flowsim.config import load_config  # noqa: E402
from flowsim.config.scenarios import load_scenario  # noqa: E402
from flowsim.draws import make_draws  # noqa: E402
from flowsim.engines.compiled import run_compiled, run_compiled_streamed  # noqa: E402
from flowsim.network import build_network  # noqa: E402

from conftest import CONFIGS  # noqa: E402

print(f"import {time.perf_counter() - t0:.2f} s")

def _network(which: str):
    if which.startswith("off"):
        cfg = load_config(CONFIGS / "ed_single.yaml")
    elif which == "on":
        cfg = load_scenario(CONFIGS / "raid.yaml", "raid")
    else:  # an intervention the loop applies while measuring as it runs (no assessment)
        cfg = load_scenario(CONFIGS / "raid.yaml", "raid")
        cfg = cfg.model_copy(update={"interventions": {
            "raid": cfg.interventions["raid"].model_copy(update={"assessment": None})}})
    run = cfg.run.model_copy(update={"horizon": 5 * 1440.0, "warm_up": 0.0})
    return build_network(cfg.model_copy(update={"run": run}))


for which in (sys.argv[1] if len(sys.argv) > 1 else "off,on,off-stream,on-stream").split(","):
    net = _network(which)
    draws = make_draws(net, 1, 0)
    t, c = time.perf_counter(), time.process_time()
    if which.endswith("stream"):
        run_compiled_streamed(net, draws)
    else:
        run_compiled(net, draws)
    print(f"{which}: first call {time.perf_counter() - t:.2f} s wall, {time.process_time() - c:.2f} s CPU")
