import re, sys
import flowsim
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.engines import _loop
net = flowsim.build_network(flowsim.load_config("/work/shared/perf-anchors/path_cal.yaml"))
import dataclasses
tiny = dataclasses.replace(net, horizon=600.0, warm_up=0.0)
run_compiled(tiny, make_draws(tiny, 1, 0))
for sig, asm in _loop.run_loop.inspect_asm().items():
    print(len(asm.splitlines()), "asm lines")
    calls = re.findall(r"call\w*\s+\*?([^\s]+)", asm)
    from collections import Counter
    print(Counter(calls).most_common(30))
    open("/tmp/run_loop13a.s", "w").write(asm)
