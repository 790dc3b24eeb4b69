"""``Problem``: one thing wrong with a whole config, found by the model-wide checks.

Its own module so that ``checks`` and the modules it calls (``interventions``,
``population``, ``money``) all import it without importing each other.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Problem"]


class Problem(NamedTuple):
    """One thing wrong with a config.

    ``path`` is the key path as written in the file; ``at_key`` says to point at
    the key rather than at its value (for names that are themselves wrong).
    """

    path: tuple
    message: str
    at_key: bool = False
