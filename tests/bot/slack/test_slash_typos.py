"""A mistyped subcommand is still answered, with the command it was close to suggested."""

from __future__ import annotations

import pytest

from bot.slack.commands import SUBCOMMANDS, Lookup, meant, parse, slips

# (what was typed, the command atrisk should suggest): 50 slips people make
MISSPELLINGS = [
    ("staus", "/atrisk status"),
    ("stauts", "/atrisk status"),
    ("statsu", "/atrisk status"),
    ("sttaus", "/atrisk status"),
    ("stats", "/atrisk status"),
    ("satus", "/atrisk status"),
    ("statuss", "/atrisk status"),
    ("stattus", "/atrisk status"),
    ("ststus", "/atrisk status"),
    ("starus", "/atrisk status"),
    ("reprot", "/atrisk report"),
    ("reoprt", "/atrisk report"),
    ("repot", "/atrisk report"),
    ("rport", "/atrisk report"),
    ("reportt", "/atrisk report"),
    ("repirt", "/atrisk report"),
    ("reprt", "/atrisk report"),
    ("rpeort", "/atrisk report"),
    ("Reprot", "/atrisk report"),
    ("repport", "/atrisk report"),
    ("hepl", "/atrisk help"),
    ("hlep", "/atrisk help"),
    ("hel", "/atrisk help"),
    ("halp", "/atrisk help"),
    ("hellp", "/atrisk help"),
    ("ehlp", "/atrisk help"),
    ("jelp", "/atrisk help"),
    ("HEPL", "/atrisk help"),
    ("modle disable x", "/atrisk model disable x"),
    ("mdoel disable bad data", "/atrisk model disable bad data"),
    ("moddel enable", "/atrisk model enable"),
    ("modl enable", "/atrisk model enable"),
    ("mode disable y", "/atrisk model disable y"),
    ("modeel enable", "/atrisk model enable"),
    ("cms @jane", "/atrisk csm @jane"),
    ("csn Hannah", "/atrisk csm Hannah"),
    ("ccsm jane", "/atrisk csm jane"),
    ("sm Hannah", "/atrisk csm Hannah"),
    ("unacetd", "/atrisk unacted"),
    ("unactd", "/atrisk unacted"),
    ("unnacted", "/atrisk unacted"),
    ("inacted", "/atrisk unacted"),
    ("unactde", "/atrisk unacted"),
    ("tema", "/atrisk team"),
    ("taem", "/atrisk team"),
    ("teamm", "/atrisk team"),
    ("tpo 25", "/atrisk top 25"),
    ("topp 25", "/atrisk top 25"),
    ("tp 25 by arr", "/atrisk top 25 by arr"),
    ("ream", "/atrisk team"),
]


def test_there_are_fifty_distinct_misspellings() -> None:
    assert len({typed for typed, _ in MISSPELLINGS}) == 50


@pytest.mark.parametrize(("typed", "suggestion"), MISSPELLINGS)
def test_a_misspelt_subcommand_gets_a_did_you_mean(typed: str, suggestion: str) -> None:
    command = parse(typed)
    assert isinstance(command, Lookup)  # still looked up, in case an account is called that
    assert command.did_you_mean == suggestion


@pytest.mark.parametrize("typed", ["Acme Corp", "initech", "Globex", "umbrella health", "42"])
def test_account_names_get_no_command_suggestion(typed: str) -> None:
    command = parse(typed)
    assert isinstance(command, Lookup) and command.did_you_mean is None


def test_subcommands_themselves_are_never_suggested_to_themselves() -> None:
    assert all(meant(word) is None for word in SUBCOMMANDS)


@pytest.mark.parametrize(
    ("a", "b", "n"),
    [
        ("staus", "status", 1),
        ("hepl", "help", 1),
        ("abc", "abc", 0),
        ("", "top", 3),
        ("ab", "ba", 1),
    ],
)
def test_slips_count_insertions_deletions_substitutions_and_swaps(a: str, b: str, n: int) -> None:
    assert slips(a, b) == n
