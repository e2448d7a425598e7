"""Validate one playbook as read from YAML, naming every problem as ``file: id: field: what``.

Limits come from Slack: a button's text holds 75 characters and a confirmation dialog's
text 300, so a title or description that would be cut off is refused here, not in Slack.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from typing import Any

from playbooks.conditions import Condition, parse_condition
from playbooks.dismissal import NOT_A_RISK_ID
from playbooks.errors import ConditionInvalid
from playbooks.model import (
    FAMILIES,
    FOLLOW_UP_TYPES,
    PLACEHOLDER,
    PLACEHOLDERS,
    STYLES,
    FollowUp,
    Playbook,
)

MAX_TITLE = 75  # Slack button text
MAX_DESCRIPTION = 300  # Slack confirmation dialog text
MAX_ID = 64
MAX_DAYS = 365
MAX_FOLLOW_UP_TEXT = 2000
KEYS = (
    "id",
    "title",
    "description",
    "families",
    "when",
    "priority",
    "style",
    "follow_up_days",
    "follow_ups",
)
FOLLOW_UP_KEYS = {
    "notify_channel": ("type", "channel", "text"),
    "thread_reminder": ("type", "after_days", "text"),
}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{8,})$")


def _suggest(word: str, options: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Collects the problems of one playbook, each prefixed with its file and id."""

    def __init__(self, source: str, label: str) -> None:
        self.prefix = f"{source}: {label}"
        self.problems: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(f"{self.prefix}: {field}: {message}")


def _days(check: _Checker, field: str, value: object) -> int:
    """``value`` as a whole number of days from 1 to 365; 0 (and a problem) otherwise."""
    if value is None:
        check.add(field, "is required (a whole number of days, at least 1)")
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        check.add(field, f"{value!r} is not a whole number of days from 1 to {MAX_DAYS}")
        return 0
    return value


def _label(raw: Mapping[str, Any], index: int) -> str:
    pid = raw.get("id")
    return pid if isinstance(pid, str) and pid.strip() else f"playbook #{index + 1}"


def _text(check: _Checker, raw: Mapping[str, Any], key: str, limit: int, what: str) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        check.add(key, f"is required ({what})")
        return ""
    if not isinstance(value, str):
        check.add(key, f"must be text, not {type(value).__name__}")
        return ""
    value = value.strip()
    if len(value) > limit:
        where = "a Slack button" if key == "title" else "a Slack confirmation"
        check.add(key, f"{len(value)} characters, {where} holds at most {limit}")
    if key == "title" and "\n" in value:
        check.add(key, "must be one line (it is a button)")
    return value


def _families(
    check: _Checker, value: object, allowed: tuple[str, ...] = FAMILIES
) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        check.add("families", f"is required: a list of one or more of {', '.join(allowed)}")
        return ()
    out: list[str] = []
    for fam in value:
        if not isinstance(fam, str) or fam not in allowed:
            check.add(
                "families",
                f"unknown family {fam!r}{_suggest(str(fam), allowed)}; use {', '.join(allowed)}",
            )
        elif fam not in out:
            out.append(fam)
    return tuple(out)


def _condition(
    check: _Checker, value: object, known_features: Collection[str] | None
) -> Condition | None:
    if value is None:
        return None
    if not isinstance(value, str):
        check.add("when", f"must be a condition in quotes, not {value!r}")
        return None
    try:
        return parse_condition(value, known_features)
    except ConditionInvalid as e:
        check.add("when", f"{e} in {value.strip()!r}")
        return None


