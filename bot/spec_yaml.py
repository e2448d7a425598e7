"""Where a spec's YAML goes wrong: the place of a parse error, and a quote left open.

A missing closing quote is not always a YAML error: the value runs on to the next quote and
swallows the fields below it, which then read as missing. Both are named with line and column.
"""

from __future__ import annotations

import yaml


def yaml_error_place(e: yaml.YAMLError) -> str:
    """``at line 3, column 9: found … (while scanning …, from line 2)``: the YAML error's place."""
    mark = getattr(e, "problem_mark", None)
    if mark is None:
        return f"({e})"
    problem = getattr(e, "problem", None) or "cannot be read"
    out = f"at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
    if context and start is not None:
        out += f" ({context} that starts at line {start.line + 1}, column {start.column + 1})"
    if "quoted scalar" in (context or ""):
        out += "; a closing quote is probably missing"
    return out


def runaway_quote(text: str) -> str | None:
    """A quoted value that runs over several lines: YAML reads on to the next quote, so a
    missing closing quote swallows the fields below it instead of being an error."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return None
    todo = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.ScalarNode):
            start, end = node.start_mark, node.end_mark
            if node.style in ('"', "'") and end.line > start.line:
                return (
                    f"the quoted value at line {start.line + 1}, column {start.column + 1} runs "
                    f"on to line {end.line + 1}: a closing quote ({node.style}) is probably "
                    "missing on its line"
                )
        elif isinstance(node, yaml.MappingNode):
            todo += [n for pair in reversed(node.value) for n in reversed(pair)]
        elif isinstance(node, yaml.SequenceNode):
            todo += list(reversed(node.value))
    return None
