"""Reading a ``when`` condition into its tree: ``ast.parse`` in eval mode, then a whitelist walk.

Only these nodes are read: ``and``/``or``, one comparison (``< <= > >= == !=``, or ``in`` with
a list of literals), feature names, numbers (``-`` touching the digits) and quoted text. Any
other node (a call, an attribute, indexing, arithmetic, ``not``, ``lambda``, an f-string, ``:=``
…) is refused with ``ConditionInvalid`` naming it and its column. Nothing is ever evaluated.
Text Python cannot parse is explained by ``condition_text.diagnose``.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Collection

from playbooks.condition_text import (
    NAME,
    NUMBER,
    USE_OPERATORS,
    diagnose,
    masked,
    next_token,
    parse,
)
from playbooks.condition_tree import (
    ORDERING,
    And,
    Compare,
    Const,
    Feature,
    In,
    Node,
    Operand,
    Or,
    Value,
)
from playbooks.errors import ConditionInvalid

COMPARISONS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
LANGUAGE = (
    "a condition compares feature names with numbers or 'text' (< <= > >= == !=, in [...]) "
    "joined by and, or"
)
_WHAT = {
    ast.Call: "a call",
    ast.Attribute: "an attribute",
    ast.Subscript: "indexing",
    ast.Lambda: "a lambda",
    ast.IfExp: "'if … else'",
    ast.NamedExpr: "an assignment (:=)",
    ast.JoinedStr: "an f-string",
    ast.Tuple: "a tuple",
    ast.List: "a list outside 'in'",
    ast.Dict: "a dict",
    ast.Set: "a set",
}


def read_condition(text: str, known_features: Collection[str] | None = None) -> Node:
    """The tree of ``text``; ``ConditionInvalid`` names the first problem and its column."""
    blank, code = masked(text)
    code = code.lstrip()
    try:
        tree = parse(code)
    except (SyntaxError, ValueError) as e:
        raise ConditionInvalid(diagnose(text, blank, code, e)) from None
    return _Reader(text, code, known_features).condition(tree.body)


class _Reader:
    """The whitelist: each method accepts one kind of node and refuses everything else."""

    def __init__(self, text: str, code: str, known: Collection[str] | None) -> None:
        self.text = text
        self.code = code.encode()  # ast counts columns in UTF-8 bytes
        self.lead = len(text) - len(code)
        self.known = known
        self.unknown: list[str] = []

    def start(self, node: ast.expr) -> int:
        """Where ``node`` starts in the condition as written (0-based characters)."""
        return self.lead + len(self.code[: node.col_offset].decode())

    def end(self, node: ast.expr) -> int:
        return self.lead + len(self.code[: node.end_col_offset].decode())

    def source(self, node: ast.expr) -> str:
        return self.text[self.start(node) : self.end(node)]

    def condition(self, node: ast.expr) -> Node:
        root = self._condition(node)
        if self.unknown:
            raise ConditionInvalid("; ".join(self.unknown))
        return root

    def _condition(self, node: ast.expr) -> Node:
        if isinstance(node, ast.BoolOp):
            parts = tuple(self._condition(v) for v in node.values)
            return And(parts) if isinstance(node.op, ast.And) else Or(parts)
        if isinstance(node, ast.Compare):
            return self.comparison(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            raise ConditionInvalid(
                f"'not' at column {self.start(node) + 1} is not part of the language: "
                "write the opposite comparison (< for >=, != for ==)"
            )
        if isinstance(node, ast.Name | ast.Constant) or self.negative_number(node):
            at, got = next_token(self.text, self.end(node))
            raise ConditionInvalid(
                f"expected a comparison (< <= > >= == != or in) after {self.source(node)} "
                f"at column {at + 1}, got {got}"
            )
        raise self.refused(node)

    def comparison(self, node: ast.Compare) -> Node:
        if len(node.ops) > 1:
            at, got = next_token(self.text, self.end(node.comparators[0]))
            raise ConditionInvalid(f"expected 'and', 'or' or the end at column {at + 1}, got {got}")
        op, right = node.ops[0], node.comparators[0]
        if isinstance(op, ast.In):
            return self.membership(node.left, right)
        if type(op) not in COMPARISONS:  # is, is not, not in
            at, _ = next_token(self.text, self.end(node.left))
            word = " ".join(self.text[at : self.start(right)].strip("() ").split())
            raise ConditionInvalid(
                f"unknown operator {word!r} at column {at + 1} ({USE_OPERATORS})"
            )
        left, right_side = self.operand(node.left), self.operand(right)
        return _checked(Compare(left, COMPARISONS[type(op)], right_side))

    def membership(self, left: ast.expr, right: ast.expr) -> In:
        if not isinstance(left, ast.Name):
            raise ConditionInvalid(
                f"'in' needs a feature name on its left, not {self.source(left)}"
            )
        feature = self.operand(left)
        if not isinstance(right, ast.List):
            raise ConditionInvalid(
                f"'in' needs a list in square brackets at column {self.start(right) + 1}, "
                f"like ['Enterprise', 'Mid-Market'], not {self.source(right)}"
            )
        if not right.elts:
            raise ConditionInvalid(
                f"expected a feature name, a number or 'text' at column {self.end(right)}, got ']'"
            )
        assert isinstance(feature, Feature)
        return In(feature, tuple(self.literal(e) for e in right.elts))

    def literal(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Name):
            raise ConditionInvalid(
                f"an 'in' list holds numbers or 'text', not the feature {self.source(node)} "
                f"(column {self.start(node) + 1})"
            )
        operand = self.operand(node)
        assert isinstance(operand, Const)
        return operand.value

    def operand(self, node: ast.expr) -> Operand:
        number = self.negative_number(node)
        if not (isinstance(node, ast.Name | ast.Constant) or number):
            raise self.refused(node)
        col, text = self.start(node) + 1, self.source(node)
        before, after = self.text[: col - 1].rstrip(), self.text[self.end(node) :].lstrip()
        if before.endswith("(") and after.startswith(")"):
            raise ConditionInvalid(
                f"parentheses around {text} at column {col}: they group comparisons, not values"
            )
        if number:
            return Const(-float(self.constant(number)))
        if isinstance(node, ast.Constant):
            return Const(self.constant(node))
        if not NAME.fullmatch(text):
            raise ConditionInvalid(
                f"{text!r} at column {col} is not a feature name (letters, digits and _)"
            )
        if self.known is not None and text not in self.known:
            close = difflib.get_close_matches(text, list(self.known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.unknown.append(f"unknown feature {text!r}{hint} at column {col}")
        return Feature(text)

    def negative_number(self, node: ast.expr) -> ast.Constant | None:
        """The number after a ``-`` touching it: ``-0.3`` (not ``- 0.3`` nor ``--3``)."""
        if not (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)):
            return None
        number = node.operand
        if not isinstance(number, ast.Constant) or not NUMBER.fullmatch(self.source(number)):
            return None
        return number if self.start(number) == self.start(node) + 1 else None

    def constant(self, node: ast.Constant) -> Value:
        raw, col = self.source(node), self.start(node) + 1
        quote = raw[:1]
        if isinstance(node.value, str):
            if quote in ("'", '"') and len(raw) >= 2 and raw.find(quote, 1) == len(raw) - 1:
                return raw[1:-1]  # as written: ast saw only a mask (see condition_text)
            raise ConditionInvalid(
                f"{raw} at column {col}: write text in plain 'single' or \"double\" quotes"
            )
        if NUMBER.fullmatch(raw):
            return float(raw)
        raise ConditionInvalid(f"{raw} at column {col} is not a feature name, a number or 'text'")

    def refused(self, node: ast.expr) -> ConditionInvalid:
        text, col = self.source(node), self.start(node) + 1
        if isinstance(node, ast.BinOp):
            symbol = self.text[self.end(node.left) : self.start(node.right)].strip(" ()")
            what = f"arithmetic ({symbol})"
        elif isinstance(node, ast.UnaryOp):
            what = f"arithmetic ({text[:1]})"
        else:
            what = _WHAT.get(type(node), "an expression")
        shown = text if len(text) <= 40 else text[:37] + "..."
        return ConditionInvalid(
            f"{shown} at column {col} is {what}, which is not part of the language: {LANGUAGE}"
        )


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
