"""Churn and leads on one database, as seen by people: the Monday digest and the App Home show
lead alerts by company, with their chance to convert, their owner and "converted" outcomes,
and each product's digest is sent once and holds only its own alerts and plays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from bot.bootstrap import Context
from bot.feedback.digest import send_digests
from bot.spec import load_spec
from storage.models import Action, Alert, ModelVersion, Outcome, Play, Score, ScoringRun, TeamMember
from tests.bot.slack.app_harness import (
    MANAGER,
    Harness,
    default_spec_path,
    running_app,
    settings_for,
)
from tests.bot.slack.slack_double import SlackDouble
from tests.bot.slack.test_app_home import open_home
from tests.bot.slack.test_digest import SIX_AM, dms

SAM = "U0SAMSDR01"
RUN_DAY = dt.date(2026, 3, 15)
DEMO = "Asked for a demo 2 days ago"


def lead_context(db_url: str, double: SlackDouble) -> Context:
    """The lead product on the churn app's database (a second spec, its own product)."""
    ctx = Context(settings=settings_for(db_url, double))
    spec = load_spec(default_spec_path())
    spec.entity = spec.entity.model_copy(update={"kind": "lead", "horizon_days": 14})
    ctx.spec = spec  # type: ignore[misc]
    return ctx


def seed_leads(ctx: Context) -> None:
    """Sam (an SDR under Maria): a hot lead nobody acted on yet, and a lead he called whose
    play is overdue and which converted last week."""
    facts: dict[str, Any] = {"owner_email": "sam@example.com", "horizon_days": 14}
    with ctx.uow() as uow:
        s = uow.session
        s.add(
            TeamMember(
                email="sam@example.com",
                name="Sam Seller",
                role="sdr",
                manager_email="maria@example.com",
                slack_user_id=SAM,
                slack_channel="C0SALES001",
            )
        )
        model = ModelVersion(
            version="2026-03-01.lead",
            state="live",
            trained_as_of=dt.date(2026, 3, 1),
            artifact="tree",
            artifact_sha256="2" * 64,
        )
        s.add(model)
        s.flush()
        run = ScoringRun(as_of=RUN_DAY, status="succeeded", model_version_id=model.id)
        s.add(run)
        s.flush()
        for lead, company, risk in (("L-7", "Stark & <Sons>", 0.72), ("L-9", "Wayne Ltd", 0.3)):
            s.add(
                Score(
                    run_id=run.id,
                    account_id=lead,
                    model_version_id=model.id,
                    as_of=RUN_DAY,
                    risk=risk,
                    flagged=lead == "L-7",
                    rank=1 if lead == "L-7" else 2,
                    reasons=[
                        {"feature": "demo_requests_14d", "text": "Asked for a demo 2 days ago"}
                    ],
                    features={**facts, "company": company},
                )
            )
        hot = Alert(
            alert_key=f"lead:L-7:{RUN_DAY}",
            account_id="L-7",
            as_of=RUN_DAY,
            run_id=run.id,
            model_version_id=model.id,
            csm_email="sam@example.com",
            risk=0.72,
            reasons=[{"feature": "demo_requests_14d", "text": DEMO}],
            playbooks=[{"id": "call-now", "title": "Call now"}],
            status="posted",
            posted_at=dt.datetime(2026, 3, 15, 7, tzinfo=dt.UTC),
            posted_channel="C0SALES001",
            posted_ts="1773558000.000100",
        )
        called = Alert(
            alert_key="lead:L-9:2026-03-05",
            account_id="L-9",
            as_of=dt.date(2026, 3, 5),
            run_id=run.id,
            model_version_id=model.id,
            csm_email="sam@example.com",
            risk=0.64,
            reasons=[],
            playbooks=[{"id": "call-now", "title": "Call now"}],
            status="posted",
            posted_at=dt.datetime(2026, 3, 5, 7, tzinfo=dt.UTC),
        )
        s.add_all([hot, called])
        s.flush()
        s.add(
            Action(
                alert_id=called.id,
                kind="playbook",
                playbook_id="call-now",
                user_email="sam@example.com",
                acted_at=dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC),
            )
        )
        s.add(
            Play(
                alert_id=called.id,
                account_id="L-9",
                kind="playbook",
                playbook_id="call-now",
                title="Call now",
                owner_email="sam@example.com",
                risk=0.64,
                opened_on=dt.date(2026, 3, 5),
                due_on=dt.date(2026, 3, 6),
                status="open",
            )
        )
        s.add(
            Outcome(
                alert_id=called.id,
                account_id="L-9",
                observed_on=dt.date(2026, 3, 12),
                state="converted",
                acted=True,
            )
        )
        uow.commit()


