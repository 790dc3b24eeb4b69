"""Where one replication's memory goes: bytes per patient of each structure, and the peak.

    python benchmarks/memory_breakdown.py [CONFIG] [SEED]

Compiled engine, measured as it runs (no event log), as ``flowsim run`` does: ``nbytes``
of the draws' fields (``make_draws``), the loop's state (``engines.compiled._state``, a row
per slot: ``memory.slots_for``) and the sums kept as it runs (``streamed.new_tally``), then
the ``tracemalloc`` peak of ``simulate.run_replication`` (the compiled loop is loaded or compiled first, untraced).
"""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np

from flowsim.config import load_config
from flowsim.draws import make_draws
from flowsim.engines import compiled
from flowsim.memory import slots_for
from flowsim.network import build_network
from flowsim.simulate import run_replication, warm_once
from flowsim.streamed import new_tally

FIELDS = ("arrive", "source", "cohort", "rank", "thin_u", "drow", "eligible_u", "tables", "ret_p", "ret_u", "ret_t")


def _bytes(x) -> int:
    """Bytes of an array, or of the arrays of a tuple (the per-visit key tables, ``draw_tables``)."""
    if isinstance(x, np.ndarray):
        return x.nbytes
    return sum(a.nbytes for a in x if isinstance(a, np.ndarray)) if x is not None else 0


def main(path: str = "configs/default.yaml", seed: int | None = None) -> None:
    cfg = load_config(path)
    net = build_network(cfg)
    seed = cfg.run.seed if seed is None else seed
    warm_once(net, "compiled")
    tracemalloc.start()
    d = make_draws(net, seed, 0)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    P = d.n_patients
    print(f"{path}: {P:,} patients, {net.n_nodes} nodes; bytes per patient")
    print(f"  make_draws held / peak   {held / P:7.0f} / {peak / P:.0f}")
    for f in FIELDS:
        print(f"  draws.{f:18s} {_bytes(getattr(d, f)) / P:7.1f}")
    n_slots = slots_for(net, P)
    print(f"  loop slots (patients in the system, Little's law x 2 + 1,024): {n_slots:,}")
    s = compiled._state(net, n_slots, 0, compiled._heap_cap(net, n_slots), 1, 1)
    for k, v in s._asdict().items():
        if isinstance(v, tuple):  # the log: a tuple of columns
            print(f"  loop {k:19s} {sum(c.nbytes for c in v) / P:7.1f}  {len(v)} columns of {len(v[0]):,}")
        else:
            print(f"  loop {k:19s} {v.nbytes / P:7.1f}  {v.shape} {v.dtype}")
    tl = new_tally(net, n_slots, compiled._wait_room(net, P), False)
    for k in ("pe", "pi", "wn", "wv"):
        v = getattr(tl, k)
        print(f"  tally {k:18s} {v.nbytes / P:7.1f}  {v.shape} {v.dtype}")
    del d, s, tl
    tracemalloc.start()
    run_replication(net, seed, 0, "compiled")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  replication peak         {peak / P:7.0f}  ({peak / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(*sys.argv[1:2], *(int(a) for a in sys.argv[2:3]))
