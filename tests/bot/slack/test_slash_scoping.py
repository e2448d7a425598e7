"""``/atrisk`` shows each person only what they look after, privately, at the response_url."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.bot.slack.app_harness import (
    ADMIN,
    ANALYST,
    JANE,
    MANAGER,
    STRANGER,
    ZOE,
    Harness,
    running_app,
)
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(db_url, slack_double) as harness:
        yield harness


def accounts_in(answer: dict[str, Any]) -> list[str]:
    """Account names in list order, from the numbered lines of the answer."""
    text = "\n".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")
    return re.findall(r"^\*\d+\. (.+?)\*", text, flags=re.M)


def test_a_manager_sees_only_their_csms_at_risk_accounts_riskiest_first(app: Harness) -> None:
    answer = app.answer("", user=MANAGER)
    assert accounts_in(answer) == ["Acme Corp", "Initech"]  # Globex is below the alert line


def test_a_csm_sees_only_their_own_accounts(app: Harness) -> None:
    assert accounts_in(app.answer("", user=JANE)) == ["Acme Corp"]
    assert accounts_in(app.answer("", user=ZOE)) == ["Umbrella Health"]


def test_an_analyst_and_an_admin_see_every_account(app: Harness) -> None:
    expected = ["Umbrella Health", "Acme Corp", "Initech"]
    assert accounts_in(app.answer("", user=ANALYST)) == expected
    assert accounts_in(app.answer("", user=ADMIN)) == expected


def test_answers_are_ephemeral_and_reach_the_response_url(app: Harness) -> None:
    ack, url = app.command("", user=JANE)
    assert (ack.status, ack.body) == (200, "")
    answer = app.wait_for_response(url)
    assert answer["response_type"] == "ephemeral"
    [call] = [c for c in app.double.calls if url.endswith(c.method)]
    assert call.method.startswith("response/")


def test_each_line_shows_risk_change_reason_and_whether_someone_acted(app: Harness) -> None:
    blocks = app.answer("", user=JANE)["blocks"]
    acme = next(b["text"]["text"] for b in blocks if "Acme Corp" in json.dumps(b))
    assert "81 % ↑ from 52 %" in acme
    assert "acme: 14 failed Salesforce syncs" in acme
    assert "alerted 10 Mar, no action yet" in acme


def test_someone_not_in_the_team_table_is_told_what_to_ask_for(app: Harness) -> None:
    answer = app.answer("", user=STRANGER)
    text = answer["blocks"][0]["text"]["text"]
    assert "not in atrisk's team table" in text
    assert STRANGER in text and "<@U0BOTOWNER>" in text
    assert answer["response_type"] == "ephemeral"


def test_a_csm_cannot_look_up_another_teams_account(app: Harness) -> None:
    text = json.dumps(app.answer("umbrella", user=JANE))
    assert "No account in your scope matches" in text
    assert "Umbrella Health" not in text
