"""The escalation openings both engines report, in one shape (``EventLog.meta["escalation"]``)."""

from __future__ import annotations

import numpy as np

__all__ = ["escalation_meta"]


def escalation_meta(node, opened, closed) -> dict:
    """``{"node": [...], "open": [...], "close": [...]}`` sorted by (node, minute opened).

    ``close`` is NaN for escalation beds still open at the horizon.
    """
    node = np.asarray(node, dtype=np.int64)
    opened = np.asarray(opened, dtype=np.float64)
    closed = np.asarray(closed, dtype=np.float64)
    order = np.lexsort((opened, node))
    return {"node": node[order].tolist(), "open": opened[order].tolist(), "close": closed[order].tolist()}
