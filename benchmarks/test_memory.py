"""Memory per million patients: event logs kept vs summarised only.

Each case runs in a fresh process under ``tracemalloc`` (numpy reports its array
allocations to it), on the M/M/c model for one year (~526,000 patients a
replication), two replications on the compiled engine. Reported per million
patients: the peak while running, and what is still held afterwards -- with
``keep_logs=True`` every replication's EventLog, with ``keep_logs=False`` (what
``flowsim run`` without ``--events`` and every experiment do) only the metrics.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import MMC

SCRIPT = r"""
import json, sys, tracemalloc
from flowsim.config import parse_config
from flowsim.simulate import run_model

keep, MMC = sys.argv[1] == "kept", sys.argv[2]
cfg = parse_config(MMC)
run_model(parse_config(MMC.replace("365 days", "2 days")), engine="compiled")  # compile / load the cache first
tracemalloc.start()
res = run_model(cfg, replications=2, engine="compiled", keep_logs=keep)
held, peak = tracemalloc.get_traced_memory()
print(json.dumps({"patients": sum(res.patients), "peak": peak, "held": held, "logs": len(res.logs)}))
"""


@pytest.mark.parametrize("mode", ["kept", "summarised"])
def test_memory_per_million_patients(benchmark, mode):
    benchmark.group = "memory"
    def run():
        out = subprocess.run([sys.executable, "-c", SCRIPT, mode, MMC], capture_output=True, text=True,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    doc = benchmark.pedantic(run, rounds=1, iterations=1)
    per_m = 1e6 / doc["patients"]
    benchmark.extra_info.update({
        "patients": doc["patients"],
        "peak_MB_per_million_patients": doc["peak"] * per_m / 1e6,
        "held_MB_per_million_patients": doc["held"] * per_m / 1e6,
        "logs_kept": doc["logs"],
    })
    assert (doc["logs"] > 0) == (mode == "kept")
