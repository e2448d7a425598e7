"""The run summary says when ``surface.risk_floor`` leaves far fewer accounts flagged than
the spec's share or threshold asks for."""

from __future__ import annotations

import numpy as np

from bot.daily.flag_budget import floor_note


def test_one_of_206_flagged_under_the_floor_is_explained_with_the_numbers() -> None:
    risks = np.r_[[0.4], np.full(205, 0.01)]
    note = floor_note(risks, 1, threshold=None, top_share=0.05, risk_floor=0.05)
    assert note is not None
    assert note.startswith(
        "surface.risk_floor (0.05) left 1 of 206 accounts flagged, where surface.top_share "
        "(5%) asks for 11: the other 10 had a risk below the floor."
    )


def test_a_floor_that_cuts_little_or_nothing_says_nothing() -> None:
    risks = np.linspace(0.01, 0.9, 206)
    assert floor_note(risks, 11, threshold=None, top_share=0.05, risk_floor=0.05) is None
    assert floor_note(risks, 8, threshold=None, top_share=0.05, risk_floor=0.05) is None
    assert floor_note(risks, 0, threshold=None, top_share=0.05, risk_floor=0.0) is None


def test_a_threshold_below_the_floor_is_named_with_its_setting() -> None:
    risks = np.r_[np.full(10, 0.03), np.full(90, 0.001)]
    note = floor_note(risks, 0, threshold=0.02, top_share=None, risk_floor=0.05, noun="leads")
    assert note is not None and "0 of 100 leads flagged" in note
    assert "surface.threshold (0.02) asks for 10" in note