@pytest.fixture
def both(db_url: str, slack_double: SlackDouble) -> Iterator[tuple[Harness, Context]]:
    """The churn app (seeded company) and the lead product on the same database."""
    with running_app(db_url, slack_double) as churn:
        lead = lead_context(db_url, slack_double)
        try:
            seed_leads(lead)
            yield churn, lead
        finally:
            lead.close()


def test_the_lead_digest_names_hot_leads_by_company_owner_and_conversions(
    both: tuple[Harness, Context],
) -> None:
    churn, lead = both
    report = send_digests(lead, now=SIX_AM)
    assert MANAGER in report.sent and report.already_sent == []
    [maria] = dms(churn.double)[MANAGER]
    assert "Your team's lead digest — week of 16 Mar 2026" in maria
    assert "1 hot leads · 1 alerted, nobody acted · 1 plays overdue" in maria
    assert "|Stark &amp; &lt;Sons&gt;> · 72% likely to convert · owner Sam Seller" in maria
    assert "Wayne Ltd · Call now · due 6 Mar · Sam Seller" in maria
    assert "*Conversions confirmed last week*\n• Wayne Ltd · converted on 12 Mar" in maria
    assert "ARR" not in maria and "Acme" not in maria and "Initech" not in maria


def test_the_churn_and_lead_digests_of_one_monday_are_both_sent_and_never_mixed(
    both: tuple[Harness, Context],
) -> None:
    churn, lead = both
    first = send_digests(churn.ctx, now=SIX_AM)
    second = send_digests(lead, now=SIX_AM)
    assert MANAGER in first.sent and MANAGER in second.sent, "one digest per product"
    churn_dm, lead_dm = dms(churn.double)[MANAGER]
    assert "0 plays overdue" in churn_dm, "the lead play is not the churn team's"
    assert "Stark" not in churn_dm and "Wayne" not in churn_dm and "Sam" not in churn_dm
    assert "Acme" not in lead_dm
    assert (
        send_digests(lead, now=SIX_AM).already_sent == [MANAGER]
        or not send_digests(lead, now=SIX_AM).sent
    )


def test_the_app_home_shows_open_lead_alerts_by_company_with_the_owner(
    both: tuple[Harness, Context],
) -> None:
    churn, _ = both
    home = open_home(churn, MANAGER)
    assert "*Open alerts* — your team's accounts" in home, "churn's section as before"
    assert "*Acme Corp* · critical · 81 %" in home
    assert "*Hot leads* — open" in home
    assert (
        "*Lead at Stark &amp; &lt;Sons&gt;* · 72 % likely to convert · 15 Mar in <#C0SALES001>"
        " · owner Sam Seller\\nAsked for a demo 2 days ago"
    ) in home
    assert "*Lead at Wayne Ltd*: Sam Seller chose *Call now*" not in home  # not this week
    assert "*Lead at Wayne Ltd* · Call now · ⚠️ overdue, due 6 Mar" in home


def test_an_sdrs_app_home_lists_their_leads_and_no_account(both: tuple[Harness, Context]) -> None:
    churn, _ = both
    home = open_home(churn, SAM)
    assert "*Lead at Stark &amp; &lt;Sons&gt;* · 72 % likely to convert" in home
    assert "owner Sam Seller" not in home, "their own leads need no owner"
    assert "Acme" not in home and "Initech" not in home
