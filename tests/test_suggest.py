"""The one did-you-mean helper every error message uses."""

from __future__ import annotations

from flowsim.suggest import closest, did_you_mean


def test_close_spelling_is_suggested_and_far_names_are_not():
    assert did_you_mean("reablment", ["ed", "reablement", "ward"]) == "; did you mean 'reablement'?"
    assert did_you_mean("xyz", ["ed", "reablement", "ward"]) == ""
    assert closest("wrd", ["ed", "ward"]) == "ward"


def test_synonyms_win_over_spelling_and_need_their_target_among_the_choices():
    assert closest("stdev", ["mean", "sd"], {"stdev": "sd"}) == "sd"
    assert closest("stdev", ["mean"], {"stdev": "sd"}) is None


def test_non_text_names_compare_as_text():
    assert closest(12, [11, 120, "b"]) in ("11", "120")
