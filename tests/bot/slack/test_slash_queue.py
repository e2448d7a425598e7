"""``/atrisk`` as a manager's queue: how many are at risk, the ARR at stake, who owns each
line and whether anyone acted; ``top N``, ``by arr``, ``unacted`` and ``team``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from storage.models import Account, Play
from tests.bot.slack.app_harness import JANE, MANAGER, TODAY, Harness, running_app
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


def sections(answer: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")


def accounts_in(answer: dict[str, Any]) -> list[str]:
    return re.findall(r"^\*\d+\. (.+?)\*", sections(answer), flags=re.M)


def set_arr(app: Harness, account_id: str, arr: float) -> None:
    with app.ctx.uow() as uow:
        account = uow.session.get(Account, account_id)
        assert account is not None
        account.arr = arr
        uow.commit()


def test_a_manager_sees_how_many_are_at_risk_and_the_arr_at_stake(app: Harness) -> None:
    text = sections(app.answer("", user=MANAGER))
    assert "top 2 of 2 at risk · ARR at risk 96k · 1 alerted, nobody acted" in text


def test_each_line_names_its_csm_and_whether_anyone_acted(app: Harness) -> None:
    text = sections(app.answer("", user=MANAGER))
    assert "_CSM Jane Doe · alerted 10 Mar, no action yet_" in text
    assert "_CSM Omar Khan · not alerted_" in text


def test_top_n_limits_the_queue_and_says_of_how_many(app: Harness) -> None:
    answer = app.answer("top 1", user=MANAGER)
    assert accounts_in(answer) == ["Acme Corp"]
    assert "top 1 of 2 at risk" in sections(answer)


def test_by_arr_puts_the_largest_contract_first(app: Harness) -> None:
    set_arr(app, "initech", 250_000.0)
    answer = app.answer("top 25 by arr", user=MANAGER)
    assert accounts_in(answer) == ["Initech", "Acme Corp"]
    assert "top 2 of 2 at risk by ARR · ARR at risk 298k" in sections(answer)
    assert accounts_in(app.answer("", user=MANAGER)) == ["Acme Corp", "Initech"]
    assert accounts_in(app.answer("top 25 by risk", user=MANAGER)) == ["Acme Corp", "Initech"]


def test_unacted_lists_only_alerts_nobody_acted_on(app: Harness) -> None:
    answer = app.answer("unacted", user=MANAGER)
    assert accounts_in(answer) == ["Acme Corp"]
    assert "1 of 1 alerted with nobody acting · 2 at risk" in sections(answer)


def test_an_open_play_counts_as_acted(app: Harness) -> None:
    with app.ctx.uow() as uow:
        uow.session.add(
            Play(
                alert_id=app.alerts["acme"],
                account_id="acme",
                kind="playbook",
                title="Integration health check",
                owner_email="jane@example.com",
                owner_slack_id=JANE,
                risk=0.81,
                opened_on=TODAY,
                status="open",
            )
        )
        uow.commit()
    text = sections(app.answer("", user=MANAGER))
    assert "0 alerted, nobody acted" in text
    assert "Jane Doe chose *Integration health check* on 10 Mar" in text
    assert "Nobody left unacted" in sections(app.answer("unacted", user=MANAGER))


def test_team_gives_one_line_per_csm(app: Harness) -> None:
    set_arr(app, "initech", 250_000.0)
    text = sections(app.answer("team", user=MANAGER))
    omar = "*Omar Khan* · 1 at risk · ARR at risk 250k · 0 alerted, nobody acted"
    jane = "*Jane Doe* · 1 at risk · ARR at risk 48k · 1 alerted, nobody acted"
    assert omar in text and jane in text and text.index(omar) < text.index(jane)
    assert "Zoe" not in text


def test_the_footer_shows_the_account_placeholder_as_text_not_a_link(app: Harness) -> None:
    answer = app.answer("", user=MANAGER)
    footer = json.dumps(answer["blocks"][-1])
    assert "<account>" not in footer and "&lt;account&gt;" in footer


def test_a_team_with_nothing_at_risk_is_told_so(app: Harness) -> None:
    with app.ctx.uow() as uow:
        for account in uow.session.query(Account):
            account.csm_email = "nobody@example.com"
        uow.commit()
    text = sections(app.answer("", user=MANAGER))
    assert "top 0 of 0 at risk" in text and "No account is flagged at risk." in text
