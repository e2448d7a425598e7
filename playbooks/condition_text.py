"""A ``when`` condition as text, before and beside ``ast``: quoted text masked, tokens named for
messages, and the reason Python could not parse a condition said in the condition's own terms.

Quoted text is masked before ``ast`` sees it (``'Mid-Market'`` becomes ``'__________'``), so a
backslash or line break inside quotes is read as written and positions stay those of the text.
"""

from __future__ import annotations

import ast
import keyword
import re
import warnings

from playbooks.errors import ConditionInvalid

MAX_DEPTH = 16
OPERATORS = frozenset({"<", "<=", ">", ">=", "==", "!="})
USE_OPERATORS = "use < <= > >= == != and, or, in"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_OPERATOR = re.compile(r"[<>=!&|~^*+/%]+")
_CHARACTER = re.compile(r"[A-Za-z0-9_()\[\],.<>=!&|~^*+/%'\"-]|\s")
_NUMBER_START = re.compile(r"(?<![A-Za-z0-9_.])\.?\d")
_ZERO_LED = re.compile(r"(?<![A-Za-z0-9_.])0(\d+)(?![\w.])")  # 07: a number here, not to Python
_CLOSE = {"(": "')'", "[": "',' or ']'"}
# Python words an expression may hold: reserved in conditions too.
_EXPRESSION_WORDS = frozenset(
    {"not", "is", "if", "else", "lambda", "for", "async", "await", "yield", "True", "False", "None"}
)
_STATEMENT_WORDS = frozenset(keyword.kwlist) - _EXPRESSION_WORDS - {"and", "or", "in"}


def masked(text: str) -> tuple[str, str]:
    """``(blank, code)``: quoted text as underscores, and as quotes around underscores.

    Both keep every character's position. In ``code`` whitespace outside quotes is a space,
    reserved statement words (``class``, ``from`` …) are underscores, so they stay feature names,
    and ``07`` is ``7.``. An unclosed quote, a ``#`` (a comment to Python) or deep nesting is
    refused.
    """
    blank = _QUOTED.sub(lambda m: "_" * len(m[0]), text)
    for i, ch in enumerate(blank):
        if ch in "'\"":
            raise ConditionInvalid(f"text starting at column {i + 1} has no closing {ch}")
        if ch == "#":
            raise ConditionInvalid(f"unexpected character '#' at column {i + 1}")
    depth = 0
    for ch in blank:
        depth += (ch == "(") - (ch == ")")
        if depth > MAX_DEPTH:
            raise ConditionInvalid(f"more than {MAX_DEPTH} nested parentheses")
    code = _QUOTED.sub(lambda m: m[0][0] + "_" * (len(m[0]) - 2) + m[0][0], text)
    code = NAME.sub(lambda m: "_" * len(m[0]) if m[0] in _STATEMENT_WORDS else m[0], code)
    code = _ZERO_LED.sub(lambda m: m[1] + ".", code)  # same length, same value
    return blank, "".join(" " if ch.isspace() else ch for ch in code)


def parse(code: str) -> ast.Expression:
    """``ast.parse`` in eval mode; nothing is compiled or run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "is" with a literal: refused later anyway
        return ast.parse(code, mode="eval")


def token(text: str, i: int) -> str:
    """The word, number, text or operator at ``i``, quoted; "the end" past the last one."""
    if i >= len(text) or not text[i:].strip():
        return "the end"
    for pattern in (_QUOTED, NAME, NUMBER, _OPERATOR):
        if m := pattern.match(text, i):
            return repr(m[0])
    return repr(text[i])


def next_token(text: str, i: int) -> tuple[int, str]:
    """Where the next token at or after ``i`` starts (0-based) and what it is."""
    while i < len(text) and text[i].isspace():
        i += 1
    return i, token(text, i)


def _parses(code: str) -> bool:
    try:
        parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _open_bracket(blank: str) -> str:
    """The innermost bracket still open at the end of ``blank`` ("" when none)."""
    opened: list[str] = []
    for ch in blank:
        if ch in "([":
            opened.append(ch)
        elif ch in ")]" and opened:
            opened.pop()
    return opened[-1] if opened else ""


def diagnose(text: str, blank: str, code: str, error: SyntaxError | ValueError) -> str:
    """Why Python could not parse the condition (``code`` is ``text`` masked, left-stripped)."""
    for i, ch in enumerate(blank):
        if not _CHARACTER.fullmatch(ch):
            return f"unexpected character {ch!r} at column {i + 1}"
    for m in _OPERATOR.finditer(blank):
        if m[0] not in OPERATORS:
            return f"unknown operator {m[0]!r} at column {m.start() + 1} ({USE_OPERATORS})"
    for m in _NUMBER_START.finditer(blank):
        number = NUMBER.match(blank, m.start())
        if number and (tail := NAME.match(blank, number.end())):
            word = text[m.start() : tail.end()]
            return f"{word!r} at column {m.start() + 1} is not a number or a feature name"
    for m in NAME.finditer(blank):
        if m[0] in _EXPRESSION_WORDS:
            return f"{m[0]!r} at column {m.start() + 1} is a reserved word, not part of a condition"
    opened: list[str] = []
    for i, ch in enumerate(blank):
        if ch in "([":
            opened.append(ch)
        elif ch in ")]":
            last = opened.pop() if opened else ""
            if last + ch not in ("()", "[]"):
                wanted = _CLOSE.get(last, "'and', 'or' or the end")
                return f"expected {wanted} at column {i + 1}, got {ch!r}"
    if opened:
        return f"expected {_CLOSE[opened[-1]]} at column {len(text) + 1}, got the end"
    return _expected(text, blank, code, error)


def _expected(text: str, blank: str, code: str, error: SyntaxError | ValueError) -> str:
    """What the condition needs where Python stopped reading it."""
    lead = len(text) - len(code)
    at, complete = len(text), _parses(code)
    if isinstance(error, SyntaxError) and error.lineno == 1 and error.offset:
        start = error.offset - 1
        at, complete = lead + start, _parses(code[:start])
        if "forgot a comma" in error.msg and error.end_offset:
            # Python points at two values side by side; the problem is where the second starts.
            ends = (p for p in range(error.end_offset - 1, start, -1) if _parses(code[start:p]))
            at, complete = next_token(text, lead + next(ends, start))[0], True
    wanted = "a feature name, a number or 'text'"
    if complete:
        wanted = _CLOSE.get(_open_bracket(blank[:at]), "'and', 'or' or the end")
    return f"expected {wanted} at column {at + 1}, got {token(text, at)}"
