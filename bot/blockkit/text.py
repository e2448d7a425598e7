"""Data text on its way into Slack: the one path every data string takes into a payload.

Slack reads ``<…>`` as a mention, a channel link or a URL, so ``&``, ``<`` and ``>`` in
data (account and people names, segments, reasons, playbook titles, notes, what someone
typed) become entities: data can never ping ``@channel``/``@here``/``@everyone``, a user
or a user group, or forge a link. Bidirectional and other invisible control characters are
dropped, so a name cannot reorder the words around it in a header or on a button. So are
all other invisible format characters (Unicode category Cf: zero-width spaces and joiners,
the word joiner, the soft hyphen, tag characters) and the Hangul fillers that show as
blanks, so two names that read the same are the same. Slack's emphasis marks in data
(``*bold*``, ``_italic_``, ``~strike~``, ```code```) are shown as look-alikes that Slack
does not read as markup (``EMPHASIS``), so a name cannot make itself bold, hide words in
a code span or strike out atrisk's own words. Text is clipped to Slack's limits (counted in
UTF-16 units) without leaving half an entity.

Strings that Slack never shows but that carry data back to atrisk (button values, a modal's
``private_metadata``, message metadata) keep their data intact but hold no ``<``, ``>`` or
``&`` either (``hidden_json``, ``hidden_key``).
"""

from __future__ import annotations

import json
import re
import unicodedata
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
# Hangul fillers: letters (not Cf) that show as nothing or a blank
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# Slack's emphasis marks in data, as the look-alike each is shown as: ∗ (asterisk operator),
# ∼ (tilde operator), ˋ (modifier letter grave accent), and ˍ (modifier letter low macron)
# for an underscore that could open or close italics: one between two letters or digits
# (``acct_123``, ``jane_doe``) cannot, and stays, so ids read and copy as they are.
EMPHASIS = str.maketrans({"*": "\u2217", "~": "\u223c", "`": "\u02cb"})
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_ENTITY = re.compile(r"&(amp|lt|gt|#x[0-9a-f]{1,6});")
_UNENTITY = {"amp": "&", "lt": "<", "gt": ">"}
_HIDDEN = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _shown(char: str) -> bool:
    return char not in FILLERS and unicodedata.category(char) != "Cf"


def neutralise(text: str) -> str:
    """``text`` without bidi controls, other control characters, invisible format characters
    (category Cf: U+200B, U+2060, U+00AD, U+E0000–U+E007F, …) and the Hangul fillers."""
    text = _INVISIBLE.sub("", text)
    if text.isascii():
        return text
    return "".join(c for c in text if _shown(c))


def sentence(text: object) -> str:
    """atrisk's own sentence (which may quote data) for Slack: invisible characters dropped,
    ``&``, ``<``, ``>`` as entities, its emphasis and code marks kept."""
    plain = neutralise(str(text))
    return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: object) -> str:
    """Data as plain words for Slack: invisible characters dropped, ``&``, ``<``, ``>`` as
    entities, emphasis marks as their look-alikes (``EMPHASIS``)."""
    plain = _EDGE_UNDERSCORE.sub("\u02cd", str(text).translate(EMPHASIS))
    return sentence(plain)


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


def safe(text: object, limit: int, *, lines: bool = False, markup: bool = False) -> str:
    """Data text escaped, its spaces collapsed, and clipped: the form every data string takes.

    Invisible characters dropped; ``&``, ``<``, ``>`` as entities, so nothing pings or links;
    ``*``, ``~``, backticks and an ``_`` at a word's edge as ``∗``, ``∼``, ``ˋ``, ``ˍ``, so
    nothing is emphasised (``acct_123`` keeps its underscore: Slack never reads it as italics).
    On one line, unless ``lines`` keeps its line breaks (a notice of several lines).
    ``markup`` keeps the emphasis marks: only for atrisk's own sentences (a help note, an error
    answer) whose data parts are shown to the person who typed them."""
    plain = neutralise(str(text))
    if lines:
        plain = "\n".join(" ".join(line.split()) for line in plain.splitlines())
    else:
        plain = " ".join(plain.split())
    return clip(sentence(plain) if markup else escape(plain), limit)


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
