"""What people type after ``/atrisk`` is read as the command they meant (pure parsing)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.commands import (
    MAX_QUERY,
    CsmAccounts,
    Help,
    Leads,
    Lookup,
    ModelDisable,
    ModelEnable,
    Report,
    Status,
    Team,
    Top,
    parse,
)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Top()),
        ("   \n\t ", Top()),
        (None, Top()),
        ("help", Help()),
        ("HELP", Help()),
        ("?", Help()),
        ("report", Report()),
        ("Status", Status()),
        ("Acme Corp", Lookup("Acme Corp")),
        ("  Acme   Corp ", Lookup("Acme Corp")),
        ("Smith &amp; Sons", Lookup("Smith & Sons")),
        ("report card inc", Lookup("report card inc")),
        ("csm <@U0JANE0001|jane>", CsmAccounts(user_id="U0JANE0001", name="jane")),
        ("csm <@W0JANE0001>", CsmAccounts(user_id="W0JANE0001")),
        ("csm @jane", CsmAccounts(name="jane")),
        ("csm jane@example.com", CsmAccounts(name="jane@example.com")),
        ("CSM Jane Doe", CsmAccounts(name="Jane Doe")),
        ("model disable bad data since Monday", ModelDisable("bad data since Monday")),
        ("model enable", ModelEnable()),
    ],
)
def test_commands_are_read_as_meant(text: str | None, command: object) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    "text", ["csm", "csm @", "model", "model disable", "model enable now", "model reboot"]
)
def test_incomplete_commands_get_help_saying_what_is_missing(text: str) -> None:
    command = parse(text)
    assert isinstance(command, Help) and command.note


def test_a_text_longer_than_any_name_gets_help() -> None:
    command = parse("x" * (MAX_QUERY + 1))
    assert isinstance(command, Help) and "longer than any account name" in (command.note or "")


@given(st.text(max_size=300))
def test_any_text_is_a_command_and_never_an_error(text: str) -> None:
    command = parse(text)
    if isinstance(command, Lookup):
        assert command.query and len(command.query) <= MAX_QUERY and "\x00" not in command.query


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("top 25", Top(limit=25)),
        ("top 25 by arr", Top(limit=25, sort="arr")),
        ("TOP 5 BY ARR", Top(limit=5, sort="arr")),
        ("by arr", Top(sort="arr")),
        ("unacted", Top(unacted=True)),
        ("unacted top 3 by arr", Top(limit=3, sort="arr", unacted=True)),
        ("team", Team()),
        ("top notch", Lookup("top notch")),
    ],
)
def test_queue_forms_are_read_as_meant(text: str, command: object) -> None:
    assert parse(text) == command


@pytest.mark.parametrize("text", ["top 0", "top 41", "top 1000"])
def test_a_queue_longer_than_one_answer_gets_help(text: str) -> None:
    command = parse(text)
    assert isinstance(command, Help) and "1 to 40" in (command.note or "")


def test_a_mention_alone_shows_that_persons_accounts() -> None:
    assert parse("<@U0JANE0001|jane>") == CsmAccounts(user_id="U0JANE0001", name="jane")
    assert parse(" <@W0JANE0001> ") == CsmAccounts(user_id="W0JANE0001")
    assert isinstance(parse("<@U0JANE0001|jane> acme"), Lookup)


def test_invisible_marks_around_a_command_still_give_the_command() -> None:
    """Pasted from a right-to-left context, or typed with a bidi keyboard."""
    assert parse("\u200fstatus\u200e") == Status()
    assert parse("\u202b\u200f \u2066") == Top()
    assert parse("\ufeffcsm <@U0JANE0001|jane>\u200f") == CsmAccounts(
        user_id="U0JANE0001", name="jane"
    )
    assert parse("a\x07cme") == Lookup(query="acme")


@pytest.mark.parametrize(
    "text",
    ["leads ²", "top ²", "leads ٣", "top ³ by arr", "leads " + "9" * 5000, "top " + "1" * 4301],
)
def test_a_count_in_other_digits_or_thousands_of_digits_gets_the_1_to_40_help(text: str) -> None:
    command = parse(text)
    assert isinstance(command, Help) and "1 to 40" in (command.note or "")


def test_leads_with_a_count_of_plain_digits_still_shows_that_many() -> None:
    assert parse("leads 7") == Leads(limit=7)
    assert parse("leads 0") == Help("`/atrisk leads` shows 1 to 40 leads at a time.")


def test_a_mention_label_slack_sent_escaped_is_read_once() -> None:
    assert parse("csm <@U0JANE0001|&lt;b&gt; &amp; co>") == CsmAccounts("U0JANE0001", "<b> & co")
