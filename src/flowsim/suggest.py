"""Did-you-mean hints for error messages, written once.

A leaf module (it imports nothing from flowsim), so that every stage that
reports a misspelt name can use it without an import running back up.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

__all__ = ["closest", "did_you_mean"]


def closest(word, choices: Iterable, synonyms: Mapping[str, str] | None = None) -> str | None:
    """The choice the user most likely meant by ``word``, or None.

    Parameters
    ----------
    word : Any
        What the user wrote (compared as text).
    choices : iterable
        The names that exist (compared as text).
    synonyms : mapping, optional
        Names users write for a choice spelt otherwise (``stdev`` for ``sd``),
        too far apart for a spelling match; tried first.

    Returns
    -------
    str or None
        The closest choice (difflib ratio >= 0.6), or None when none is close.
    """
    names = [str(c) for c in choices]
    word = str(word)
    if synonyms and synonyms.get(word) in names:
        return synonyms[word]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word, choices: Iterable, synonyms: Mapping[str, str] | None = None) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close.

    Parameters
    ----------
    word, choices, synonyms
        As for :func:`closest`.

    Returns
    -------
    str
        A suffix for an error message.
    """
    match = closest(word, choices, synonyms)
    return f"; did you mean '{match}'?" if match else ""
