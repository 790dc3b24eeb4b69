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
