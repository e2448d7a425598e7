"""The day's decision and its alert rows on small values: no database, no Slack."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import default_spec_path
from bot.daily.alert_rows import AlertSetting, Contact, build_alerts
from bot.daily.decide import (
    DayPlan,
    FallbackCause,
    FlaggedAccount,
    LastGood,
    ScoringResult,
    decide_day,
)
from bot.spec import Spec, load_spec
from playbooks import load_library
from tests.bot.daily.factories import drift_rows

DAY = dt.date(2025, 1, 15)
LAST_WEEK = DAY - dt.timedelta(days=7)


@pytest.fixture
def spec() -> Spec:
    spec = load_spec(default_spec_path())
    spec.feedback = spec.feedback.model_copy(update={"holdout_share": 0.0})
    return spec


def account(aid: str, rank: int, **features: float) -> FlaggedAccount:
    reason = {
        "feature": "integration_failures_14d",
        "family": "integrations",
        "value": 3,
        "contribution": 0.3,
        "text": "3 failed Salesforce syncs in the last 14 days",
    }
    return FlaggedAccount(aid, 0.9 - 0.1 * rank, rank, [reason], dict(features), 1)


def scored(*, drift: dict[str, float] | None = None, weight: float = 0.25) -> ScoringResult:
    flagged = [account("T1", 1), account("T2", 2)]
    return ScoringResult(DAY, 1, "v1", [], drift_rows(drift, weight), flagged, n_scored=10)


GOOD = LastGood(7, LAST_WEEK, [account("L1", 1, consecutive_failures=6)])


def test_a_day_the_model_scored_without_drift_serves_todays_flagged(spec: Spec) -> None:
    plan = decide_day(
        as_of=DAY, scoring=scored(), cause=None, model_state="active", last_good=GOOD, spec=spec
    )
    assert not plan.fallback and plan.served is None and plan.state_change is None
    assert [c.account_id for c in plan.candidates] == ["T1", "T2"]


def test_drift_that_matters_on_two_consecutive_runs_serves_the_last_good_run(
    spec: Spec,
) -> None:
    drift = {f"f{i}": 0.4 for i in range(4)}  # the whole model's inputs moved
    plan = decide_day(
        as_of=DAY, scoring=scored(drift=drift), cause=None, model_state="active",
        last_good=GOOD, spec=spec, earlier_drift=[0.35],
    )  # fmt: skip
    assert plan.cause is not None and plan.cause.code == "drift"
    assert plan.cause.detail.startswith(
        "importance-weighted PSI 0.40 over drift.pause_weighted_psi 0.1 on 2 consecutive runs "
        "(before: 0.35)"
    )
    assert plan.served == GOOD and [c.account_id for c in plan.candidates] == ["L1"]
    assert plan.state_change == "fallback"


def test_drift_that_matters_on_one_run_only_warns(spec: Spec) -> None:
    drift = {f"f{i}": 0.4 for i in range(4)}
    for earlier in ([], [0.05], [None]):
        plan = decide_day(
            as_of=DAY, scoring=scored(drift=drift), cause=None, model_state="active",
            last_good=GOOD, spec=spec, earlier_drift=earlier,
        )  # fmt: skip
        assert not plan.fallback and [c.account_id for c in plan.candidates] == ["T1", "T2"]
        assert plan.drift_warning is not None
        assert plan.drift_warning.startswith("importance-weighted PSI 0.40 is over")


def test_a_feature_the_model_hardly_uses_never_pauses_it_however_far_it_moves(
    spec: Spec,
) -> None:
    plan = decide_day(
        as_of=DAY, scoring=scored(drift={"f1": 15.9}, weight=0.02), cause=None,
        model_state="active", last_good=GOOD, spec=spec, earlier_drift=[0.02],
    )  # fmt: skip
    assert not plan.fallback and plan.drift_warning is None


def test_a_little_drift_stays_fresh(spec: Spec) -> None:
    plan = decide_day(
        as_of=DAY, scoring=scored(drift={"f1": 0.9}), cause=None, model_state="active",
        last_good=GOOD, spec=spec,
    )  # fmt: skip
    assert not plan.fallback


def test_a_disabled_model_falls_back_and_stays_disabled(spec: Spec) -> None:
    cause = FallbackCause("disabled", "disabled by jane@example.com: checking")
    plan = decide_day(
        as_of=DAY, scoring=None, cause=cause, model_state="disabled", last_good=GOOD, spec=spec
    )
    assert plan.cause == cause and plan.served == GOOD and plan.state_change is None


def test_without_good_scores_in_the_window_there_are_no_candidates(spec: Spec) -> None:
    cause = FallbackCause("run_failed", "RuntimeError: boom")
    plan = decide_day(
        as_of=DAY, scoring=None, cause=cause, model_state="active", last_good=None, spec=spec
    )
    assert plan.fallback and plan.served is None and plan.candidates == []


def test_a_good_newest_day_brings_the_model_back_but_a_replayed_day_does_not(
    spec: Spec,
) -> None:
    def back(newest_day: bool) -> str | None:
        return decide_day(
            as_of=DAY, scoring=scored(), cause=None, model_state="fallback", last_good=GOOD,
            spec=spec, newest_day=newest_day,
        ).state_change  # fmt: skip

    assert back(newest_day=True) == "active"
    assert back(newest_day=False) is None


def test_fresh_and_fallback_alerts_are_built_alike_with_the_feature_values(spec: Spec) -> None:
    library = load_library()
    setting = AlertSetting(
        contacts={"L1": Contact("jane@example.com", 1200.0)},
        channels={"jane@example.com": "C0JANE001"},
        previous_risks={"L1": 0.5},
        history=[],
    )
    cause = FallbackCause("drift", "4 features drifted")
    fallback = DayPlan(DAY, cause, GOOD, list(GOOD.flagged))
    fresh = DayPlan(DAY, None, None, list(GOOD.flagged))
    (a,) = build_alerts(fallback, setting, spec, library)
    (b,) = build_alerts(fresh, setting, spec, library)
    assert a["fallback"] and not b["fallback"]
    assert {k: v for k, v in a.items() if k != "fallback"} == {
        k: v for k, v in b.items() if k != "fallback"
    }
    assert a["channel"] == "C0JANE001" and a["arr"] == 1200.0 and a["previous_risk"] == 0.5
    assert a["status"] == "pending" and a["alert_key"] == "L1:2025-01-15"
    assert "escalate-broken-integration" in [p["id"] for p in a["playbooks"]]


def test_features_that_move_by_construction_carry_no_weight_in_the_pause(spec: Spec) -> None:
    rows = [
        {"feature": "days_to_renewal", "psi": 0.9, "drifted": True, "weight": 0.0},
        {"feature": "f1", "psi": 0.05, "drifted": False, "weight": 0.5},
    ]
    result = ScoringResult(DAY, 1, "v1", [], rows, [], n_scored=10)
    plan = decide_day(
        as_of=DAY, scoring=result, cause=None, model_state="active", last_good=None,
        spec=spec, earlier_drift=[0.9],
    )  # fmt: skip
    assert not plan.fallback and plan.drift_warning is None
