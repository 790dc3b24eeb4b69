"""Shared by the engine-equivalence tests: log comparison and random networks (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st


def _canonical(log):
    order = np.lexsort((log.arrive, log.node, log.patient))
    return {k: v[order] for k, v in log.columns().items()}


def assert_same_log(a, b):
    assert len(a) == len(b)
    assert a.patients == b.patients
    A, B = _canonical(a), _canonical(b)
    for k in A:
        if A[k].dtype.kind == "f":
            np.testing.assert_allclose(B[k], A[k], rtol=1e-9, atol=0, equal_nan=True, err_msg=k)
        else:
            np.testing.assert_array_equal(B[k], A[k], err_msg=k)


def assert_same_tally(a, b):
    """The intervention counts of both engines (``EventLog.meta["tally"]``) agree."""
    ta, tb = a.meta.get("tally"), b.meta.get("tally")
    assert (ta is None) == (tb is None)
    if ta is None:
        return
    for k in ("interventions", "avoided_admissions", "avoided_attendances"):
        assert list(ta[k]) == list(tb[k]), k
    assert tb["bed_days_saved"] == pytest.approx(ta["bed_days_saved"], rel=1e-9, abs=1e-12)
    assert tb["delayed_bed_days_saved"] == pytest.approx(ta["delayed_bed_days_saved"], rel=1e-9, abs=1e-12)


def short(cfg, days):
    run = cfg.run.model_copy(update={"horizon": days * 1440.0, "warm_up": min(cfg.run.warm_up, days * 720.0)})
    return cfg.model_copy(update={"run": run})


def dist(draw, scale):
    kind = draw(st.sampled_from(["exponential", "lognormal", "uniform", "gamma"]))
    mean = draw(st.floats(0.2, 3.0)) * scale
    if kind == "exponential":
        return {"exponential": {"mean": f"{mean:.4f} min"}}
    if kind == "uniform":
        return {"uniform": {"min": f"{mean * 0.5:.4f} min", "max": f"{mean * 1.5:.4f} min"}}
    return {kind: {"mean": f"{mean:.4f} min", "sd": f"{mean * draw(st.floats(0.2, 1.5)):.4f} min"}}


@st.composite
def networks(draw):
    n_nodes = draw(st.integers(1, 4))
    cohorts = ["a", "b"][: draw(st.integers(1, 2))]
    names = [f"n{i}" for i in range(n_nodes)]
    kinds = [draw(st.sampled_from(["queue", "queue", "delay", "booking"])) for _ in names]
    services = {}
    for i, name in enumerate(names):
        kind = kinds[i]
        later = names[i + 1:]
        routes = []
        dests = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))  # cycles allowed
        weights = [draw(st.floats(0.1, 1.0)) for _ in dests] + [draw(st.floats(0.3, 1.0))]
        total = sum(weights)
        for d, w in zip(dests, weights):
            blocking = kinds[names.index(d)] != "booking" and draw(st.booleans())
            routes.append({"to": d, "p": w / total, "blocking": blocking})
            if blocking and draw(st.integers(0, 2)) == 0:  # the blocked wait can end another way
                alts = draw(st.lists(st.sampled_from(names + ["home"]), min_size=1, max_size=2, unique=True))
                routes[-1]["give_up"] = {"after": dist(draw, 400.0),
                                         "routes": [{"to": a, "p": 1 / len(alts)} for a in alts]}
        routes.append({"to": draw(st.sampled_from(["home", "died"])), "p": 1 - sum(r["p"] for r in routes)})
        for r in routes:  # time to arrange the discharge, also on routes to an exit
            if draw(st.integers(0, 2)) == 0:
                r["hold"] = dist(draw, 200.0)
        svc = {"kind": kind, "setting": draw(st.sampled_from(["ed", "acute", "social_care"])),
               "bed": draw(st.booleans()), "duration": dist(draw, 300.0), "routes": routes}
        if kind == "queue":
            if draw(st.booleans()):
                svc["servers"] = draw(st.integers(0, 4))
            else:
                hours = draw(st.lists(st.integers(0, 4), min_size=24, max_size=24))
                svc["schedule"] = {"hours": hours}
                if draw(st.booleans()):
                    svc["schedule"]["weekdays"] = {"sat": draw(st.lists(st.integers(0, 3), min_size=24, max_size=24))}
            if draw(st.booleans()):
                svc["priority"] = {c: draw(st.integers(0, 2)) for c in cohorts}
            if draw(st.booleans()):
                svc["patience"] = dist(draw, 600.0)
            if draw(st.booleans()):
                svc["when_full"] = {"to": draw(st.sampled_from(later + ["home", "elsewhere"])),
                                    "queue_limit": draw(st.integers(0, 3))}
        elif kind == "booking":
            svc["slots"] = {d: draw(st.integers(0, 12)) for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
            if draw(st.booleans()):
                svc["elsewhere"] = {"after": f"{draw(st.integers(60, 3000))} min", "p": draw(st.floats(0, 1)),
                                    "to": draw(st.sampled_from(later + ["home"]))}
        services[name] = svc
    sources = {}
    for s in range(draw(st.integers(1, 2))):
        src = {"to": draw(st.sampled_from(names)), "rate": f"{draw(st.floats(5.0, 40.0)):.3f} per day"}
        if draw(st.booleans()):
            src["by_hour"] = [draw(st.floats(0.0, 2.0)) for _ in range(23)] + [1.0]
        if len(cohorts) > 1:
            src["cohorts"] = {"a": 0.6, "b": 0.4}
        sources[f"s{s}"] = src
    return {"name": "random", "run": {"horizon": f"{draw(st.integers(5, 20))} days", "seed": 1},
            "cohorts": cohorts, "sources": sources, "services": services}

