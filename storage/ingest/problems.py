"""How a broken rule is told: table, column, how many rows, the rule, and a few example ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from storage.ingest.contract import Table

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Problem:
    """One broken rule, e.g. ``tickets.closed_at: 12 rows close before they open …``."""

    table: str
    column: str
    rows: int
    rule: str
    examples: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        rule = self.rule if self.rows != 1 else _singular(self.rule)
        count = f"{self.rows} row{'' if self.rows == 1 else 's'}"
        shown = f", e.g. {', '.join(self.examples)}" if self.examples else ""
        return f"{where}: {count} {rule}{shown}"


def _singular(rule: str) -> str:
    """``are negative`` → ``is negative``: rules are written for many rows."""
    verb, _, rest = rule.partition(" ")
    verb = {"are": "is", "have": "has"}.get(verb, verb + "s")
    return f"{verb} {rest}"


def row_labels(raw: pd.DataFrame, spec: Table, positions: np.ndarray) -> list[str]:
    """Name rows by their key (``T-104``, ``A-1/2024-03-01/Reports``), else by row number."""
    out: list[str] = []
    for pos in positions[:1000]:
        if len(out) == MAX_EXAMPLES:
            break
        parts = [raw[k].iat[pos] if k in raw.columns else None for k in spec.key]
        if any(p is None or p is pd.NA or (isinstance(p, float) and np.isnan(p)) for p in parts):
            out.append(f"row {int(pos) + 1}")
        else:
            label = "/".join(_plain(p) for p in parts)
            if label not in out:
                out.append(label)
    return out


def _plain(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if value.time() != dt.time(0) else value.date().isoformat()
    return str(value)


def rows_problem(
    raw: pd.DataFrame,
    spec: Table,
    column: str,
    mask: pd.Series | np.ndarray,
    rule: str,
    *,
    show_values: bool = False,
) -> Problem | None:
    """A ``Problem`` for the rows where ``mask`` holds, or None when no row breaks the rule."""
    flags = np.asarray(mask, dtype=bool)
    n = int(flags.sum())
    if n == 0:
        return None
    positions = np.flatnonzero(flags)
    if show_values and column in raw.columns:
        shown = positions[:MAX_EXAMPLES]
        labels = [
            f"{row_labels(raw, spec, shown[i : i + 1])[0]} ({_short(raw[column].iat[p])})"
            for i, p in enumerate(shown)
        ]
    else:
        labels = row_labels(raw, spec, positions)
    return Problem(spec.name, column, n, rule, tuple(labels))


def _short(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 30 else text[:29] + "…")
