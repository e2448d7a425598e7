"""Clicks on a lead alert answered by the churn app (one Slack app, two products): only the
plays the lead alert offers, the sales plays' own reminder days, owners looked up among
leads only, and a "Not a fit" form that speaks of fit."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.blockkit.any_alert import render_any
from bot.blockkit.lead_alerts import LeadAlertView
from bot.bootstrap import Context
from bot.delivery.alert_views import load_alert_view
from bot.feedback.digest import send_digests
from playbooks.loader import load_library
from storage.models import Account, Action, Alert, Play, Score
from tests.bot.slack import signing
from tests.bot.slack.app_harness import JANE, Harness, running_app, wait_until
from tests.bot.slack.payload_walk import assert_clean, hostile, reached
from tests.bot.slack.slack_double import SlackDouble
from tests.bot.slack.test_app_home import open_home
from tests.bot.slack.test_digest import SIX_AM
from tests.bot.slack.test_lead_digest_and_home import SAM, lead_context, seed_leads


@pytest.fixture
def both(sqlite_url: str, slack_double: SlackDouble) -> Iterator[tuple[Harness, Context]]:
    with running_app(sqlite_url, slack_double) as churn:
        lead = lead_context(sqlite_url, slack_double)
        try:
            seed_leads(lead)
            yield churn, lead
        finally:
            lead.close()


def hot_lead(lead: Context) -> Alert:
    with lead.uow() as uow:
        row = uow.session.scalars(select(Alert).where(Alert.alert_key.like("lead:L-7%"))).one()
        uow.session.expunge_all()
        return row


def load_alert_view_of(ctx: Context, alert_id: int) -> LeadAlertView:
    with ctx.uow() as uow:
        view = load_alert_view(uow.session, alert_id=alert_id)
    assert isinstance(view, LeadAlertView)
    return view


def click(app: Harness, alert: Alert, action_id: str, value: Any, user: str) -> str:
    """Click a button on ``alert``'s own message; the URL its answer goes to."""
    url = app.double.response_url()
    payload = signing.block_action(
        action_id=action_id,
        value=json.dumps(value),
        user_id=user,
        user_name=user.lower(),
        channel=alert.posted_channel or "",
        ts=alert.posted_ts or "",
        response_url=url,
    )
    assert app.post(signing.payload_body(payload)).status == 200
    return url


def rows(ctx: Context, model: type, alert_id: int) -> list[Any]:
    with ctx.uow() as uow:
        found = list(uow.session.scalars(select(model).where(model.alert_id == alert_id)))
        uow.session.expunge_all()
        return found


def test_a_churn_playbook_forged_onto_a_lead_alert_is_refused_and_nothing_is_recorded(
    both: tuple[Harness, Context],
) -> None:
    app, lead = both
    hot = hot_lead(lead)
    value = {"alert": hot.id, "playbook": "escalate-broken-integration"}
    text = app.wait_for_response(click(app, hot, "atrisk.playbook.0", value, SAM))["text"]
    assert "is not one this alert offers; nothing was recorded" in text
    time.sleep(0.3)
    assert rows(lead, Action, hot.id) == [] and rows(lead, Play, hot.id) == []
    assert not app.double.messages("#support-escalations")


def test_a_lead_play_chosen_in_slack_reminds_on_the_sales_plays_day_not_its_due_day(
    both: tuple[Harness, Context],
) -> None:
    app, lead = both
    hot = hot_lead(lead)
    click(app, hot, "atrisk.playbook.0", {"alert": hot.id, "playbook": "call-now"}, SAM)
    [play] = wait_until(lambda: rows(lead, Play, hot.id))
    call_now = load_library(entity="lead").get("call-now")
    assert call_now is not None
    [after] = [f.after_days for f in call_now.follow_ups if f.type == "thread_reminder"]
    assert play.remind_on == play.opened_on + dt.timedelta(days=after)


def test_a_lead_without_an_owner_is_not_handed_to_the_csm_of_an_account_with_its_id(
    both: tuple[Harness, Context],
) -> None:
    app, lead = both
    hot = hot_lead(lead)
    with lead.uow() as uow:
        uow.session.get(Alert, hot.id).csm_email = None  # type: ignore[union-attr]
        uow.commit()
    with app.ctx.uow() as uow:
        uow.session.add(
            Account(
                account_id="L-7",
                name="Churn account L-7",
                csm_email="jane@example.com",
                created_at=dt.date(2025, 1, 1),
            )
        )
        uow.commit()
    value = {"alert": hot.id, "playbook": "call-now"}
    text = app.wait_for_response(click(app, hot, "atrisk.playbook.0", value, JANE))["text"]
    assert "This lead has no owner: only an admin can act on it" in text
    assert "another rep" not in text, "an owner-less lead is nobody's, not another rep's"
    assert rows(lead, Action, hot.id) == []


def test_not_a_fit_on_a_lead_asks_why_the_lead_is_not_a_fit(
    both: tuple[Harness, Context],
) -> None:
    app, lead = both
    hot = hot_lead(lead)
    click(app, hot, "atrisk.dismiss", {"alert": hot.id}, SAM)
    [opened] = wait_until(lambda: app.double.calls_to("views.open"))
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    words = json.dumps(view, ensure_ascii=False)
    assert view["title"]["text"] == "Not a fit"
    assert "not a fit?" in words and "not at risk" not in words
    assert "Customer is healthy" not in words


def test_a_hostile_lead_company_reaches_every_lead_surface_inert_and_verbatim(
    both: tuple[Harness, Context],
) -> None:
    """The lead alert (posted and after a click), its steps, ``/atrisk leads``, the App
    Home, the Monday lead digest and the "Not a fit" form: no ping, link, emphasis or
    invisible character from the company's name, every mrkdwn object verbatim, the
    notification ``text`` escaped the same way."""
    app, lead = both
    with lead.uow() as uow:
        for score in uow.session.scalars(select(Score).where(Score.account_id == "L-7")):
            score.features = {**score.features, "company": hostile("Stark")}
        uow.commit()
    hot = hot_lead(lead)
    view = load_alert_view_of(lead, hot.id)
    payloads: list[tuple[str, Any]] = [("lead alert", render_any(view))]
    payloads.append(("/atrisk leads", app.answer("leads", user=SAM)))
    payloads.append(("home", json.loads(open_home(app, SAM))))
    start = len(app.double.calls)
    send_digests(lead, now=SIX_AM)
    click(app, hot, "atrisk.dismiss", {"alert": hot.id}, SAM)
    wait_until(lambda: app.double.calls_to("views.open"))
    click(app, hot, "atrisk.playbook.0", {"alert": hot.id, "playbook": "call-now"}, SAM)
    wait_until(lambda: app.double.calls_to("chat.update") and rows(lead, Play, hot.id))
    wait_until(lambda: len(app.double.calls_to("chat.postMessage")) >= 2)
    payloads += [(c.method, c.params) for c in app.double.calls[start:]]
    assert all(reached(p) for _, p in payloads[:3]), "the hostile name reached each surface"
    methods = {m for m, _ in payloads}
    assert {"chat.postMessage", "chat.update", "views.open"} <= methods
    assert_clean(payloads)
