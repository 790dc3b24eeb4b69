"""First-call time of the compiled event loop, per specialisation (see README.md).

Run it twice with the same empty cache directory: the first run compiles, the
second loads the cache::

    rm -rf /tmp/nc
    NUMBA_CACHE_DIR=/tmp/nc PYTHONPATH=src python benchmarks/compile_time.py off,on
    NUMBA_CACHE_DIR=/tmp/nc PYTHONPATH=src python benchmarks/compile_time.py off,on

``off``: a model without interventions (ed_single.yaml); ``on``: one with
(raid.yaml, scenario ``raid``); 5 simulated days each, in the order given.
"""

from __future__ import annotations

import sys
import time

t0 = time.perf_counter()
from flowsim.config import load_config  # noqa: E402
from flowsim.config.scenarios import load_scenario  # noqa: E402
from flowsim.draws import make_draws  # noqa: E402
from flowsim.engines.compiled import run_compiled  # noqa: E402
from flowsim.network import build_network  # noqa: E402

from conftest import CONFIGS  # noqa: E402

print(f"import {time.perf_counter() - t0:.2f} s")


def _network(which: str):
    cfg = load_config(CONFIGS / "ed_single.yaml") if which == "off" else load_scenario(CONFIGS / "raid.yaml", "raid")
    run = cfg.run.model_copy(update={"horizon": 5 * 1440.0, "warm_up": 0.0})
    return build_network(cfg.model_copy(update={"run": run}))


for which in (sys.argv[1] if len(sys.argv) > 1 else "off,on").split(","):
    net = _network(which)
    draws = make_draws(net, 1, 0)
    t = time.perf_counter()
    run_compiled(net, draws)
    print(f"{which}: first call {time.perf_counter() - t:.2f} s")
