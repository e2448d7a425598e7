"""``when`` conditions: a tiny tokenizer and recursive-descent parser, evaluated without ``eval``.

Grammar (``and`` binds tighter than ``or``)::

    condition  := conjunct ("or" conjunct)*
    conjunct   := atom ("and" atom)*
    atom       := "(" condition ")" | operand OP operand | NAME "in" "[" literal ("," literal)* "]"
    operand    := NAME | literal          OP := < <= > >= == !=
    literal    := number | 'text' | "text"

A comparison that cannot be made is False: a feature missing from the values, an empty value
(None, NaN) or a number compared with text. Nothing in a condition is ever executed.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass

from playbooks.errors import ConditionInvalid

OPERATORS = ("<", "<=", ">", ">=", "==", "!=")
ORDERING = frozenset({"<", "<=", ">", ">="})
KEYWORDS = frozenset({"and", "or", "in"})
MAX_LENGTH = 500
MAX_DEPTH = 16

_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATOR_CHARS = "<>=!&|~^*+/%"

Value = float | str


@dataclass(frozen=True)
class Token:
    kind: str  # name, number, text, op, and, or, in, ( ) [ ] , end
    value: Value
    column: int  # 1-based, for messages
    raw: str  # as written, for messages


def _describe(tok: Token) -> str:
    return "the end" if tok.kind == "end" else repr(tok.raw)


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens; an unknown character or operator is refused."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch, col = text[i], i + 1
        if ch.isspace():
            i += 1
        elif ch in "()[],":
            tokens.append(Token(ch, ch, col, ch))
            i += 1
        elif ch in _OPERATOR_CHARS:
            j = i
            while j < len(text) and text[j] in _OPERATOR_CHARS:
                j += 1
            op = text[i:j]
            if op not in OPERATORS:
                raise ConditionInvalid(
                    f"unknown operator {op!r} at column {col} (use < <= > >= == != and, or, in)"
                )
            tokens.append(Token("op", op, col, op))
            i = j
        elif ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ConditionInvalid(f"text starting at column {col} has no closing {ch}")
            tokens.append(Token("text", text[i + 1 : end], col, text[i : end + 1]))
            i = end + 1
        elif m := _NUMBER.match(text, i):
            tail = _NAME.match(text, m.end())
            if tail:
                raise ConditionInvalid(
                    f"{text[i : tail.end()]!r} at column {col} is not a number or a feature name"
                )
            tokens.append(Token("number", float(m.group()), col, m.group()))
            i = m.end()
        elif m := _NAME.match(text, i):
            word = m.group()
            tokens.append(Token(word if word in KEYWORDS else "name", word, col, word))
            i = m.end()
        else:
            raise ConditionInvalid(f"unexpected character {ch!r} at column {col}")
    tokens.append(Token("end", "", len(text) + 1, ""))
    return tokens


# --- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    name: str


@dataclass(frozen=True)
class Const:
    value: Value


Operand = Feature | Const


@dataclass(frozen=True)
class Compare:
    left: Operand
    op: str
    right: Operand


@dataclass(frozen=True)
class In:
    feature: Feature
    options: tuple[Value, ...]


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Compare | In | And | Or


class _Parser:
    """Recursive descent over the token list; each method consumes one grammar rule."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def take(self, kind: str, wanted: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            raise ConditionInvalid(
                f"expected {wanted} at column {tok.column}, got {_describe(tok)}"
            )
        self.pos += 1
        return tok

    def condition(self) -> Node:
        parts = [self.conjunct()]
        while self.tok.kind == "or":
            self.pos += 1
            parts.append(self.conjunct())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunct(self) -> Node:
        parts = [self.atom()]
        while self.tok.kind == "and":
            self.pos += 1
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def atom(self) -> Node:
        if self.tok.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ConditionInvalid(f"more than {MAX_DEPTH} nested parentheses")
            self.pos += 1
            node = self.condition()
            self.take(")", "')'")
            self.depth -= 1
            return node
        left = self.operand()
        if self.tok.kind == "in":
            self.pos += 1
            if not isinstance(left, Feature):
                raise ConditionInvalid(f"'in' needs a feature name on its left, not {left.value!r}")
            return In(left, self.options())
        if self.tok.kind != "op":
            where = left.name if isinstance(left, Feature) else repr(left.value)
            raise ConditionInvalid(
                f"expected a comparison (< <= > >= == != or in) after {where} "
                f"at column {self.tok.column}, got {_describe(self.tok)}"
            )
        op = str(self.take("op", "an operator").value)
        return _checked(Compare(left, op, self.operand()))

    def operand(self) -> Operand:
        tok = self.tok
        if tok.kind == "name":
            self.pos += 1
            return Feature(str(tok.value))
        return Const(self.literal())

    def literal(self) -> Value:
        tok = self.tok
        if tok.kind not in ("number", "text"):
            raise ConditionInvalid(
                f"expected a feature name, a number or 'text' at column {tok.column}, "
                f"got {_describe(tok)}"
            )
        self.pos += 1
        return tok.value

    def options(self) -> tuple[Value, ...]:
        self.take("[", "'[' to start a list")
        values = [self.literal()]
        while self.tok.kind == ",":
            self.pos += 1
            if self.tok.kind == "]":
                break
            values.append(self.literal())
        self.take("]", "',' or ']'")
        return tuple(values)


