"""``/atrisk <name>`` finds an account whose name has accents or letters such as ``ł`` when the
CSM types it with plain letters, as most keyboards make people do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from storage.models import Account, TeamMember
from tests.bot.slack.app_harness import ADMIN, JANE, Harness, running_app, text_of
from tests.bot.slack.slack_double import SlackDouble

NAMES = {
    "socgen": "Société Générale",
    "muller": "Müller GmbH",
    "zurich": "Zürich Analytics GmbH",
    "lodz": "Łódź Logistics Sp. z o.o.",
    "loreal": "L'Oréal Digital",
    "bright": "Bright Analytics",
}


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        with harness.ctx.uow() as uow:
            uow.session.add_all(
                Account(
                    account_id=aid,
                    name=name,
                    csm_email="jane@example.com",
                    created_at=dt.date(2025, 3, 9),
                )
                for aid, name in NAMES.items()
            )
            uow.commit()
        yield harness


@pytest.mark.parametrize(
    ("typed", "account"),
    [
        ("societe generale", "socgen"),  # the whole name without its accents
        ("SOCIETE GENERALE", "socgen"),
        ("Societe", "socgen"),  # part of it
        ("Muller", "muller"),
        ("Zurich Analytics", "zurich"),
        ("Lodz Logistics", "lodz"),
        ("L'Oreal", "loreal"),
        ("L’Oréal", "loreal"),  # a typographic apostrophe
    ],
)
def test_a_name_typed_without_its_accents_finds_the_account(
    app: Harness, typed: str, account: str
) -> None:
    text = text_of(app.answer(typed, user=JANE))
    assert f"({account})" in text, text
    assert "No account" not in text


def test_a_name_typed_without_its_accents_and_a_slip_finds_the_account(app: Harness) -> None:
    text = text_of(app.answer("Societe Generlae", user=JANE))
    assert "(socgen)" in text, text


@pytest.mark.parametrize(
    "typed", ["csm Jose Nunez", "csm jose", "csm JOSÉ NÚÑEZ", "csm Jose Nunes"]
)
def test_a_csm_typed_without_accents_is_found(app: Harness, typed: str) -> None:
    with app.ctx.uow() as uow:
        uow.session.add(
            TeamMember(
                email="jose@example.com", name="José Núñez", role="csm", slack_user_id="U0JOSE0001"
            )
        )
        uow.session.add(
            Account(
                account_id="nunez-1",
                name="Núñez Logistics",
                csm_email="jose@example.com",
                created_at=dt.date(2025, 3, 9),
            )
        )
        uow.commit()
    text = text_of(app.answer(typed, user=ADMIN))
    assert "José Núñez" in text, text
    assert "Nobody called" not in text
