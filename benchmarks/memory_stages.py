"""Where the peak memory of a warm ``flowsim run`` comes from, stage by stage (README.md,
"Peak memory of flowsim run").

A script, not a benchmark: run it in a fresh process with the Numba cache warm (run
``flowsim run`` once first), e.g.::

    python benchmarks/memory_stages.py                 # flowsim run -q --format json
    python benchmarks/memory_stages.py run CONFIG -q --format json

It runs ``flowsim.cli.main`` with the arguments given (output discarded), reading
``/proc/self/status`` after the imports and before and after each stage of the run (the
stage functions are wrapped, nothing else changes): VmHWM (the peak so far, what
``/usr/bin/time -f %M`` reports at the end), VmRSS, and RSS split into anonymous memory
(Python objects, arrays, LLVM's heap) and file pages (shared libraries' code and data,
``libllvmlite.so`` the most). Linux only. The first ``warm_once`` rows are numba loading
the cached loop inside the one-hour warm-up run; the second ``make_draws`` is the
replication.
"""

from __future__ import annotations

import os
import sys

FIELDS = ("VmHWM", "VmRSS", "RssAnon", "RssFile")
ROWS: list[tuple[str, dict]] = []


def status() -> dict[str, float]:
    """MiB of the ``FIELDS`` of this process."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in FIELDS:
                out[k] = int(v.split()[0]) / 1024
    return out


def mark(name: str) -> None:
    ROWS.append((name, status()))


mark("interpreter started")
import numpy  # noqa: E402,F401

mark("import numpy")
import flowsim.cli as cli  # noqa: E402

mark("import flowsim.cli")
import flowsim.engines.compiled as compiled  # noqa: E402
import flowsim.simulate as simulate  # noqa: E402
import flowsim.stream_metrics as stream_metrics  # noqa: E402

mark("import the run's modules (numba, the loop)")


def wrap(module, name: str, label: str) -> None:
    """Mark before and after each call of ``module.name``."""
    f = getattr(module, name)

    def marked(*a, **k):
        mark(f"{label}: before")
        out = f(*a, **k)
        mark(label)
        return out
    setattr(module, name, marked)


wrap(simulate, "warm_once", "warm_once (loads the cached loop)")
wrap(simulate, "make_draws", "make_draws")
wrap(compiled, "run_compiled_streamed", "the loop")
wrap(stream_metrics, "measure_streamed", "measure_streamed")
wrap(cli, "run_document", "the run's document")

out, sys.stdout = sys.stdout, open(os.devnull, "w")
try:
    cli.main(sys.argv[1:] or ["run", "-q", "--format", "json"])
finally:
    sys.stdout.close()
    sys.stdout = out
mark("end")
print(f"{'stage (MiB)':<46} {'VmHWM':>7} {'VmRSS':>7} {'anon':>7} {'file':>7}")
for name, d in ROWS:
    print(f"{name:<46} {d['VmHWM']:7.1f} {d['VmRSS']:7.1f} {d['RssAnon']:7.1f} {d['RssFile']:7.1f}")
