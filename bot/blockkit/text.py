"""Data text on its way into Slack: the one path every data string takes into a payload.

Slack reads ``<…>`` as a mention, a channel link or a URL, so ``&``, ``<`` and ``>`` in
data (account and people names, segments, reasons, playbook titles, notes, what someone
typed) become entities: data can never ping ``@channel``/``@here``/``@everyone``, a user
or a user group, or forge a link. Bidirectional and other invisible control characters are
dropped, so a name cannot reorder the words around it in a header or on a button. Text is
clipped to Slack's limits (counted in UTF-16 units) without leaving half an entity.

Strings that Slack never shows but that carry data back to atrisk (button values, a modal's
``private_metadata``, message metadata) keep their data intact but hold no ``<``, ``>`` or
``&`` either (``hidden_json``, ``hidden_key``).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Bidi embeddings, overrides and isolates, the directional marks, the Arabic letter mark,
# and the deprecated format controls next to them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f"
)
_INVISIBLE = re.compile(
    "[" + "".join(sorted(BIDI_CONTROLS)) + "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]"
)
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_ENTITY = re.compile(r"&(amp|lt|gt|#x[0-9a-f]{1,6});")
_UNENTITY = {"amp": "&", "lt": "<", "gt": ">"}
_HIDDEN = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def neutralise(text: str) -> str:
    """``text`` without bidi controls and other invisible control characters."""
    return _INVISIBLE.sub("", text)


def escape(text: object) -> str:
    """Data as plain words for Slack: controls dropped, ``&``, ``<``, ``>`` as entities."""
    plain = neutralise(str(text))
    return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_length(text: str) -> int:
    """Length as Slack counts it (UTF-16 code units), so emoji and CJK stay within limits."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` with "…", never leaving half an ``&amp;`` entity behind."""
    if text_length(text) <= limit:
        return text
    cut = text[: limit - 1]
    while text_length(cut) > limit - 1:
        cut = cut[:-1]
    return _PARTIAL_ENTITY.sub("", cut) + "…"


def safe(text: object, limit: int, *, lines: bool = False) -> str:
    """Data text escaped, its spaces collapsed, and clipped: the form every data string takes.

    On one line, unless ``lines`` keeps its line breaks (a notice of several lines)."""
    plain = neutralise(str(text))
    if lines:
        plain = "\n".join(" ".join(line.split()) for line in plain.splitlines())
    else:
        plain = " ".join(plain.split())
    return clip(escape(plain), limit)


def hidden_json(value: Any) -> str:
    """Compact JSON for a string Slack hands back (button value, ``private_metadata``):
    ``<``, ``>`` and ``&`` as JSON escapes, so ``json.loads`` returns the data unchanged."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True).translate(_HIDDEN)


def hidden_key(key: str) -> str:
    """A data key (an alert key) in message metadata: ``&<>`` and invisible controls as
    entities, so nothing in it acts on Slack or a reader; ``unhidden_key`` gives it back."""
    entities = key.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INVISIBLE.sub(lambda m: f"&#x{ord(m.group()):x};", entities)


def unhidden_key(key: str) -> str:
    """The key ``hidden_key`` wrote (keys written before it came in are returned unchanged)."""
    return _ENTITY.sub(_unentity, key)


def _unentity(match: re.Match[str]) -> str:
    name = match.group(1)
    return chr(int(name[2:], 16)) if name.startswith("#x") else _UNENTITY[name]
