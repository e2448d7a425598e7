"""Data can never ping anyone, forge a link or spoof a name, on any surface: every string of
every payload atrisk sends (or writes for a dry run) is walked, not chosen fields.

The company's names, segments, reasons, playbook titles, model version, the kill-switch
reason, a typed query and a "Not a risk" note all hold ``<!channel>``, links, ``<@…>``,
``<!subteam^…>``, ``<mailto:…>`` and right-to-left overrides (``payload_walk.HOSTILE``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.adapters.dry_run import DryRunOutbox
from bot.blockkit.alerts import render_alert
from bot.blockkit.text import hidden_json, safe
from bot.bootstrap import Context
from bot.delivery.ops_notices import notify_ops
from bot.delivery.post_alerts import post_pending
from bot.feedback.outcomes import OutcomeReport, announce_outcomes
from bot.slack.views import NOTE_ACTION, NOTE_BLOCK, REASON_ACTION, REASON_BLOCK
from storage.models import Account, Action, Alert, ModelVersion, Outcome, Score, TeamMember
from tests.bot.slack import signing
from tests.bot.slack.app_harness import (
    ADMIN,
    JANE,
    MANAGER,
    NOW,
    PLAYBOOKS,
    TODAY,
    ZOE,
    Harness,
    reason,
    running_app,
    wait_until,
)
from tests.bot.slack.conftest import SeedAlerts
from tests.bot.slack.payload_walk import SHORT, assert_clean, hostile, reached
from tests.bot.slack.slack_double import SlackDouble
from tests.bot.slack.test_alert_blocks import make_view


def make_hostile(app: Harness) -> None:
    """Every data string of the seeded company turned hostile (ids and channels stay valid)."""
    playbooks = [{**p, "title": hostile(p["title"]), "why": hostile(p["why"])} for p in PLAYBOOKS]
    with app.ctx.uow() as uow:
        s = uow.session
        for account in s.scalars(select(Account)):
            account.name = hostile(account.name)
            account.segment = hostile("Mid-market")
        for member in s.scalars(select(TeamMember)):
            member.name = hostile(member.name.split()[0])
        for score in s.scalars(select(Score)):
            score.reasons = [reason(hostile("14 failed syncs"))]
        for alert in s.scalars(select(Alert)):
            alert.reasons = [reason(hostile("14 failed syncs"))]
            alert.playbooks = playbooks
        s.execute(update(ModelVersion).values(version=SHORT + "v1"))
        s.add(
            Alert(
                alert_key=f"globex:{SHORT}",
                account_id="globex",
                as_of=TODAY,
                csm_email="jane@example.com",
                channel="C0JANECHAN",
                risk=0.7,
                reasons=[reason(hostile("tickets pile up"))],
                playbooks=playbooks,
                status="pending",
            )
        )
        uow.commit()


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    """Rendering does not depend on the database: SQLite only (PostgreSQL would also refuse
    a segment this long)."""
    with running_app(sqlite_url, slack_double) as harness:
        make_hostile(harness)
        yield harness


def sent_since(app: Harness, start: int) -> list[tuple[str, dict[str, Any]]]:
    return [(c.method, c.params) for c in app.double.calls[start:]]


def submit_not_a_risk(app: Harness, note: str) -> None:
    ack, _ = app.click(
        "atrisk.dismiss", {"alert": app.alerts["umbrella"]}, user=ZOE, alert="umbrella"
    )
    assert ack.status == 200
    [opened] = wait_until(lambda: app.double.calls_to("views.open"))
    chosen = {"selected_option": {"value": "other", "text": {"type": "plain_text", "text": "x"}}}
    values = {REASON_BLOCK: {REASON_ACTION: chosen}, NOTE_BLOCK: {NOTE_ACTION: {"value": note}}}
    payload = signing.view_submission(
        view=opened.params["view"], values=values, user_id=ZOE, user_name=hostile("zoe")
    )
    assert app.post(signing.payload_body(payload)).status == 200


def test_slash_answers_clicks_modals_and_home_carry_no_raw_mention_link_or_bidi_from_data(
    app: Harness,
) -> None:
    start = len(app.double.calls)
    for text, user in [
        ("", JANE),
        ("", MANAGER),
        ("acme", JANE),  # one account: its name is in the notification text
        ("<!channel>", MANAGER),  # "2 accounts match <!channel>"
        ("<!here> zzqx <@U0EVIL01>", MANAGER),  # nothing matches, suggestions
        ("csm <@U0JANE0001|jane>", MANAGER),
        ("csm " + hostile("nobody"), MANAGER),
        ("report", MANAGER),
        ("model disable " + hostile("bad data"), ADMIN),
        ("status", JANE),
        ("help " + hostile("me"), JANE),
    ]:
        app.answer(text, user=user)
    ack, _ = app.click_playbook(user=JANE)  # the alert is updated in place
    assert ack.status == 200
    wait_until(lambda: app.double.calls_to("chat.update"))
    ack, url = app.click_playbook(user=JANE, n=1)  # "Already handled: …"
    app.wait_for_response(url)
    bogus = {"alert": app.alerts["acme"], "playbook": SHORT}  # an error answer naming it
    ack, url = app.click("atrisk.playbook.2", bogus, user=JANE, alert="acme")
    app.wait_for_response(url)
    submit_not_a_risk(app, hostile("they renewed"))
    wait_until(lambda: len(app.double.calls_to("chat.update")) == 2)
    with app.ctx.uow() as uow:  # an open alert whose channel is not a channel id
        uow.session.execute(
            update(Alert).where(Alert.account_id == "globex").values(posted_channel="C<!here>")
        )
        uow.session.execute(update(Alert).where(Alert.status == "pending").values(status="posted"))
        uow.commit()
    app.event({"type": "app_home_opened", "user": JANE, "channel": "D0HOME", "tab": "home"})
    wait_until(lambda: app.double.calls_to("views.publish"))

    sent = sent_since(app, start)
    methods = {m.split("/")[0] for m, _ in sent}
    assert {"response", "chat.update", "views.open", "views.publish", "chat.postMessage"} <= methods
    assert_clean(sent)
    assert all(reached(p) for m, p in sent if m in ("chat.update", "views.open", "views.publish"))
    assert sum(reached(p) for m, p in sent if m.startswith("response")) >= 10


def add_outcome(app: Harness, alert: str) -> None:
    """A 30-day outcome for ``alert``, whose action names a playbook id holding markup."""
    with app.ctx.uow() as uow:
        alert_id = app.alerts[alert]
        uow.session.add(
            Action(
                alert_id=alert_id,
                kind="playbook",
                playbook_id=SHORT + "play",
                slack_user_id=JANE,
                acted_at=NOW,
            )
        )
        uow.session.add(
            Outcome(
                alert_id=alert_id,
                account_id=alert,
                observed_on=TODAY + dt.timedelta(days=30),
                state="retained",
                arr_before=48_000.0,
                arr_after=48_000.0,
            )
        )
        uow.commit()


def test_posted_alerts_ops_notices_and_outcome_replies_carry_no_raw_markup_from_data(
    app: Harness,
) -> None:
    start = len(app.double.calls)
    report = post_pending(app.ctx, now=lambda: NOW, interval=0)
    assert report.posted == 1, report
    notify_ops(app.ctx, "hostile", hostile("ingest failed:\n") + hostile("table"))
    add_outcome(app, "acme")
    outcomes = OutcomeReport(as_of=TODAY)
    announce_outcomes(app.ctx, outcomes)
    assert outcomes.announced == 1 and not outcomes.announce_errors

    sent = sent_since(app, start)
    posts = [p for m, p in sent if m == "chat.postMessage"]
    assert len(posts) == 3 and all(reached(p) for p in posts[:2])
    assert any(p.get("thread_ts") for p in posts)
    assert_clean(sent)


def test_dry_run_files_carry_no_raw_markup_from_data(app: Harness, tmp_path: Path) -> None:
    outbox = DryRunOutbox(tmp_path / "outbox")
    post_pending(app.ctx, slack=outbox, now=lambda: NOW)
    notify_ops(app.ctx, "hostile", hostile("drift on"), slack=outbox)
    add_outcome(app, "acme")
    announce_outcomes(app.ctx, OutcomeReport(as_of=TODAY), slack=outbox)
    files = sorted((tmp_path / "outbox").rglob("*.json"))
    payloads = [(str(path), json.loads(path.read_text(encoding="utf-8"))) for path in files]
    assert len(payloads) == 3 and all(reached(p) for _, p in payloads[:2])
    assert_clean(payloads)


# ---------------------------------------------------------------- the cases as people met them


def test_an_account_named_like_a_channel_ping_reaches_the_answers_text_escaped(
    app: Harness,
) -> None:
    answer = app.answer("acme", user=JANE)
    assert answer["text"].startswith("Acme Corp &lt;!channel&gt; Evilcorp &lt;https://evil")
    assert "<!channel>" not in json.dumps(answer)


def test_the_typed_query_is_escaped_in_the_accounts_that_match_it(app: Harness) -> None:
    answer = app.answer("<!channel>", user=MANAGER)
    assert answer["text"].endswith("accounts match “&lt;!channel&gt;”")


def test_a_right_to_left_override_never_reaches_an_alert_header_or_its_buttons() -> None:
    view = make_view(account_name="Acme \u202eknab ruoy\u202c Corp", playbooks=PLAYBOOKS)
    view = dataclasses.replace(
        view, playbooks=[{**PLAYBOOKS[0], "title": "\u2067Check\u2069 \u200fsyncs\u061c"}]
    )
    payload = render_alert(view)
    header = payload["blocks"][0]["text"]["text"]
    buttons = [b["text"]["text"] for b in payload["blocks"][-2]["elements"]]
    assert header == "Acme knab ruoy Corp"
    assert buttons == ["Check syncs", "Not a risk"]


def test_an_alert_whose_key_holds_markup_is_found_again_after_a_lost_answer(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    with outbox_ctx.uow() as uow:
        key = "A<!here>&amp;\u202e1:2024-12-02"
        uow.session.execute(update(Alert).where(Alert.id == alert_id).values(alert_key=key))
        uow.commit()
    slack_double.fail_next("chat.postMessage", drop_after_accept=True)
    assert post_pending(outbox_ctx, interval=0).left_pending == 1
    again = post_pending(outbox_ctx, interval=0)
    assert (again.reconciled, again.posted) == (1, 0)
    assert len(slack_double.calls_to("chat.postMessage")) == 1


def test_data_in_button_values_and_modal_metadata_comes_back_unchanged() -> None:
    data = {"alert": 7, "playbook": "a<b>&c", "channel": "C0<!here>"}
    hidden = hidden_json(data)
    assert not set("<>&") & set(hidden)
    assert json.loads(hidden) == data


def test_the_digest_queue_answers_play_replies_and_edge_answers_carry_no_raw_markup(
    app: Harness,
) -> None:
    """The surfaces the walk above leaves out: the Monday digest DM, ``/atrisk team`` and
    ``top unacted by arr``, a play's steps and its done/snooze replies, the answers to a
    button, a form and a command atrisk does not know, and a Slack refusal."""
    from bot.feedback.digest import send_digests
    from bot.slack import views
    from storage.models import Play

    start = len(app.double.calls)
    for text, user in [("team", MANAGER), ("top 5 unacted by arr", MANAGER), ("", ADMIN)]:
        app.answer(text, user=user)
    value = {"alert": app.alerts["acme"], "playbook": PLAYBOOKS[0]["id"]}
    app.click("atrisk.playbook.0", value, user=JANE)
    play = wait_until(lambda: _one(app, Play))
    _, url = app.click("atrisk.play.snooze", {"play": play.id}, user=JANE)
    app.wait_for_response(url)
    app.click("atrisk.play.done", {"play": play.id}, user=JANE)
    wait_until(lambda: _one(app, Play).status == "done")
    _, url = app.click(f"atrisk.old.{SHORT}", {"alert": 1}, user=JANE)
    app.wait_for_response(url)
    modal = {**views.dismissal_modal(1, "x", {}), "callback_id": f"old.{SHORT}"}
    form = signing.view_submission(view=modal, values={}, user_id=JANE, user_name="j")
    form_answer = app.post(signing.payload_body(form)).json()
    command = signing.command_body("x", user_id=JANE, response_url=url, command=f"/x{SHORT}")
    command_answer = app.post(command).json()
    app.double.fail_next("views.open", error=SHORT)
    _, url = app.click(
        "atrisk.dismiss", {"alert": app.alerts["umbrella"]}, user=ZOE, alert="umbrella"
    )
    app.wait_for_response(url)
    monday = dt.datetime(2026, 3, 16, 5, 0, tzinfo=dt.UTC)
    assert send_digests(app.ctx, now=monday).sent

    sent = sent_since(app, start)
    digests = [p for m, p in sent if m == "chat.postMessage" and p["channel"] == MANAGER]
    assert digests and all(reached(p) for p in digests)
    assert_clean([*sent, ("form", form_answer), ("command", command_answer)])


def _one(app: Harness, model: type) -> Any:
    with app.ctx.uow() as uow:
        rows = list(uow.session.scalars(select(model)))
        uow.session.expunge_all()
    return rows[0] if rows else None


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("*URGENT* wire now", "∗URGENT∗ wire now"),
        ("_wire_ ~now~ `code`", "ˍwireˍ ∼now∼ ˋcodeˋ"),
        ("acct_123 jane_doe", "acct_123 jane_doe"),
        ("Ac\u200bme\u2060 Co\u00adrp\U000e0041\U000e007f", "Acme Corp"),
        ("Acme\u3164\u115f\u1160\uffa0 Corp", "Acme Corp"),
    ],
)
def test_a_name_cannot_make_itself_bold_or_hide_characters(name: str, shown: str) -> None:
    assert safe(name, 200) == shown


def test_atrisks_own_help_keeps_its_code_marks() -> None:
    assert safe("`/atrisk top` shows 1 to 40", 100, markup=True) == "`/atrisk top` shows 1 to 40"
