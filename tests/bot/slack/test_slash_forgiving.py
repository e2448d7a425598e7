"""``/atrisk`` forgives typos, finds a CSM by part of a name, and says an account's state in
words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from storage.models import Account, TeamMember
from tests.bot.slack.app_harness import JANE, MANAGER, Harness, running_app, text_of
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        with harness.ctx.uow() as uow:
            uow.session.add_all(
                [
                    TeamMember(
                        email="hannah.t@example.com",
                        name="Hannah Thompson",
                        role="csm",
                        manager_email="maria@example.com",
                        slack_user_id="U0HANNAH01",
                    ),
                    TeamMember(
                        email="hannah.l@example.com",
                        name="Hannah Lee",
                        role="csm",
                        manager_email="other.boss@example.com",
                        slack_user_id="U0HANNAH02",
                    ),
                ]
            )
            uow.commit()
        yield harness


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("staus", "/atrisk status"),
        ("reprot", "/atrisk report"),
        ("hepl", "/atrisk help"),
        ("modle disable x", "/atrisk model disable x"),
    ],
)
def test_a_typo_is_answered_with_the_command_it_was_close_to(
    app: Harness, typed: str, meant: str
) -> None:
    text = text_of(app.answer(typed, user=MANAGER))
    assert f"Did you mean `{meant}`?" in text


def test_csm_by_first_name_finds_the_one_in_the_callers_team(app: Harness) -> None:
    # Hannah Lee is on another team, so "Hannah" means Hannah Thompson to Maria
    assert "Hannah Thompson's accounts" in text_of(app.answer("csm Hannah", user=MANAGER))
    assert "Hannah Thompson's accounts" in text_of(app.answer("csm thomp", user=MANAGER))


def test_csm_matching_several_people_asks_which(app: Harness) -> None:
    text = text_of(app.answer("csm Hannah", user="U0ADMIN001"))
    assert "could be Hannah Lee, Hannah Thompson" in text


def test_csm_by_part_of_a_name_does_not_reach_outside_the_callers_scope(app: Harness) -> None:
    text = text_of(app.answer("csm Hannah", user=JANE))
    assert "Nobody called “Hannah”" in text and "Thompson" not in text


def test_a_churned_account_says_it_churned_and_when(app: Harness) -> None:
    with app.ctx.uow() as uow:
        account = uow.session.get(Account, "acme")
        assert account is not None
        account.churned_at = dt.date(2026, 2, 3)
        uow.commit()
    text = text_of(app.answer("acme corp", user=JANE))
    assert "churned on 3 Feb 2026" in text


def test_an_account_without_a_score_is_not_yet_scored(app: Harness) -> None:
    with app.ctx.uow() as uow:
        uow.session.add(
            Account(
                account_id="newco",
                name="Newco",
                csm_email="jane@example.com",
                created_at=dt.date(2026, 3, 9),
            )
        )
        uow.commit()
    assert "*Risk* not yet scored" in text_of(app.answer("newco", user=JANE))


def test_an_account_below_the_alert_line_says_so(app: Harness) -> None:
    text = text_of(app.answer("globex", user=JANE))
    assert "below the alert line" in text
    assert "below the alert line" not in text_of(app.answer("acme corp", user=JANE))
