"""The feedback loop: outcomes 30 days after each alert, and the adoption-rate report."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from bot.bootstrap import Context, default_spec_path
from bot.feedback.outcomes import announce_outcomes, classify, record_outcomes
from bot.report.build import alert_facts, build_report
from bot.report.figures import tier, wilson
from bot.report.html import render_html
from bot.settings import Settings
from storage.models import Account, Action, Alert, Outcome, TeamMember
from storage.repositories.feedback import load_report_frames

DAY = dt.date(2026, 9, 7)  # a Monday


@pytest.fixture
def ctx(db_url, tmp_path):
    c = Context(
        settings=Settings(database_url=db_url, atrisk_outbox_dir=tmp_path / "outbox"),
        spec_path=default_spec_path(),
    )
    yield c
    c.close()


def _company(ctx: Context) -> None:
    """Two CSMs, six alerted accounts: acted, acted+churned, dismissed, ignored, held out."""
    with ctx.uow() as uow:
        s = uow.session
        s.add_all(
            [
                TeamMember(email="jane@x.io", name="Jane", role="csm", slack_user_id="UJANE"),
                TeamMember(email="raj@x.io", name="Raj", role="csm", slack_user_id="URAJ"),
            ]
        )
        accounts = {
            "A1": (None, 50_000.0),
            "A2": (DAY + dt.timedelta(days=10), 20_000.0),
            "A3": (None, 10_000.0),
            "A4": (None, 8_000.0),
            "A5": (None, 30_000.0),
            "A6": (DAY + dt.timedelta(days=45), 5_000.0),
        }
        for aid, (churned, arr) in accounts.items():
            s.add(
                Account(
                    account_id=aid,
                    name=f"Acme {aid}",
                    csm_email="jane@x.io" if aid in ("A1", "A2", "A3") else "raj@x.io",
                    created_at=dt.date(2024, 1, 1),
                    churned_at=churned,
                    arr=arr,
                )
            )
        s.flush()
        posted_at = dt.datetime(2026, 9, 7, 7, 0, tzinfo=dt.UTC)
        for i, aid in enumerate(accounts, start=1):
            s.add(
                Alert(
                    id=i,
                    alert_key=f"{aid}:{DAY}",
                    account_id=aid,
                    as_of=DAY,
                    risk=0.5,
                    csm_email="jane@x.io" if aid in ("A1", "A2", "A3") else "raj@x.io",
                    status="held_out" if aid == "A5" else "posted",
                    arr=accounts[aid][1],
                    posted_at=None if aid == "A5" else posted_at,
                    posted_ts=None if aid == "A5" else "dry-run",
                    posted_channel="C1",
                )
            )
        s.flush()
        s.add_all(
            [
                Action(
                    alert_id=1,
                    kind="playbook",
                    playbook_id="integration-health-check",
                    user_email="jane@x.io",
                    acted_at=posted_at + dt.timedelta(hours=2),
                ),
                Action(
                    alert_id=2,
                    kind="playbook",
                    playbook_id="integration-health-check",
                    user_email="jane@x.io",
                    acted_at=posted_at + dt.timedelta(hours=4),
                ),
                Action(
                    alert_id=3,
                    kind="dismissal",
                    dismiss_reason="customer_healthy",
                    user_email="jane@x.io",
                    acted_at=posted_at + dt.timedelta(hours=1),
                ),
            ]
        )
        uow.commit()


def test_an_account_that_churned_within_the_window_is_churned():
    assert classify(DAY, 30, DAY + dt.timedelta(days=30), 100.0, 100.0) == "churned"
    assert classify(DAY, 30, DAY + dt.timedelta(days=31), 100.0, 100.0) == "retained"
    assert classify(DAY, 30, None, 100.0, 80.0) == "downgraded"


def test_outcomes_are_recorded_once_after_outcome_days(ctx):
    _company(ctx)
    early = record_outcomes(ctx, DAY + dt.timedelta(days=29))
    assert early.recorded == 0
    report = record_outcomes(ctx, DAY + dt.timedelta(days=30))
    assert report.recorded == 6
    assert report.by_state == {"churned": 1, "retained": 5}
    again = record_outcomes(ctx, DAY + dt.timedelta(days=31))
    assert again.recorded == 0
    with ctx.uow() as uow:
        rows = {o.account_id: o for o in uow.session.query(Outcome)}
        assert rows["A2"].state == "churned" and rows["A2"].acted
        assert rows["A5"].held_out and not rows["A5"].acted
        assert rows["A3"].acted is False  # a dismissal is not an action taken


def test_outcomes_are_announced_in_the_alert_thread_once(ctx):
    _company(ctx)
    report = record_outcomes(ctx, DAY + dt.timedelta(days=30))
    announce_outcomes(ctx, report)
    assert report.announced == 5  # every posted alert; the held-out one has no thread
    files = sorted((ctx.settings.atrisk_outbox_dir / "outcomes").glob("*.json"))
    assert len(files) == 5
    text = json.loads(files[1].read_text())["text"]
    assert text.startswith("30-day outcome: ❌ churned")
    report2 = record_outcomes(ctx, DAY + dt.timedelta(days=31))
    announce_outcomes(ctx, report2)
    assert report2.announced == 0


def test_the_report_grades_adoption_and_compares_retention_with_the_holdout(ctx):
    _company(ctx)
    record_outcomes(ctx, DAY + dt.timedelta(days=30))
    frames = load_report_frames(ctx.engine)
    report = build_report(
        frames,
        today=DAY + dt.timedelta(days=40),
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
        titles={p.id: p.title for p in ctx.playbooks},
    )
    week = report["weekly_adoption"][0]
    assert (week["csms_alerted"], week["csms_acted"]) == (2, 1)
    assert week["adoption_rate"] == 0.5 and week["tier"] == "healthy"
    lift = report["lift"]
    assert (lift["alerted"]["n"], lift["alerted"]["retained"]) == (5, 4)
    assert (lift["holdout"]["n"], lift["holdout"]["retained"]) == (1, 1)
    assert lift["retention_lift"]["value"] == pytest.approx(-0.2)
    assert "not distinguishable from zero" in report["summary"]["lift"]
    obs = report["observational"]
    assert (obs["acted"]["n"], obs["acted"]["retained"]) == (2, 1)
    assert (obs["no_action"]["n"], obs["no_action"]["retained"]) == (2, 2)
    assert obs["per_playbook"][0]["playbook_id"] == "integration-health-check"
    assert obs["per_playbook"][0]["playbook"] == "Integration health check"
    assert report["dismissals"]["per_reason"][0]["dismiss_reason"] == "customer_healthy"
    assert report["dismissals"]["per_reason"][0]["reason"] == "Customer is healthy"
    assert report["dismissals"]["dismissed"]["churned"] == 0
    assert report["summary"]["median_hours_to_action"] == 3.0  # to a playbook, not a dismissal
    html = render_html(report)
    assert "<svg" in html and "Weekly adoption" in html and "healthy" in html
    json.dumps(report, default=str)
    facts = alert_facts(frames)
    assert len(facts) == 6 and set(facts["action"].dropna()) == {"playbook", "dismissal"}


def test_the_report_on_an_empty_database_says_there_is_no_data_yet(ctx):
    frames = load_report_frames(ctx.engine)
    report = build_report(
        frames,
        today=DAY,
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    assert report["summary"]["latest_tier"] == "no alerts"
    assert "No data yet." in render_html(report)


def test_adoption_tiers_follow_the_published_bands():
    assert [tier(r) for r in (0.71, 0.7, 0.4, 0.39, 0.2, 0.19, 0.0)] == [
        "best-in-class",
        "healthy",
        "healthy",  # 40–70 % includes 40 %
        "at risk",
        "at risk",  # 20–40 % includes 20 %
        "failing",
        "failing",
    ]


def test_wilson_interval_is_right_on_known_values():
    lo, hi = wilson(8, 10)
    assert round(lo, 3) == 0.490 and round(hi, 3) == 0.943


def test_adoption_is_the_same_number_in_the_html_the_cli_and_slash_report(ctx):
    from bot.answers.activity import adoption
    from bot.answers.lookups import Caller
    from bot.cli.report_cmd import headline
    from bot.slack.views import report as slash_report

    _company(ctx)
    today = DAY + dt.timedelta(days=40)
    report = build_report(
        load_report_frames(ctx.engine),
        today=today,
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    analyst = Caller("UAN", "an@x.io", "An", "analyst", None)
    answer = adoption(ctx, analyst, today=today)
    assert answer.latest is not None
    assert answer.latest.as_dict() == report["summary"]["adoption"]
    # one of two CSMs chose a playbook; two of five posted alerts had one
    assert (answer.latest.adoption_rate, answer.latest.action_rate) == (0.5, 0.4)
    slack = json.dumps(slash_report(answer), ensure_ascii=False)
    assert "adoption *50 %* (healthy)" in slack and "(40 %)" in slack
    assert "50 % of CSMs (healthy); playbook chosen on 40 % of alerts" in headline(report)
    assert ">50 %</b>adoption" in render_html(report).replace("\n", "")
    assert "best-in-class" not in slack.split("Tiers")[0]


def test_the_week_in_progress_is_shown_but_not_graded(ctx):
    _company(ctx)
    report = build_report(
        load_report_frames(ctx.engine),
        today=DAY + dt.timedelta(days=2),
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    assert report["summary"]["adoption"] is None
    assert report["summary"]["adoption_this_week"]["tier"] == "week in progress"
    assert report["weekly_adoption"][-1]["tier"] == "week in progress"


def test_weeks_without_alerts_are_shown_as_gaps_not_squeezed_out():
    from bot.report.adoption import adoption_weeks

    posted = pd.DataFrame(
        {
            "csm_email": ["a@x", "a@x"],
            "as_of": [dt.date(2026, 3, 2), dt.date(2026, 3, 23)],
            "kind": ["playbook", None],
        }
    )
    weeks = adoption_weeks(posted, today=dt.date(2026, 4, 1))
    assert [w.week.day for w in weeks] == [2, 9, 16, 23, 30]
    assert [w.tier for w in weeks] == [
        "best-in-class",
        "no alerts",
        "no alerts",
        "failing",
        "no alerts",
    ]
