"""Choosing playbooks for an alert: the right one first, with why, always the same way."""

from __future__ import annotations

import random

import pytest

from playbooks import DISMISSAL_REASONS, Library, choose, load_library
from playbooks.validation import parse_playbook
from tests.playbooks.factories import playbook, reason


@pytest.fixture(scope="module")
def builtin() -> Library:
    return load_library()


def make_library(*raws: dict) -> Library:
    made = [parse_playbook(raw, "test.yml")[0] for raw in raws]
    assert all(p is not None for p in made)
    return Library(tuple(p for p in made if p is not None))


PROFILE = (
    "No warning sign to act on: the risk comes from the account's profile (tenure and seat "
    "count) — review the account"
)
SALESFORCE = reason(
    "integrations", "integration_failures_14d", 14, "14 failed Salesforce syncs in the last 14 days"
)


@pytest.mark.parametrize(
    ("reasons", "features", "first", "why"),
    [
        (
            [SALESFORCE],
            {"consecutive_failures": 2, "broken_integrations": 1, "days_since_last_sync": 1},
            "integration-health-check",
            "fits the top reason: 14 failed Salesforce syncs in the last 14 days",
        ),
        (
            [SALESFORCE],
            {"consecutive_failures": 9, "broken_integrations": 1},
            "escalate-broken-integration",
            "fits the top reason: 14 failed Salesforce syncs in the last 14 days",
        ),
        (
            [reason("adoption", "unadopted_key_features", 3, "3 of 5 key features never used")],
            {"tenure_days": 900, "users_per_seat": 0.7},
            "adoption-workshop",
            "fits the top reason: 3 of 5 key features never used",
        ),
        (
            [reason("support", "oldest_unanswered_ticket_days", 9, "Urgent ticket open 9 days")],
            None,
            "escalate-stale-ticket",
            "fits the top reason: Urgent ticket open 9 days",
        ),
        (
            [reason("support", "csat_mean", 2.1, "average CSAT 2.1 over the last 90 days")],
            {"oldest_unanswered_ticket_days": 0, "urgent_open_tickets": 0},
            "support-experience-call",
            "fits the top reason: average CSAT 2.1 over the last 90 days",
        ),
        (
            [reason("usage", "usage_trend", -0.45, "product usage down 45% in the last 14 days")],
            {"arr": 12000, "seats": 5, "tenure_days": 800, "users_per_seat": 0.6},
            "re-engage-champion",
            "fits the top reason: product usage down 45% in the last 14 days",
        ),
        (
            [reason("commercial", "days_to_renewal", 45, "renewal in 45 days")],
            {"arr": 20000},
            "renewal-preparation",
            "fits the top reason: renewal in 45 days",
        ),
        (
            [reason("profile", "profile", None, PROFILE)],
            {"arr": 20000, "days_to_renewal": 300, "tenure_days": 40},
            "success-review",
            f"fits the top reason: {PROFILE}",
        ),
    ],
)
def test_each_family_gets_the_right_playbook_first_with_its_why(
    builtin: Library, reasons: list, features: dict | None, first: str, why: str
) -> None:
    choices = choose(builtin, reasons, features)
    assert choices[0].id == first
    assert choices[0].why == why


def test_a_playbook_for_a_lower_reason_ranks_after_the_top_reasons_playbooks(
    builtin: Library,
) -> None:
    reasons = [
        reason("usage", "usage_trend", -0.5, "product usage down 50%"),
        reason("support", "urgent_open_tickets", 2, "2 urgent tickets open"),
    ]
    choices = choose(builtin, reasons, {"arr": 1000, "tenure_days": 900, "users_per_seat": 1})
    assert [c.id for c in choices] == [
        "re-engage-champion",
        "success-review",
        "escalate-stale-ticket",
    ]
    assert choices[2].why == "fits the second reason: 2 urgent tickets open"


def test_rank_is_reason_then_priority_then_id() -> None:
    library = make_library(
        playbook(id="b-low", families=["usage"], priority=1),
        playbook(id="a-low", families=["usage"], priority=1),
        playbook(id="high", families=["usage"], priority=9),
        playbook(id="support-top", families=["support"], priority=0),
    )
    reasons = [reason("support", "open_tickets", 4, "4 open tickets"), reason("usage", "x", 1, "x")]
    assert [c.id for c in choose(library, reasons, limit=10)] == [
        "support-top",
        "high",
        "a-low",
        "b-low",
    ]


def test_at_most_limit_choices_are_returned(builtin: Library) -> None:
    reasons = [reason("usage", "usage_trend", -0.5, "usage down")]
    features = {"arr": 90000, "seats": 40, "users_per_seat": 0.2, "tenure_days": 100}
    assert len(choose(builtin, reasons, features)) == 3
    assert len(choose(builtin, reasons, features, limit=5)) == 5
    assert choose(builtin, reasons, features, limit=0) == []


def test_a_choice_has_exactly_the_stored_shape(builtin: Library) -> None:
    [first, *_] = choose(builtin, [SALESFORCE])
    assert first.as_dict() == {
        "id": "integration-health-check",
        "title": "Integration health check",
        "style": "primary",
        "why": "fits the top reason: 14 failed Salesforce syncs in the last 14 days",
        "follow_up_days": 7,
        "description": builtin.get("integration-health-check").description,  # type: ignore[union-attr]
    }


def test_the_same_input_gives_the_same_choices_in_any_library_order(builtin: Library) -> None:
    reasons = [
        SALESFORCE,
        reason("commercial", "days_to_renewal", 30, "renewal in 30 days"),
        reason("adoption", "unadopted_key_features", 2, "2 of 5 key features never used"),
    ]
    features = {"consecutive_failures": 6, "arr": 80000}
    expected = [c.as_dict() for c in choose(builtin, reasons, features)]
    shuffled = list(builtin.playbooks)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert [c.as_dict() for c in choose(shuffled, reasons, features)] == expected


def test_account_features_override_the_reason_values_in_conditions() -> None:
    library = make_library(playbook(id="big", families=["support"], when="open_tickets >= 10"))
    reasons = [reason("support", "open_tickets", 12, "12 open tickets")]
    assert [c.id for c in choose(library, reasons)] == ["big"]
    assert choose(library, reasons, {"open_tickets": 3}) == []


def test_a_condition_on_a_feature_the_account_lacks_does_not_fit() -> None:
    library = make_library(
        playbook(id="renewal", families=["support"], when="days_to_renewal < 90")
    )
    assert choose(library, [reason("support", "open_tickets", 4, "4 open tickets")]) == []


def test_a_family_no_playbook_covers_gets_no_buttons_but_not_a_risk_is_still_offered() -> None:
    library = make_library(playbook(id="usage-only", families=["usage"]))
    assert library.uncovered_families() == {
        "adoption",
        "integrations",
        "support",
        "commercial",
        "profile",
    }
    assert choose(library, [reason("support", "open_tickets", 4, "4 open tickets")]) == []
    assert [r.id for r in DISMISSAL_REASONS] == [
        "already_handled",
        "data_wrong",
        "customer_healthy",
        "other",
    ]


def test_no_reasons_means_no_choices(builtin: Library) -> None:
    assert choose(builtin, []) == []


def test_reasons_beyond_the_third_are_counted_in_words() -> None:
    library = make_library(playbook(id="late", families=["commercial"]))
    reasons = [reason("usage", "x", 1, "x")] * 3 + [reason("commercial", "arr", 1, "ARR 1")]
    assert choose(library, reasons)[0].why == "fits reason 4: ARR 1"