def _follow_up(check: _Checker, field: str, raw: object) -> FollowUp | None:
    if not isinstance(raw, dict):
        check.add(field, "must be a mapping with a type: notify_channel or thread_reminder")
        return None
    kind = raw.get("type")
    if kind not in FOLLOW_UP_TYPES:
        check.add(f"{field}.type", f"{kind!r} is not one of {', '.join(FOLLOW_UP_TYPES)}")
        return None
    before = len(check.problems)
    allowed = FOLLOW_UP_KEYS[str(kind)]
    for key in sorted(set(raw) - set(allowed), key=str):
        check.add(f"{field}.{key}", f"not a known field of {kind}{_suggest(str(key), allowed)}")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        check.add(f"{field}.text", "is required (the message to send)")
    elif len(text) > MAX_FOLLOW_UP_TEXT:
        check.add(f"{field}.text", f"{len(text)} characters; at most {MAX_FOLLOW_UP_TEXT}")
    else:
        for word in PLACEHOLDER.findall(text):
            if word not in PLACEHOLDERS:
                words = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                check.add(f"{field}.text", f"unknown placeholder {{{word}}}; use {words}")
    channel = raw.get("channel")
    if kind == "notify_channel" and not (isinstance(channel, str) and CHANNEL.match(channel)):
        check.add(f"{field}.channel", f"{channel!r} is not a channel: write #name or its id C…")
    after_days = None
    if kind == "thread_reminder":
        after_days = _days(check, f"{field}.after_days", raw.get("after_days"))
    if len(check.problems) > before:
        return None
    return FollowUp(
        type=kind,
        text=str(text).strip(),
        channel=channel if kind == "notify_channel" else None,
        after_days=after_days,
    )


def _follow_ups(check: _Checker, value: object) -> tuple[FollowUp, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        check.add("follow_ups", "must be a list of {type: notify_channel | thread_reminder, …}")
        return ()
    made = (_follow_up(check, f"follow_ups[{i + 1}]", item) for i, item in enumerate(value))
    return tuple(f for f in made if f is not None)


def parse_playbook(
    raw: object,
    source: str,
    index: int = 0,
    known_features: Collection[str] | None = None,
    families: tuple[str, ...] = FAMILIES,
) -> tuple[Playbook | None, list[str]]:
    """One playbook from its YAML mapping: ``(playbook, [])`` or ``(None, problems)``.

    ``known_features``, when given, refuses conditions on features not in it; ``families``
    are the reason families it may answer (``LEAD_FAMILIES`` for a sales library).
    """
    if not isinstance(raw, dict):
        return None, [f"{source}: playbook #{index + 1}: expected a mapping of fields"]
    check = _Checker(source, _label(raw, index))
    for key in sorted(set(raw) - set(KEYS), key=str):
        check.add(str(key), f"not a known field{_suggest(str(key), KEYS)}")
    pid = raw.get("id")
    if not isinstance(pid, str) or not pid.strip():
        check.add("id", "is required (a slug such as integration-health-check)")
    elif not SLUG.match(pid) or len(pid) > MAX_ID:
        check.add("id", f"{pid!r} must be a slug: lowercase letters, digits and dashes")
    elif pid == NOT_A_RISK_ID:
        check.add("id", f"{NOT_A_RISK_ID!r} is reserved for the dismissal button")
    title = _text(check, raw, "title", MAX_TITLE, "the button text")
    description = _text(check, raw, "description", MAX_DESCRIPTION, "what the CSM will do")
    answered = _families(check, raw.get("families"), families)
    condition = _condition(check, raw.get("when"), known_features)
    priority = raw.get("priority", 0)
    if not _is_int(priority):
        check.add("priority", f"{priority!r} is not a whole number (higher comes first)")
    style = raw.get("style")
    if style is not None and style not in STYLES:
        check.add("style", f"{style!r} is not a button style; use primary, danger or leave it out")
    follow_up_days = _days(check, "follow_up_days", raw.get("follow_up_days"))
    follow_ups = _follow_ups(check, raw.get("follow_ups"))
    if check.problems:
        return None, check.problems
    return Playbook(
        id=str(pid),
        title=title,
        description=description,
        families=answered,
        follow_up_days=follow_up_days,
        priority=int(priority),
        style=style,
        condition=condition,
        follow_ups=follow_ups,
        source=source,
    ), []
