"""The perf anchors' side-by-side (``side_by_side.py``: the calibrated chain, flowsim engine only and
whole replication against the hand-written Numba loop) timed in CPU seconds of the timing thread
(``time.thread_time``), the three interleaved in one process, medians of N. Wall-clock ratios swing
by 2x on a loaded machine; these do not (see README.md, "Engine only: the heap and the log")::

    python benchmarks/anchors_cpu.py [N] [--anchors ../shared/perf-anchors]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import flowsim
from flowsim.draws import make_draws
from flowsim.engines import run_engine


def _load(name: str, folder: Path):
    """Import the anchors' module ``name`` from ``folder`` (``numba_models`` imports ``common``)."""
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=11)
    ap.add_argument("--anchors", default=str(Path(__file__).resolve().parents[2] / "shared" / "perf-anchors"))
    a = ap.parse_args()
    folder = Path(a.anchors)
    common, hand = _load("common", folder), _load("numba_models", folder)
    p = common.path_params("cal")
    net = flowsim.build_network(flowsim.load_config(folder / "path_cal.yaml"))
    flowsim.run_replication(net, 1, 0, "compiled")  # compile or load the caches outside the timing
    hand.run_path(1, *hand.path_args(p))
    eng, loop, whole = [], [], []
    for r in range(a.n):
        d = make_draws(net, r + 1, 0)
        c = time.thread_time()
        n = run_engine(net, d, "compiled").patients
        eng.append(n / (time.thread_time() - c))
        c = time.thread_time()
        n = hand.path_dict(hand.run_path(r + 1, *hand.path_args(p)))["arrivals"]
        loop.append(n / (time.thread_time() - c))
        c = time.thread_time()
        n = int(flowsim.run_replication(net, r + 1, 0, "compiled")[0]["patients"])
        whole.append(n / (time.thread_time() - c))
    e, h, w = (statistics.median(x) for x in (eng, loop, whole))
    print(f"engine only {e:,.0f} patients/s, whole replication {w:,.0f}/s, hand loop {h:,.0f}/s: "
          f"engine {e / h:.2f}x, whole {w / h:.2f}x (CPU time, medians of {a.n})")


if __name__ == "__main__":
    main()
