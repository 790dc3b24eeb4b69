import re, sys, dataclasses
from collections import Counter
import flowsim
from flowsim.draws import make_draws
from flowsim.engines.compiled import run_compiled
from flowsim.engines import _loop
net = flowsim.build_network(flowsim.load_config("/work/shared/perf-anchors/path_cal.yaml"))
tiny = dataclasses.replace(net, horizon=600.0, warm_up=0.0)
run_compiled(tiny, make_draws(tiny, 1, 0))
for sig, ir in _loop.run_loop.inspect_llvm().items():
    open("/tmp/run_loop13a.ll", "w").write(ir)
    # only the main function body
    calls = re.findall(r"call [^@]*@\"?([\w.$:]+)", ir)
    print(Counter(calls).most_common(40))
