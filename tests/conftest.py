"""Test-session setup.

``flowsim.network`` imports ``flowsim.distributions``, which is written on another
branch. Until it lands, tests that build ``Network`` objects directly get a stub
module in its place: it offers the two names ``network`` imports and nothing else,
so any test that actually needs distributions fails loudly instead of passing.
The stub is installed only when the real module cannot be found.
"""

import importlib.util
import sys
import types


def _stub_distributions() -> None:
    if importlib.util.find_spec("flowsim.distributions") is not None:
        return
    stub = types.ModuleType("flowsim.distributions")
    stub.MAX_PARAMS = 4

    def dist_arrays(*args, **kwargs):
        raise NotImplementedError("flowsim.distributions is stubbed in this test session")

    stub.dist_arrays = dist_arrays
    sys.modules["flowsim.distributions"] = stub


_stub_distributions()


def _stub_arrivals() -> None:
    """Until ``flowsim.arrivals`` lands: the same weekly Poisson process by inversion,
    in a few lines (arrival times and cohorts only; enough for engine tests)."""
    if importlib.util.find_spec("flowsim.arrivals") is not None:
        return
    import numpy as np

    stub = types.ModuleType("flowsim.arrivals")

    def arrival_times(rng, rate, horizon):
        rate = np.asarray(rate, dtype=np.float64)
        H = np.concatenate(([0.0], np.cumsum(rate * 60.0)))
        if H[-1] <= 0 or horizon <= 0:
            return np.empty(0)
        n = int(horizon / 10080.0 * H[-1] + 10 * (horizon / 10080.0 * H[-1]) ** 0.5 + 50)
        s = np.cumsum(rng.standard_exponential(n))
        weeks = np.floor(s / H[-1])
        r = np.clip(s - weeks * H[-1], 0.0, np.nextafter(H[-1], 0.0))
        h = np.searchsorted(H, r, side="right") - 1
        t = weeks * 10080.0 + 60.0 * h + (r - H[h]) / rate[h]
        return t[t < horizon]

    def cohort_of(u, cum):
        return np.searchsorted(np.asarray(cum), np.asarray(u), side="right").astype(np.int16)

    stub.arrival_times = arrival_times
    stub.cohort_of = cohort_of
    sys.modules["flowsim.arrivals"] = stub


_stub_arrivals()
