import sys, math, time
import numpy as np
import flowsim
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled_streamed
from flowsim.metrics import measure
from flowsim.stream_metrics import measure_streamed
from flowsim.streamed import streamable
for path in sys.argv[1:]:
    cfg = flowsim.load_config(path)
    net = flowsim.build_network(cfg)
    d = make_draws(net, 3, 0)
    print(path, "streamable", streamable(net, getattr(d, "n_census", 0), None if d.attrs is None else d.attrs.band))
    st, log = run_compiled_streamed(net, d, keep_log=True)
    a, b = measure(log, net), measure_streamed(st, net)
    assert list(a) == list(b), (set(a) ^ set(b))
    bad = 0
    for k in a:
        x, y = a[k], b[k]
        if not (x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(1, abs(x))):
            bad += 1
            if bad < 30: print("  DIFF", k, x, y)
    print("  keys", len(a), "diffs", bad)
