"""The tree of a ``when`` condition and its evaluation against an account's feature values.

A comparison that cannot be made is False: a feature missing from the values, an empty value
(None, NaN) or a number compared with text.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

ORDERING = frozenset({"<", "<=", ">", ">="})

Value = float | str


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


def holds(node: Node, values: Mapping[str, object]) -> bool:
    """True when the condition holds; a missing or empty feature makes its comparison False."""
    if isinstance(node, And):
        return all(holds(p, values) for p in node.parts)
    if isinstance(node, Or):
        return any(holds(p, values) for p in node.parts)
    if isinstance(node, In):
        v = _scalar(values.get(node.feature.name))
        return v is not None and any(_compare(v, "==", o) for o in node.options)
    a, b = _resolve(node.left, values), _resolve(node.right, values)
    return a is not None and b is not None and _compare(a, node.op, b)


def features(node: Node) -> set[str]:
    """The feature names the condition reads."""
    if isinstance(node, And | Or):
        return set().union(*(features(p) for p in node.parts))
    if isinstance(node, In):
        return {node.feature.name}
    return {s.name for s in (node.left, node.right) if isinstance(s, Feature)}
