"""The App Home: a CSM's open alerts and this week's actions, published on app_home_opened."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.bot.slack.app_harness import (
    JANE,
    MANAGER,
    STRANGER,
    ZOE,
    Harness,
    running_app,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


def open_home(app: Harness, user: str) -> str:
    before = len(app.double.calls_to("views.publish"))
    ack = app.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    assert ack.status == 200
    wait_until(lambda: len(app.double.calls_to("views.publish")) > before)
    call = app.double.calls_to("views.publish")[-1]
    assert call.params["user_id"] == user and call.params["view"]["type"] == "home"
    return json.dumps(call.params["view"], ensure_ascii=False)


def test_a_csm_sees_their_open_alerts(app: Harness) -> None:
    home = open_home(app, JANE)
    assert "*Open alerts* — your accounts, last 14 days" in home
    assert "*Acme Corp* · critical · 81 % · 10 Mar in <#C0JANECHAN>" in home
    assert "14 failed Salesforce syncs in the last 14 days" in home
    assert "Umbrella" not in home and "No actions yet this week." in home


def test_an_acted_alert_moves_to_this_weeks_actions(app: Harness) -> None:
    app.click_playbook(user=JANE)
    wait_until(lambda: app.double.calls_to("chat.update"))
    home = open_home(app, JANE)
    assert "Nothing open" in home
    assert "*Acme Corp*: Jane Doe chose *Integration health check* on 10 Mar" in home


def test_a_manager_sees_their_team_and_other_teams_stay_out(app: Harness) -> None:
    assert "Acme Corp" in open_home(app, MANAGER)
    assert "Acme Corp" not in open_home(app, ZOE)


def test_a_managers_open_alerts_name_the_owning_csm(app: Harness) -> None:
    home = open_home(app, MANAGER)
    assert "*Acme Corp* · critical · 81 % · 10 Mar in <#C0JANECHAN> · CSM Jane Doe" in home
    assert "CSM" not in open_home(app, JANE)  # a CSM's own alerts need no owner


def test_someone_unknown_is_told_to_ask_for_a_team_row(app: Harness) -> None:
    assert "not in atrisk's team table" in open_home(app, STRANGER)


def test_the_messages_tab_is_left_alone(app: Harness) -> None:
    ack = app.event({"type": "app_home_opened", "user": JANE, "channel": "D0", "tab": "messages"})
    assert ack.status == 200
    open_home(app, ZOE)  # a later home event is answered, the messages one never was
    assert [c.params["user_id"] for c in app.double.calls_to("views.publish")] == [ZOE]


def test_my_open_plays_are_listed_with_due_dates_overdue_first(app: Harness) -> None:
    import datetime as dt

    from storage.models import Play

    app.click_playbook(user=JANE)
    wait_until(lambda: app.double.calls_to("chat.update"))
    with app.ctx.uow() as uow:
        [play] = uow.session.query(Play).all()
        values = {c.name: getattr(play, c.name) for c in Play.__table__.columns if c.name != "id"}
        uow.session.add(
            Play(
                **{
                    **values,
                    "alert_id": app.alerts["umbrella"],
                    "account_id": "globex",
                    "title": "Exec sponsor call",
                    "due_on": dt.date(2026, 3, 1),
                }
            )
        )
        uow.commit()
    home = open_home(app, JANE)
    assert "*My open plays* — overdue first" in home
    overdue = home.index("Exec sponsor call · ⚠️ overdue, due 1 Mar")
    assert overdue < home.index("*Acme Corp* · Integration health check · due 22 Mar")
    assert "My open plays" in open_home(
        app, ZOE
    ) and "Integration health check · due" not in open_home(app, ZOE)
