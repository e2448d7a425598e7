"""Outcome replies speak in words: playbook titles, dismissal labels, "ARR unchanged"."""

from __future__ import annotations

from bot.report.text import outcome_sentence
from storage.models import Action, Outcome


def _outcome(before: float, after: float) -> Outcome:
    return Outcome(state="retained", arr_before=before, arr_after=after)


def test_an_unchanged_arr_says_so_and_the_playbook_is_named_by_its_title() -> None:
    action = Action(kind="playbook", playbook_id="escalate-broken-integration")
    text = outcome_sentence(_outcome(61_440, 61_440), action, 30, "Escalate to engineering")
    assert text == (
        "30-day outcome: ✅ still a customer (ARR unchanged)"
        " · action taken: Escalate to engineering"
    )


def test_a_dismissal_is_named_by_its_label_and_a_changed_arr_by_its_numbers() -> None:
    action = Action(kind="dismissal", dismiss_reason="already_handled")
    text = outcome_sentence(_outcome(48_000, 36_000), action, 30)
    assert "ARR 48,000 → 36,000" in text and "(Already handled)" in text
    assert "already_handled" not in text
