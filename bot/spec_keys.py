"""Unknown keys in ``atrisk.yml``: which keys were meant, and where the typo is.

A key the spec does not know is refused (pydantic's ``extra="forbid"``); this module makes the
refusal one a person can act on: the keys known at that level, the close ones among them
(``difflib.get_close_matches``), and the line of the key in the file when the text is at hand.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel


def known_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the spec accepts beside the last part of ``loc`` (a validation error's
    location, e.g. ``("surface", "risk_flor")``); empty when the level is not a model."""
    current: Any = root
    for part in loc[:-1]:
        current = _inner(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [
            name
            for name, info in current.model_fields.items()
            if not info.exclude and not name.startswith("_")
        ]
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X`` (the first model among a union's members)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        return models[0] if models else (members[0] if members else annotation)
    return annotation


def _inner(annotation: Any, part: Any) -> Any:
    """The annotation one step down: a model's field, a dict's value, a list's item."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(str(part))
        return info.annotation if info is not None else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (list, tuple) and args:
        return args[0]
    return None


def did_you_mean(key: str, known: list[str]) -> list[str]:
    """The known keys close to ``key`` (best first; at most three)."""
    return difflib.get_close_matches(key, known, n=3, cutoff=0.6)


def line_of(text: str | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the key at ``loc`` in the YAML ``text``, or None."""
    if not text:
        return None
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line: int | None = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((pair for pair in node.value if pair[0].value == str(part)), None)
            if found is None:
                return line
            line = found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def unknown_key_message(
    root: type[BaseModel], source: str, loc: tuple[Any, ...], text: str | None = None
) -> str:
    """``atrisk.yml, line 31: surface.risk_flor is not a known field — did you mean
    surface.risk_floor? (check the spelling; see docs/spec.md)``."""
    path = ".".join(str(p) for p in loc)
    parent = ".".join(str(p) for p in loc[:-1])
    line = line_of(text, loc)
    where = f"{source}, line {line}" if line is not None else source
    known = known_keys(root, loc)
    close = did_you_mean(str(loc[-1]), known)
    if close:
        names = " or ".join(f"{parent}.{c}" if parent else c for c in close)
        hint = f" — did you mean {names}?"
    elif known:
        level = f"{parent} takes" if parent else "the top level takes"
        hint = f" — {level} {', '.join(known)}"
    else:
        hint = ""
    return f"{where}: {path} is not a known field{hint} (check the spelling; see docs/spec.md)"
