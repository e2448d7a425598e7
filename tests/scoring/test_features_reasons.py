"""Reason templates read as plain words with the account's own values."""

from __future__ import annotations

import math

import pytest

from scoring.catalog import FAMILIES, FEATURES, MODEL_FEATURES, family_of, render_reason

ROW = {
    "unadopted_key_features": 3.0,
    "key_features_total": 5.0,
    "unadopted_key_features_names": "Reports, SSO, API",
    "integration_failures_14d": 14.0,
    "failing_integrations": "Salesforce",
    "worst_integration": "Salesforce",
    "consecutive_failures": 1.0,
    "window_days": 14.0,
    "oldest_unanswered_ticket_days": 12.0,
    "oldest_unanswered_ticket_priority": "urgent",
    "days_to_renewal": 23.0,
    "users_per_seat_trend": -0.4166,
    "usage_trend": 0.25,
    "events_last_window": 150.0,
    "events_prev_window": 120.0,
    "csat_mean": 3.6667,
    "csat_days": 90.0,
    "csat_responses": 3.0,
    "arr": 120000.0,
    "users_per_seat": 0.27,
    "active_users_per_day": 3.2,
    "seats": 12.0,
}


def test_counts_read_as_whole_numbers_and_one_reads_singular() -> None:
    row = {"users_per_seat": 0.006, "active_users_per_day": 0.071, "seats": 12.0}
    assert (
        render_reason("users_per_seat", row) == "Fewer than 1 of 12 seats active on a typical day"
    )
    assert render_reason("days_to_renewal", {"days_to_renewal": 1.0}) == "Renewal in 1 day"
    assert render_reason("tenure_days", {"tenure_days": 1.0}) == "Customer for 1 day"


@pytest.mark.parametrize(
    ("feature", "text"),
    [
        ("unadopted_key_features", "3 of 5 key features never used: Reports, SSO, API"),
        ("integration_failures_14d", "14 failed Salesforce syncs in the last 14 days"),
        ("consecutive_failures", "1 Salesforce sync failed in a row"),
        ("oldest_unanswered_ticket_days", "Urgent ticket open 12 days with no reply"),
        ("days_to_renewal", "Renewal in 23 days"),
        ("users_per_seat_trend", "Active users per seat down 42% in 14 days"),
        ("usage_trend", "Product usage up 25% in the last 14 days (150 events vs 120)"),
        ("csat_mean", "Average CSAT 3.7 over the last 90 days (3 ratings)"),
        ("arr", "ARR 120,000"),
        ("users_per_seat", "3 of 12 seats active on a typical day"),
    ],
)
def test_a_reason_reads_with_the_accounts_own_values(feature: str, text: str) -> None:
    assert render_reason(feature, ROW) == text


def test_a_teams_own_column_reads_as_name_and_value() -> None:
    assert render_reason("nps_score", {"nps_score": 7.0}) == "nps_score = 7"
    assert render_reason("health", {"health": 0.4321}) == "health = 0.43"


def test_a_missing_value_or_helper_never_prints_a_broken_sentence() -> None:
    assert render_reason("days_to_renewal", {"days_to_renewal": math.nan}) == (
        "Days to renewal unknown"
    )
    partial = {"integration_failures_14d": 2.0, "window_days": 14.0}
    assert render_reason("integration_failures_14d", partial) == "integration_failures_14d = 2"


def test_every_model_feature_has_a_family_and_a_template() -> None:
    assert len(MODEL_FEATURES) == len(set(MODEL_FEATURES))
    for name in MODEL_FEATURES:
        info = FEATURES[name]
        assert info.model_input and info.template
        assert family_of(name) in FAMILIES
    assert family_of("not_a_feature") is None
    assert {FEATURES[n].family for n in MODEL_FEATURES} == set(FAMILIES)
