"""Headers that are almost the contract's: name what was found and which column it may be.

A BI tool's ``Account Name`` becomes ``account_name``, which is not the contract's ``name``.
A missing required column names every header found and the close one; a missing optional
column whose near namesake was found is a warning (the near namesake is ignored otherwise).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from storage.ingest.contract import Table

CUTOFF = 0.6


def _variants(found: str, table: Table) -> list[str]:
    """``account_name`` also as ``name``: the table's own name is a common prefix."""
    singular = table.name.removesuffix("s")
    out = [found]
    for prefix in (f"{table.name}_", f"{singular}_"):
        if found.startswith(prefix) and len(found) > len(prefix):
            out.append(found.removeprefix(prefix))
    return out


def near_namesake(missing: str, found: Sequence[str], table: Table) -> str | None:
    """The found header (not a contract column itself) that most likely means ``missing``."""
    best: tuple[float, str] | None = None
    for name in found:
        if name in table.column_names or name == missing:
            continue
        for variant in _variants(name, table):
            ratio = difflib.SequenceMatcher(None, missing, variant).ratio()
            if ratio >= CUTOFF and (best is None or ratio > best[0]):
                best = (ratio, name)
    return best[1] if best else None


def missing_required(table: Table, column: str, origin: str, found: Sequence[str]) -> str:
    """``accounts.name: required column is missing …; found `account_name` — did you mean …``"""
    listed = ", ".join(found) or "none"
    near = near_namesake(column, found, table)
    hint = f"; found `{near}` — did you mean `{column}`?" if near else ""
    return (
        f"{table.name}.{column}: required column is missing from {origin}{hint} "
        f"(columns found: {listed})"
    )


def near_misses(
    table: Table, present: Sequence[str], found: Sequence[str], origin: str
) -> list[str]:
    """Warnings for optional contract columns absent from ``present`` but nearly in ``found``."""
    out: list[str] = []
    for col in table.columns:
        if col.required or col.name in present:
            continue
        near = near_namesake(col.name, found, table)
        if near is not None:
            out.append(
                f"{table.name}: the column `{near}` in {origin} is not in the contract and is "
                f"ignored — did you mean `{col.name}`?"
            )
    return out