def _checked(node: Compare) -> Compare:
    """Refuse comparisons that can never mean anything: two constants, or text ordered."""
    sides = (node.left, node.right)
    if not any(isinstance(s, Feature) for s in sides):
        raise ConditionInvalid(f"{node.op} compares two constants; name a feature on one side")
    if node.op in ORDERING:
        for s in sides:
            if isinstance(s, Const) and isinstance(s.value, str):
                raise ConditionInvalid(f"{node.op} compares numbers, not text ({s.value!r})")
    return node


# --- evaluation -----------------------------------------------------------------------------


def _scalar(value: object) -> Value | None:
    """A feature value as a number or text; None when empty or of another kind."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        try:
            value = item()  # a numpy scalar becomes the Python one
        except (TypeError, ValueError):
            return None
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real):
        number = float(value)
        return None if math.isnan(number) else number
    return None


def _resolve(operand: Operand, values: Mapping[str, object]) -> Value | None:
    if isinstance(operand, Const):
        return operand.value
    return _scalar(values.get(operand.name))


def _compare(a: Value, op: str, b: Value) -> bool:
    if isinstance(a, str) != isinstance(b, str):
        return False
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if isinstance(a, str) or isinstance(b, str):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _holds(node: Node, values: Mapping[str, object]) -> bool:
    if isinstance(node, And):
        return all(_holds(p, values) for p in node.parts)
    if isinstance(node, Or):
        return any(_holds(p, values) for p in node.parts)
    if isinstance(node, In):
        v = _scalar(values.get(node.feature.name))
        return v is not None and any(_compare(v, "==", o) for o in node.options)
    a, b = _resolve(node.left, values), _resolve(node.right, values)
    return a is not None and b is not None and _compare(a, node.op, b)


def _features(node: Node) -> set[str]:
    if isinstance(node, And | Or):
        return set().union(*(_features(p) for p in node.parts))
    if isinstance(node, In):
        return {node.feature.name}
    return {s.name for s in (node.left, node.right) if isinstance(s, Feature)}


@dataclass(frozen=True)
class Condition:
    """A parsed ``when`` condition: its text, its tree and the features it reads."""

    text: str
    root: Node

    def holds(self, values: Mapping[str, object]) -> bool:
        """Evaluate against feature values; a missing or empty feature makes its test False."""
        return _holds(self.root, values)

    @property
    def features(self) -> frozenset[str]:
        return frozenset(_features(self.root))

    def __str__(self) -> str:
        return self.text


def parse_condition(text: str) -> Condition:
    """Parse ``text`` into a ``Condition``; anything outside the grammar is ``ConditionInvalid``."""
    if not text.strip():
        raise ConditionInvalid("the condition is empty")
    if len(text) > MAX_LENGTH:
        raise ConditionInvalid(f"{len(text)} characters; a condition holds at most {MAX_LENGTH}")
    parser = _Parser(tokenize(text))
    root = parser.condition()
    if parser.tok.kind != "end":
        raise ConditionInvalid(
            f"expected 'and', 'or' or the end at column {parser.tok.column}, "
            f"got {_describe(parser.tok)}"
        )
    return Condition(text.strip(), root)
