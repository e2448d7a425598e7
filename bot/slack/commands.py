"""What a person typed after ``/atrisk``, parsed into a ``Command``. Pure: no DB, no Slack.

Slack sends the text with ``&``, ``<`` and ``>`` escaped and mentions as ``<@U123|name>``
(the manifest sets ``should_escape``). Anything not understood becomes ``Help`` with a note,
never an error. A first word one or two typing slips from a subcommand (``staus``, ``hepl``,
``modle``) is still looked up as an account, but carries the command it probably meant. A
mention alone (``/atrisk @jane``) reads as ``/atrisk csm @jane``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.blockkit.text import neutralise

MAX_QUERY = 100  # longer than any account name or id worth searching for
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
# A count as typed: ASCII digits only (``str.isdigit`` also takes "²" and other digits
# ``int`` refuses) and at most 6 of them, far past ``TOP_MAX`` yet far below the 4,300
# digits ``int`` refuses to read.
COUNT = re.compile(r"[0-9]{1,6}")


TOP_DEFAULT = 10
TOP_MAX = 40  # lines in one answer: Block Kit allows 50 blocks a message
SORTS = ("risk", "arr")


@dataclass(frozen=True)
class Top:
    """``/atrisk [top N] [unacted] [by risk|arr]``: the at-risk queue in the caller's scope.

    ``limit`` lines (1–``TOP_MAX``), ordered by ``sort``; ``unacted`` keeps only accounts
    alerted with nobody acting yet."""

    limit: int = TOP_DEFAULT
    sort: str = "risk"
    unacted: bool = False


@dataclass(frozen=True)
class Leads:
    """``/atrisk leads [N]``: the hottest open leads in the caller's scope (1–``TOP_MAX``)."""

    limit: int = TOP_DEFAULT


@dataclass(frozen=True)
class Team:
    """``/atrisk team``: one line per CSM in scope: at risk, ARR at risk, nobody acted."""


@dataclass(frozen=True)
class Lookup:
    """``/atrisk <account name or id>``; ``did_you_mean`` is the command a typo was close to."""

    query: str
    did_you_mean: str | None = None


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


Command = (
    Top | Leads | Team | Lookup | CsmAccounts | Report | Status | Help | ModelDisable | ModelEnable
)

HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})
SUBCOMMANDS = ("status", "report", "help", "model", "csm", "team", "top", "unacted", "leads")
QUEUE_WORDS = frozenset({"top", "unacted", "by"})


def slips(a: str, b: str) -> int:
    """Typing slips between ``a`` and ``b``: insertions, deletions, substitutions and swaps of
    two neighbouring letters (optimal string alignment distance, Damerau 1964; rapidfuzz)."""
    return int(OSA.distance(a, b))


def meant(word: str) -> str | None:
    """The subcommand ``word`` is a slip away from: one slip for words of up to four letters,
    two for longer ones; the closest wins, ties in ``SUBCOMMANDS`` order. None when none is."""
    word = word.lower()
    if word in SUBCOMMANDS or not word.isalpha():
        return None
    allowed = 1 if len(word) <= 4 else 2
    near = [(slips(word, sub), n, sub) for n, sub in enumerate(SUBCOMMANDS)]
    distance, _, sub = min(near)
    return sub if distance <= allowed else None


def _clean(text: str) -> str:
    """Collapse whitespace (newlines, non-breaking spaces) to single spaces; drop control
    characters and the invisible bidi marks a right-to-left keyboard or a paste adds."""
    return " ".join(neutralise(text).split())


def _csm(rest: str) -> Command:
    if not rest:
        return Help("Say whose accounts to show, e.g. `/atrisk csm @jane`.")
    mention = MENTION.match(rest)
    if mention:
        # Slack sends the label entity-encoded; read it once here, escaped again on the way out
        label = html.unescape(mention.group(2) or "").strip()
        return CsmAccounts(user_id=mention.group(1), name=label or None)
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


def _is_number(word: str) -> bool:
    """True when ``word`` is meant as a count: digits of any script ("²", "٣") as well as
    ASCII; only ``_count`` reads its value."""
    return word.isdigit()


def _count(word: str) -> int:
    """The count in ``word``; 0 (outside every allowed range) when it is not ASCII digits or
    longer than ``COUNT`` allows, so the caller answers with its range."""
    return int(word) if COUNT.fullmatch(word) else 0


def _queue(words: list[str]) -> Command | None:
    """``top N``, ``unacted``, ``by risk|arr`` in any order; None when the words are not
    those (an account called "Top Notch" is looked up)."""
    limit, sort, unacted = TOP_DEFAULT, "risk", False
    rest = [w.lower() for w in words]
    while rest:
        word = rest.pop(0)
        if word == "unacted":
            unacted = True
        elif word == "top":
            if rest and _is_number(rest[0]):
                limit = _count(rest.pop(0))
                if not 1 <= limit <= TOP_MAX:
                    return Help(f"`/atrisk top` shows 1 to {TOP_MAX} accounts at a time.")
        elif word == "by" and rest and rest[0] in SORTS:
            sort = rest.pop(0)
        else:
            return None
    return Top(limit=limit, sort=sort, unacted=unacted)


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
    if not rest and MENTION.match(head):  # `/atrisk @jane`: whose accounts, as `csm @jane`
        return _csm(head)
    if word == "model":
        return _model(rest)
    if not rest and word == "report":
        return Report()
    if not rest and word == "status":
        return Status()
    if not rest and word == "team":
        return Team()
    if word == "leads" and (not rest or _is_number(rest)):
        limit = _count(rest) if rest else TOP_DEFAULT
        if not 1 <= limit <= TOP_MAX:
            return Help(f"`/atrisk leads` shows 1 to {TOP_MAX} leads at a time.")
        return Leads(limit=limit)
    queue = _queue(cleaned.split()) if word in QUEUE_WORDS else None
    if queue is not None:
        return queue
    query = html.unescape(cleaned).strip()
    if len(query) > MAX_QUERY:
        return Help(f"That is longer than any account name ({len(query)} characters).")
    sub = meant(word)
    hint = f"/atrisk {sub} {html.unescape(rest)}".strip() if sub else None
    return Lookup(query=query, did_you_mean=hint)
