"""Hostile data strings, and a walk over every string of a whole payload that finds what got
through from them.

Every hostile string carries markers atrisk itself never writes: ``<!…>`` commands, links,
``mailto:``, a user group, and a user (``U0EVIL01``) and a channel (``C0EVIL01``) that are
no owner, CSM or channel of the test company. So a raw ``<!``, ``<http``, ``<mailto``,
``<@U0EVIL01`` or ``<#C0EVIL01`` anywhere in a payload came from data, while atrisk's own
mentions of a CSM or an owner (``<@U0JANE0001>``) are allowed by construction. The same
goes for Slack's emphasis around words atrisk never writes (``*EVILBOLD*``, ``_EVILIT_``,
``~EVILSTRIKE~``, a code span) and for invisible format characters (zero-width space, word
joiner, soft hyphen, a tag character, a Hangul filler). Every mrkdwn text object must be
``verbatim``, so Slack links nothing by itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

EVIL_USER, EVIL_CHANNEL = "U0EVIL01", "C0EVIL01"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HOSTILE = (
    "<!channel> Evilcorp <https://evil.example|your bank> <!here> <!everyone> "
    f"<@{EVIL_USER}> <!subteam^S0EVIL01|@cs-team> <mailto:ceo@evil.example|CEO> "
    f"<#{EVIL_CHANNEL}> \u202eknab ruoy\u202c \u2066iso\u2069 \u200e\u200f\u061c\u202a\u202b"
    "\u202d\u2067\u2068 & co *EVILBOLD* _EVILIT_ ~EVILSTRIKE~ `EVILCODE` "
    "in\u200bvis\u2060ible\u00ad\U000e0041\u3164\u115f\u1160\uffa0"
)
SHORT = f"<!here><@{EVIL_USER}>\u202e"  # for columns of 64 characters
ESCAPED_MARK = f"&lt;@{EVIL_USER}&gt;"  # how the evil mention reads once escaped

FROM_DATA = (
    "<!",
    "<http",
    "<mailto",
    f"<@{EVIL_USER}",
    f"<#{EVIL_CHANNEL}",
    "*EVILBOLD",
    "_EVILIT",
    "~EVILSTRIKE",
    "`EVILCODE",
)
INVISIBLE = "\u200b\u2060\u00ad\U000e0041\u3164\u115f\u1160\uffa0"
ATRISKS_OWN = re.compile(r"<(@[UW][A-Z0-9]{2,31}|#[CG][A-Z0-9]{6,})>")
# atrisk's own link to an alert's message (the digest): a validated channel id and ts; the
# link's text that follows is data and is walked like the rest
PERMALINK = re.compile(r"<https://slack\.com/archives/[CGD][A-Z0-9]{6,}/p\d{7,21}\|")


def hostile(label: str) -> str:
    return f"{label} {HOSTILE}"


def strings(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """Every string in ``value`` (keys too), with its JSON path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}[key]", str(key)
            yield from strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            yield from strings(item, f"{path}[{n}]")


def raw_markup(payload: Any) -> list[str]:
    """Where data reached ``payload`` raw: ``path: problem`` for each string that holds a
    mention, link or bidi control from data, or any ``<…>`` that is not atrisk's own (its
    mentions by id, and its links to an alert's message, whose text is still walked)."""
    found = []
    for path, text in strings(payload):
        text = PERMALINK.sub("", text)
        for token in FROM_DATA:
            if token in text:
                found.append(f"{path}: raw {token!r} in {text[:120]!r}")
        if bad := [c for c in text if c in BIDI]:
            found.append(f"{path}: bidi control {bad[0]!r} in {text[:120]!r}")
        if bad := [c for c in text if c in INVISIBLE]:
            found.append(f"{path}: invisible {bad[0]!r} in {text[:120]!r}")
        for lt in re.finditer("<", text):
            if not ATRISKS_OWN.match(text, lt.start()):
                found.append(f"{path}: '<' not atrisk's own in {text[lt.start() :][:60]!r}")
    return found + not_verbatim(payload)


def not_verbatim(value: Any, path: str = "$") -> list[str]:
    """Where a mrkdwn text object in ``value`` lacks ``"verbatim": true``."""
    found = []
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and value.get("verbatim") is not True:
            found.append(f"{path}: mrkdwn not verbatim: {str(value.get('text'))[:80]!r}")
        for key, item in value.items():
            found += not_verbatim(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            found += not_verbatim(item, f"{path}[{n}]")
    return found


def assert_clean(payloads: list[tuple[str, Any]]) -> None:
    """No payload of ``(what, payload)`` holds raw markup or a bidi control from data."""
    problems = [f"{what} {p}" for what, payload in payloads for p in raw_markup(payload)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def reached(payload: Any) -> bool:
    """True when hostile data did reach ``payload`` (escaped), so a clean walk means something."""
    return ESCAPED_MARK in json.dumps(payload, ensure_ascii=False)
