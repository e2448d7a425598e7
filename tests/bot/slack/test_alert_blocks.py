"""The alert message: what a CSM sees, and that data can never ping or link anyone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from bot.blockkit.alerts import (
    DISMISS_ACTION_ID,
    ActedView,
    AlertView,
    banner_text,
    render_alert,
)
from bot.blockkit.text import escape, text_length
from playbooks import choose, load_library
from scoring.reasons import Reason

EVIL = "<!channel> Acme <https://evil.example|your bank>"


def make_view(**changes: Any) -> AlertView:
    view = AlertView(
        alert_id=7,
        alert_key="A-1:2024-12-02",
        account_id="A-1",
        account_name="Acme & Co",
        risk=0.62,
        previous_risk=0.41,
        arr=120000.0,
        segment="Enterprise",
        renewal_date=dt.date(2025, 1, 5),
        csm_name="Jane Doe",
        csm_slack_id="U0JANE0001",
        reasons=[
            Reason.from_json(
                {
                    "feature": "sync_failures",
                    "family": "integrations",
                    "value": 14,
                    "contribution": 0.3,
                    "text": "14 failed Salesforce syncs in the last 14 days",
                }
            ),
            Reason.from_json(
                {
                    "feature": "unadopted",
                    "family": "adoption",
                    "value": 3,
                    "contribution": 0.2,
                    "text": "3 of 5 key features never used: Reports, SSO, API",
                }
            ),
            Reason.from_json(
                {
                    "feature": "tickets",
                    "family": "support",
                    "value": 2,
                    "contribution": 0.1,
                    "text": "2 urgent tickets open",
                }
            ),
            Reason.from_json(
                {
                    "feature": "fourth",
                    "family": "usage",
                    "value": 1,
                    "contribution": 0.05,
                    "text": "a fourth reason that is not shown",
                }
            ),
        ],
        playbooks=[
            {
                "id": "integration-health",
                "title": "Integration health check",
                "style": None,
                "why": "syncs keep failing",
                "follow_up_days": 14,
                "description": "d",
            },
            {
                "id": "exec-call",
                "title": "Executive call",
                "style": "danger",
                "why": "",
                "follow_up_days": 7,
                "description": "d",
            },
        ],
        model_version="2024-12-01.1",
        as_of=dt.date(2024, 12, 2),
    )
    return dataclasses.replace(view, **changes)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the payload, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def texts(payload: dict[str, Any], kind: str | None = None) -> list[str]:
    return [
        o["text"]
        for o in walk(payload["blocks"])
        if o.get("type") in ("mrkdwn", "plain_text") and (kind is None or o["type"] == kind)
    ]


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in walk(payload["blocks"]) if o.get("type") == "button"]


def test_the_alert_shows_account_risk_change_facts_and_top_three_reasons() -> None:
    payload = render_alert(make_view())
    body = "\n".join(texts(payload))
    assert "Acme &amp; Co" in body
    assert "62 % ↑ from 41 %" in body
    assert "120,000" in body and "Enterprise" in body and "5 Jan 2025 (in 34 days)" in body
    assert "<@U0JANE0001>" in body
    assert "14 failed Salesforce syncs in the last 14 days" in body
    assert "2 urgent tickets open" in body and "fourth reason" not in body
    assert "Model 2024-12-01.1 · scored 2 Dec 2024" in body
    assert payload["metadata"] == {
        "event_type": "atrisk_alert",
        "event_payload": {"alert_key": "A-1:2024-12-02", "alert_id": 7},
    }
    assert "Acme &amp; Co" in payload["text"] and "62 %" in payload["text"]


def test_buttons_carry_the_alert_and_playbook_and_the_first_is_primary() -> None:
    found = buttons(render_alert(make_view()))
    assert [b["action_id"] for b in found] == [
        "atrisk.playbook.0",
        "atrisk.playbook.1",
        DISMISS_ACTION_ID,
    ]
    assert found[0]["value"] == '{"alert":7,"playbook":"integration-health"}'
    assert json.loads(found[2]["value"]) == {"alert": 7}
    assert [b.get("style") for b in found] == ["primary", None, None], "one primary, no danger"
    assert found[2]["text"]["text"] == "Not a risk"


def test_block_ids_are_stable_between_renders() -> None:
    first = [b["block_id"] for b in render_alert(make_view())["blocks"]]
    again = [b["block_id"] for b in render_alert(make_view(risk=0.9, account_name="B"))["blocks"]]
    assert first == again and len(set(first)) == len(first)


def test_a_risk_that_fell_or_is_new_says_so() -> None:
    assert "40 % ↓ from 62 %" in payload_text(make_view(risk=0.4, previous_risk=0.62))
    assert "62 % (first alert)" in payload_text(make_view(previous_risk=None))


def test_the_risk_reads_as_a_severity_and_a_chance_within_30_days() -> None:
    body = payload_text(make_view(risk=0.18, previous_risk=None))
    assert "Elevated · 18 % chance of churning in the next 30 days" in body
    assert "Critical · 62 % chance" in payload_text(make_view(previous_risk=None))


def test_a_renewal_tomorrow_reads_in_1_day() -> None:
    view = make_view()
    tomorrow = view.as_of + dt.timedelta(days=1)
    assert f"({'in 1 day'})" in payload_text(make_view(renewal_date=tomorrow))


def payload_text(view: AlertView) -> str:
    return "\n".join(texts(render_alert(view)))


def test_a_hostile_account_name_cannot_ping_the_channel_or_forge_a_link() -> None:
    view = make_view(
        account_name=EVIL,
        segment=EVIL,
        csm_name=EVIL,
        csm_slack_id="<!here>",
        reasons=[Reason("f", "usage", None, 0.1, EVIL)],
        playbooks=[{"id": "p", "title": EVIL, "why": EVIL}],
    )
    payload = render_alert(view, acted=None)
    acted = render_alert(view, acted=ActedView(EVIL, EVIL, dt.date(2024, 12, 22)))
    for p in (payload, acted):
        everything = json.dumps(p, ensure_ascii=False)
        assert "<!channel>" not in everything and "<!here>" not in everything
        assert "<https" not in everything and "<http" not in everything
        for text in [*texts(p), p["text"]]:
            assert not re.search(r"<(?!@U0JANE0001>)", text), text
        for obj in walk(p["blocks"]):
            if obj.get("type") == "mrkdwn":
                assert obj["verbatim"] is True
    assert "&lt;!channel&gt; Acme &lt;https://evil.example|your bank&gt;" in texts(payload)[0]


def test_a_click_replaces_the_buttons_with_who_chose_what() -> None:
    acted = ActedView("Jane", "Integration health check", dt.date(2024, 12, 22))
    payload = render_alert(make_view(), acted=acted)
    assert not buttons(payload)
    assert "✅ Jane chose *Integration health check* · outcome check on 22 Dec" in texts(payload)
    dismissed = ActedView("Jane", "", None, dismissed=True, dismiss_reason="renewal signed")
    assert "🚫 Jane marked this not a risk: renewal signed" in texts(
        render_alert(make_view(), acted=dismissed)
    )


def test_the_fallback_banner_comes_first() -> None:
    banner = banner_text(dt.date(2024, 11, 25))
    payload = render_alert(make_view(fallback_banner=banner))
    first = payload["blocks"][0]["text"]["text"]
    assert "Model paused — using last week's data (scored 25 Nov 2024)" in first
    assert payload["text"].startswith("Model paused")


def test_a_paused_alert_names_the_day_its_scores_were_made_in_the_footer() -> None:
    last_week = dt.date(2024, 11, 25)
    payload = render_alert(make_view(fallback_banner=banner_text(last_week), scored_on=last_week))
    footer = next(b for b in payload["blocks"] if b["block_id"] == "atrisk.context")
    text = footer["elements"][0]["text"]
    assert "Model 2024-12-01.1 · using last week's data (scored 25 Nov 2024)" in text
    assert "2 Dec 2024" not in text


def test_long_unicode_names_and_reasons_stay_within_block_kit_limits() -> None:
    huge = "🏢 Ünïcødé & <Co> 株式会社 " * 400
    view = make_view(
        account_name=huge,
        segment=huge,
        csm_slack_id=None,
        csm_name=huge,
        reasons=[Reason("f", "usage", None, 0.1, huge)] * 3,
        playbooks=[{"id": f"p{n}", "title": huge, "why": huge} for n in range(3)],
        model_version=huge,
    )
    payload = render_alert(view)
    assert len(payload["blocks"]) <= 50
    assert text_length(payload["text"]) <= 4000
    for block in payload["blocks"]:
        if block["type"] == "header":
            assert text_length(block["text"]["text"]) <= 150
        if block["type"] == "section" and "text" in block:
            assert text_length(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert text_length(field["text"]) <= 2000
    for button in buttons(payload):
        assert text_length(button["text"]["text"]) <= 75
        assert button["text"]["text"].endswith("…") or button["text"]["text"] == "Not a risk"
        assert len(button["value"]) <= 2000
    reasons = next(b for b in payload["blocks"] if b["block_id"] == "atrisk.reasons")
    assert reasons["text"]["text"].count("•") == 3
    for text in texts(payload):
        assert not re.search(r"&[a-z]{0,4}…", text), "no half-cut entity"


def test_escape_turns_slack_control_characters_into_entities() -> None:
    assert escape("a & <b> c") == "a &amp; &lt;b&gt; c"


def test_why_the_playbooks_fit_is_one_line_even_when_they_share_a_reason() -> None:
    view = make_view()
    shared = [{**p, "why": "fits the top reason: 14 failed syncs"} for p in view.playbooks]
    blocks = render_alert(dataclasses.replace(view, playbooks=shared))["blocks"]
    [context] = [b for b in blocks if b.get("block_id") == "atrisk.playbooks"]
    assert [e["text"] for e in context["elements"]] == ["Fits the top reason: 14 failed syncs"]


def test_an_account_at_risk_from_its_profile_alone_says_so_and_offers_a_review() -> None:
    profile = Reason(
        feature="profile",
        family="profile",
        value=None,
        contribution=0.9,
        text="No warning sign to act on: the risk comes from the account's profile "
        "(tenure and seat count) — review the account",
    )
    chosen = choose(load_library(), [profile.to_json()], {"arr": 8000.0, "tenure_days": 40})
    payload = render_alert(
        make_view(reasons=[profile], playbooks=[c.as_dict() for c in chosen], arr=8000.0)
    )
    body = "\n".join(texts(payload))
    assert (
        "Why it is at risk:\n• No warning sign to act on: the risk comes from the account" in body
    )
    assert "review the account" in payload["text"]  # the notification says it too
    assert [b["text"]["text"] for b in buttons(payload)] == ["Success review", "Not a risk"]
    assert not re.search(r"\b(Customer for|\d+ seats?\b|ARR \d)", body.split("Why it is")[1])
