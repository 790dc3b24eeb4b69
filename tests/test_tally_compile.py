"""``_tally.row`` is compiled once per tally type, whatever constants its callers pass.

Numba compiles a called function once per combination of literal argument types, and the
loop passes ``row`` constants (an outcome, NO_NODE, True or False) from ~14 call sites:
passed on as they are, ``_row`` was compiled 8 times per loop specialisation, ~6 s of CPU of
the first run after install (benchmarks/README.md, "Start-up"). The tallies it makes are
tested against the event log's metrics in test_stream_metrics.py.
"""

from __future__ import annotations

import numba
import numpy as np

from flowsim.config import parse_config
from flowsim.engines import _tally
from flowsim.network import build_network
from flowsim.streamed import new_tally


@numba.njit
def _two_call_sites(tl):
    _tally.row(tl, 0, 0, 0, 8000.0, 8010.0, 8020.0, 8030.0, 1, -1, -1, True)  # constants of one kind...
    _tally.row(tl, 0, 0, 0, 9000, 9000, 9300, 9300, 2, 0, 3, False)  # ...and of another, whole minutes too


def test_row_compiles_one_specialisation_for_different_constants(tiny_text):
    tl = new_tally(build_network(parse_config(tiny_text)), 1, 4, False)  # nodes 0-3: ed, ..., ward; window from day 5
    _two_call_sites(tl)
    # one, the loop's own when it was compiled in this process (the session fixture, cache cold)
    assert len(_tally._row.signatures) == 1, _tally._row.signatures
    assert int(tl.wk[0]) == 2 and np.allclose(tl.wv[:2], [10.0, 0.0])  # both rows tallied: their waits
