"""What a person typed after ``/atrisk``, parsed into a ``Command``. Pure: no DB, no Slack.

Slack sends the text with ``&``, ``<`` and ``>`` escaped and mentions as ``<@U123|name>``
(the manifest sets ``should_escape``). Anything not understood becomes ``Help`` with a note,
never an error.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_QUERY = 100  # longer than any account name or id worth searching for
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")


@dataclass(frozen=True)
class Top:
    """``/atrisk``: the top at-risk accounts in the caller's scope."""


@dataclass(frozen=True)
class Lookup:
    """``/atrisk <account name or id>``."""

    query: str


@dataclass(frozen=True)
class CsmAccounts:
    """``/atrisk csm @user``: by Slack user id (a mention) or by name or email."""

    user_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Report:
    """``/atrisk report``: adoption over the last seven days."""


@dataclass(frozen=True)
class Status:
    """``/atrisk status``: model, last run, freshness, fallback."""


@dataclass(frozen=True)
class Help:
    """``/atrisk help``, or anything not understood (``note`` says what was not)."""

    note: str | None = None


@dataclass(frozen=True)
class ModelDisable:
    """``/atrisk model disable <reason>`` (admins only)."""

    reason: str


@dataclass(frozen=True)
class ModelEnable:
    """``/atrisk model enable`` (admins only)."""


Command = Top | Lookup | CsmAccounts | Report | Status | Help | ModelDisable | ModelEnable

HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})


def _clean(text: str) -> str:
    """Collapse whitespace (newlines, non-breaking spaces) to single spaces; drop NULs."""
    return " ".join(text.replace("\x00", "").split())


def _csm(rest: str) -> Command:
    if not rest:
        return Help("Say whose accounts to show, e.g. `/atrisk csm @jane`.")
    mention = MENTION.match(rest)
    if mention:
        return CsmAccounts(user_id=mention.group(1), name=mention.group(2) or None)
    name = html.unescape(rest).lstrip("@").strip()
    if not name or len(name) > MAX_QUERY:
        return Help("Say whose accounts to show, e.g. `/atrisk csm @jane`.")
    return CsmAccounts(name=name)


def _model(rest: str) -> Command:
    verb, _, reason = rest.partition(" ")
    verb = verb.lower()
    if verb == "enable" and not reason.strip():
        return ModelEnable()
    if verb == "disable":
        reason = html.unescape(reason).strip()
        if not reason:
            return Help("Say why the model is switched off, e.g. `/atrisk model disable bad data`.")
        return ModelDisable(reason=reason[:500])
    return Help("`/atrisk model` takes `disable <reason>` or `enable`.")


def parse(text: str | None) -> Command:
    """The command in ``text``; unknown words are treated as an account to look up."""
    cleaned = _clean(text or "")
    if not cleaned:
        return Top()
    head, _, rest = cleaned.partition(" ")
    word = head.lower()
    if word in HELP_WORDS:
        return Help()
    if word == "csm":
        return _csm(rest)
    if word == "model":
        return _model(rest)
    if not rest and word == "report":
        return Report()
    if not rest and word == "status":
        return Status()
    query = html.unescape(cleaned).strip()
    if len(query) > MAX_QUERY:
        return Help(f"That is longer than any account name ({len(query)} characters).")
    return Lookup(query=query)
