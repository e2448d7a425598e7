"""The contract's rules for one staged event file, as SQL conditions on its rows.

Each rule is a condition on a row's text (``x."<column>"``, ``text_of``) and typed value
(``x."v.<column>"``, ``value_of``); ``stream_checks`` counts them all in one aggregate pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.ingest.contract import FUTURE_TOLERANCE
from storage.ingest.stream_duckdb import Staged
from storage.ingest.stream_sql import TYPE_RULES, lit, text_of, value_of


@dataclass(frozen=True)
class Rule:
    """One contract rule as a condition on the staged text ``s`` and typed ``v`` rows."""

    column: str
    rule: str
    condition: str
    show_value: bool = False


def rules(staged: Staged, now: dt.datetime) -> list[Rule]:
    """Every rule of the contract that applies to the staged columns, in the ingest's order."""
    spec, present = staged.spec, staged.columns
    cols = [c for c in spec.columns if c.name in present]
    out: list[Rule] = []
    for c in cols:  # values not of their type first, as ``coerce`` reports them
        if c.kind in TYPE_RULES:
            s, v = text_of(c.name), value_of(c.name)
            cond = f"{v} IS NULL AND {s} IS NOT NULL"
            out.append(Rule(c.name, TYPE_RULES[c.kind], cond, True))
    limit = now.astimezone(dt.UTC) + FUTURE_TOLERANCE
    for c in cols:
        s, v = text_of(c.name), value_of(c.name)
        if c.required:
            # an empty value is never typed, so the text is looked at only where ``v`` is null
            cond = f"{v} IS NULL AND {s} IS NULL"
            out.append(Rule(c.name, "are empty (the column is required)", cond))
        if c.min_value == 0:
            out.append(Rule(c.name, "are negative (must be ≥ 0)", f"{v} < 0"))
            if c.max_value is not None:
                top = int(c.max_value)
                out.append(Rule(c.name, f"are above {top}", f"{v} > {top}", True))
        elif c.min_value is not None and c.max_value is not None:
            lo, hi = c.min_value, c.max_value
            cond = f"({v} < {lo:g} OR {v} > {hi:g})"
            out.append(Rule(c.name, f"are outside {lo:g}–{hi:g}", cond, True))
        if c.choices:
            allowed = ", ".join(c.choices)
            listed = ", ".join(lit(x) for x in c.choices)
            cond = f"{v} IS NOT NULL AND {v} NOT IN ({listed})"
            out.append(Rule(c.name, f"have an unknown value (allowed: {allowed})", cond, True))
        if c.max_length:
            rule = f"are longer than {c.max_length} characters"
            out.append(Rule(c.name, rule, f"length({s}) > {c.max_length}"))
        if c.not_future:
            if c.kind == "timestamp":
                bound = f"TIMESTAMPTZ {lit(limit.strftime('%Y-%m-%d %H:%M:%S+00'))}"
            else:
                bound = f"DATE {lit(limit.date().isoformat())}"
            rule = f"are in the future (after {limit:%Y-%m-%d %H:%M} UTC)"
            out.append(Rule(c.name, rule, f"{v} > {bound}", True))
    for earlier, later, rule in spec.ordered:
        if earlier in present and later in present:
            cond = f"{value_of(later)} < {value_of(earlier)}"
            out.append(Rule(later, f"{rule} ({later} < {earlier})", cond))
    return out


def label(staged: Staged) -> str:
    """A row's example id: its key as written, ``/``-joined (``?`` for an empty part)."""
    parts = [
        f"coalesce({text_of(k)}, '?')" if k in staged.columns else "'?'" for k in staged.spec.key
    ]
    return f"concat_ws('/', {', '.join(parts)})"


__all__ = ["Rule", "label", "rules"]
