"""Integer codes shared by the network, the engines and the event log, defined once.

The lowest stage of the data flow: it imports nothing from flowsim, so every
stage (network, draws, engines, eventlog) can use it without an import cycle.
"""

from __future__ import annotations

__all__ = ["NO_NODE", "MAX_INTERVENTIONS"]

# "no destination": no when_full rule, no divert, a visit still in its node at the horizon
# (the event log's NO_DEST). Far below any exit code -(1 + e), so never mistaken for one.
NO_NODE = -1_000_000
# the compiled engine keeps a patient's interventions as the bits of an int64
MAX_INTERVENTIONS = 63
