"""Write a generated network of N services for scale measurements (not a model of anything).

    python benchmarks/make_network.py NODES PATIENTS DAYS OUT.yaml [--seed S]

Ten sources enter the first ten services; service i routes to one to three later
services (chosen at random, probabilities at random) or home, so every patient makes a
handful of visits along a random path. Every service is a queue with enough servers
that few patients wait (the run measures size, not congestion). The arrival rates are
set so that PATIENTS arrive over DAYS days (no warm-up).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml


def make_network(nodes: int, patients: int, days: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    per_day = patients / days / 10
    services = {}
    for i in range(nodes):
        later = np.arange(i + 1, nodes)
        k = min(len(later), int(rng.integers(1, 4)))
        to = rng.choice(later, size=k, replace=False) if k else []
        p_home = 0.5 if k else 1.0
        w = rng.dirichlet(np.ones(k)) * (1 - p_home) if k else []
        routes = [{"to": f"s{int(j)}", "p": round(float(x), 6)} for j, x in zip(to, w)]
        routes.append({"to": "home", "p": round(1 - sum(r["p"] for r in routes), 6)})
        services[f"s{i}"] = {"kind": "queue", "setting": "acute", "servers": 200,
                             "duration": {"exponential": {"mean": f"{float(rng.uniform(1, 12)):.1f} h"}},
                             "routes": routes}
    return {"name": f"generated network of {nodes} services", "run": {"horizon": f"{days} days",
            "warm_up": "0 days", "seed": seed},
            "sources": {f"in{j}": {"to": f"s{j}", "rate": f"{per_day:.3f} per day"} for j in range(10)},
            "services": services}


def main(argv: list[str]) -> int:
    nodes, patients, days, out = int(argv[0]), int(argv[1]), int(argv[2]), Path(argv[3])
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    out.write_text(yaml.safe_dump(make_network(nodes, patients, days, seed), sort_keys=False), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
