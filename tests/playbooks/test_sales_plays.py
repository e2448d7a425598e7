"""Sales plays: the built-in lead library loads, answers every lead reason family, and offers
the play that fits a lead's top reason; a churn family in a sales play is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks import choose, load_library
from playbooks.errors import LibraryInvalid
from scoring.lead_catalog import LEAD_FAMILIES, LEAD_MODEL_FEATURES


def test_the_sales_library_has_the_five_plays_and_covers_every_lead_family() -> None:
    library = load_library(entity="lead", known_features=LEAD_MODEL_FEATURES)
    assert [p.id for p in library] == [
        "book-a-demo",
        "call-now",
        "hand-to-ae",
        "nurture",
        "send-segment-case-study",
    ]
    assert library.uncovered_families() == set()
    assert set(library.families) == set(LEAD_FAMILIES)
    assert all(p.follow_up_days >= 1 for p in library)


def test_a_demo_request_offers_call_now_and_book_a_demo_first() -> None:
    library = load_library(entity="lead")
    reasons = [
        {"feature": "demo_requests_14d", "family": "intent", "value": 1,
         "text": "Asked for a demo 2 days ago"},
        {"feature": "email_replies_14d", "family": "engagement", "value": 2,
         "text": "Replied to 2 emails in the last 14 days"},
    ]  # fmt: skip
    offered = choose(library, reasons, {"company_people_active_7d": 1, "trial_events_7d": 0})
    assert [c.id for c in offered] == ["call-now", "book-a-demo", "nurture"]
    assert offered[0].why == "fits the top reason: Asked for a demo 2 days ago"


def test_a_buying_group_offers_the_handover_to_an_ae() -> None:
    library = load_library(entity="lead")
    reasons = [
        {"feature": "company_trial_users_7d", "family": "buying_group", "value": 4,
         "text": "4 people from Acme active in the trial in the last 7 days"},
    ]  # fmt: skip
    offered = choose(library, reasons, {"company_people_active_7d": 4, "trial_events_7d": 9})
    assert offered[0].id == "hand-to-ae"


def test_a_sales_play_naming_a_churn_family_is_refused(tmp_path: Path) -> None:
    (tmp_path / "renewal.yml").write_text(
        "id: renewal-call\ntitle: Renewal call\ndescription: Call them.\n"
        "families: [commercial]\nfollow_up_days: 3\n",
        encoding="utf-8",
    )
    with pytest.raises(LibraryInvalid) as refused:
        load_library(tmp_path, entity="lead")
    assert "unknown family 'commercial'" in str(refused.value)
    assert "use intent, engagement, trial, buying_group" in str(refused.value)


def test_the_churn_library_is_unchanged_by_the_sales_plays() -> None:
    library = load_library()
    assert "call-now" not in library and "integration-health-check" in library
    assert library.uncovered_families() == set()
