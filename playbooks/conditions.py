"""``when`` conditions: read with the standard library's ``ast`` and a whitelist, never run.

The language (``and`` binds tighter than ``or``)::

    condition  := conjunct ("or" conjunct)*
    conjunct   := atom ("and" atom)*
    atom       := "(" condition ")" | operand OP operand | NAME "in" "[" literal ("," literal)* "]"
    operand    := NAME | literal          OP := < <= > >= == !=
    literal    := number | 'text' | "text"

It is a small subset of Python's expression syntax, so ``ast.parse`` reads it and
``playbooks.condition_syntax`` keeps only the nodes above; everything else is
``ConditionInvalid`` with the column. A comparison that cannot be made is False: a feature
missing from the values, an empty value (None, NaN) or a number compared with text.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from playbooks.condition_syntax import read_condition
from playbooks.condition_tree import Node, features, holds
from playbooks.errors import ConditionInvalid

MAX_LENGTH = 500


@dataclass(frozen=True)
class Condition:
    """A parsed ``when`` condition: its text, its tree and the features it reads."""

    text: str
    root: Node

    def holds(self, values: Mapping[str, object]) -> bool:
        """Evaluate against feature values; a missing or empty feature makes its test False."""
        return holds(self.root, values)

    @property
    def features(self) -> frozenset[str]:
        return frozenset(features(self.root))

    def __str__(self) -> str:
        return self.text


def parse_condition(text: str, known_features: Collection[str] | None = None) -> Condition:
    """Parse ``text`` into a ``Condition``; anything outside the language is ``ConditionInvalid``.

    ``known_features``, when given, also refuses feature names it does not list.
    """
    if not text.strip():
        raise ConditionInvalid("the condition is empty")
    if len(text) > MAX_LENGTH:
        raise ConditionInvalid(f"{len(text)} characters; a condition holds at most {MAX_LENGTH}")
    return Condition(text.strip(), read_condition(text, known_features))
