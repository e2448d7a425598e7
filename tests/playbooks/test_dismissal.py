""" "Not a risk": a fixed list of reasons, "Other" with a few words."""

from __future__ import annotations

import pytest

from playbooks import DISMISSAL_REASONS, dismissal_label, validate_dismissal
from playbooks.errors import DismissalInvalid


def test_the_reasons_are_a_fixed_list_with_labels() -> None:
    assert [(r.id, r.label) for r in DISMISSAL_REASONS] == [
        ("already_handled", "Already handled"),
        ("data_wrong", "The data is wrong"),
        ("customer_healthy", "Customer is healthy"),
        ("other", "Other"),
    ]
    assert [r.id for r in DISMISSAL_REASONS if r.needs_text] == ["other"]
    assert dismissal_label("data_wrong") == "The data is wrong"


def test_a_known_reason_is_accepted_and_its_note_trimmed() -> None:
    assert validate_dismissal("already_handled") == ("already_handled", None)
    assert validate_dismissal("other", "  merged with parent  ") == ("other", "merged with parent")


def test_other_without_text_is_refused() -> None:
    with pytest.raises(DismissalInvalid, match="say in a few words"):
        validate_dismissal("other", "   ")


def test_an_unknown_reason_is_refused() -> None:
    with pytest.raises(DismissalInvalid, match="unknown reason 'bored'"):
        validate_dismissal("bored")
