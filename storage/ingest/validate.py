"""The contract's rules over typed tables: pure functions from frames to a list of problems.

Each problem names the table, the column, the rule, how many rows broke it and a few example
ids. Every rule is checked on every table, so one run reports everything that is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from zoneinfo import available_timezones

import numpy as np
import pandas as pd

from storage.ingest.coerce import Typed
from storage.ingest.contract import (
    ACCOUNTS,
    FUTURE_TOLERANCE,
    LEADS,
    Column,
    event_date_columns,
)
from storage.ingest.problems import MAX_EXAMPLES, Problem, rows_problem


def validate(tables: Mapping[str, Typed], *, now: dt.datetime) -> list[str]:
    """Every problem in ``tables`` (types, values, keys, dates), references excepted."""
    problems: list[str] = []
    for typed in tables.values():
        problems += typed.problems
        problems += check_table(typed, now=now)
    return problems


def check_table(typed: Typed, *, now: dt.datetime) -> list[str]:
    spec, frame = typed.spec, typed.frame
    found: list[Problem | None] = []
    if len(frame) == 0 and not spec.may_be_empty:
        return [f"{spec.name}: {typed.origin} has no rows; the table may not be empty"]
    for col in spec.columns:
        if col.name in frame.columns:
            found += _column_rules(typed, col, now)
    for earlier, later, rule in spec.ordered:
        if earlier in frame.columns and later in frame.columns:
            broken = (frame[later] < frame[earlier]).fillna(False)
            found.append(_problem(typed, later, broken, f"{rule} ({later} < {earlier})"))
    found.append(_duplicates(typed))
    return [str(p) for p in found if p is not None]


def _problem(
    typed: Typed, column: str, mask: pd.Series | np.ndarray, rule: str, values: bool = False
) -> Problem | None:
    return rows_problem(typed.raw, typed.spec, column, mask, rule, show_values=values)


def _column_rules(typed: Typed, col: Column, now: dt.datetime) -> list[Problem | None]:
    v, text = typed.frame[col.name], typed.raw[col.name]
    out: list[Problem | None] = []
    if col.required:
        out.append(_problem(typed, col.name, text.isna(), "are empty (the column is required)"))
    if col.min_value == 0:
        out.append(_problem(typed, col.name, (v < 0).fillna(False), "are negative (must be ≥ 0)"))
        if col.max_value is not None:
            too_big = (v > col.max_value).fillna(False)
            out.append(_problem(typed, col.name, too_big, f"are above {col.max_value}", True))
    elif col.min_value is not None and col.max_value is not None:
        lo, hi = col.min_value, col.max_value
        outside = ((v < lo) | (v > hi)).fillna(False)
        out.append(_problem(typed, col.name, outside, f"are outside {lo:g}–{hi:g}", True))
    if col.choices:
        allowed = ", ".join(col.choices)
        unknown = v.notna() & ~v.isin(col.choices)
        rule = f"have an unknown value (allowed: {allowed})"
        out.append(_problem(typed, col.name, unknown, rule, True))
    if col.pattern:
        bad = v.notna() & ~v.str.fullmatch(col.pattern).fillna(True).astype(bool)
        out.append(_problem(typed, col.name, bad, f"are {col.pattern_text}", True))
    if col.time_zone:
        unknown = v.notna() & ~v.isin(_zones())
        rule = "are not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)"
        out.append(_problem(typed, col.name, unknown, rule, True))
    if col.max_length:
        long = (v.str.len() > col.max_length).fillna(False)
        rule = f"are longer than {col.max_length} characters"
        out.append(_problem(typed, col.name, long, rule))
    if col.not_future:
        limit = now.astimezone(dt.UTC) + FUTURE_TOLERANCE
        bound = pd.Timestamp(limit) if col.kind == "timestamp" else pd.Timestamp(limit.date())
        future = (v > bound).fillna(False)
        rule = f"are in the future (after {limit:%Y-%m-%d %H:%M} UTC)"
        out.append(_problem(typed, col.name, future, rule, True))
    return out


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _duplicates(typed: Typed) -> Problem | None:
    key = list(typed.spec.key)
    frame = typed.frame
    if not set(key) <= set(frame.columns) or len(frame) < 2:
        return None
    complete = frame[key].notna().all(axis=1)
    repeated = frame.duplicated(subset=key, keep=False) & complete
    what = key[0] if len(key) == 1 else f"({', '.join(key)})"
    rule = f"repeat the same {what} (it must be unique)"
    return _problem(typed, "+".join(key), repeated, rule)


# ----------------------------------------------------------------------------- references


def referenced_accounts(tables: Mapping[str, Typed]) -> set[str]:
    """Account ids that events refer to but the extract's own ``accounts`` does not hold."""
    ids: set[str] = set()
    for typed in tables.values():
        if typed.spec.references_accounts and "account_id" in typed.frame.columns:
            ids.update(typed.frame["account_id"].dropna().unique().tolist())
    if ACCOUNTS in tables and "account_id" in tables[ACCOUNTS].frame.columns:
        ids.difference_update(tables[ACCOUNTS].frame["account_id"].dropna().tolist())
    return ids


def reference_problems(tables: Mapping[str, Typed], known: Iterable[str]) -> list[str]:
    """Events for accounts that are neither in this extract nor already in the database."""
    known_ids = set(known)
    if ACCOUNTS in tables and "account_id" in tables[ACCOUNTS].frame.columns:
        known_ids.update(tables[ACCOUNTS].frame["account_id"].dropna().tolist())
    problems: list[str] = []
    for typed in tables.values():
        if not typed.spec.references_accounts or "account_id" not in typed.frame.columns:
            continue
        ids = typed.frame["account_id"]
        unknown = ids.notna() & ~ids.isin(known_ids)
        n = int(unknown.sum())
        if n:
            missing = ids[unknown].unique()
            rule = f"reference {len(missing)} account(s) not in accounts"
            examples = tuple(str(x) for x in missing[:MAX_EXAMPLES])
            problems.append(str(Problem(typed.spec.name, "account_id", n, rule, examples)))
    return problems


def referenced_leads(tables: Mapping[str, Typed]) -> set[str]:
    """Lead ids that ``lead_activity`` refers to but the extract's own ``leads`` does not hold."""
    ids: set[str] = set()
    for typed in tables.values():
        if typed.spec.references_leads and "lead_id" in typed.frame.columns:
            ids.update(typed.frame["lead_id"].dropna().unique().tolist())
    if LEADS in tables and "lead_id" in tables[LEADS].frame.columns:
        ids.difference_update(tables[LEADS].frame["lead_id"].dropna().tolist())
    return ids


def lead_reference_problems(tables: Mapping[str, Typed], known: Iterable[str]) -> list[str]:
    """Activity of leads that are neither in this extract nor already in the database."""
    known_ids = set(known)
    if LEADS in tables and "lead_id" in tables[LEADS].frame.columns:
        known_ids.update(tables[LEADS].frame["lead_id"].dropna().tolist())
    problems: list[str] = []
    for typed in tables.values():
        if not typed.spec.references_leads or "lead_id" not in typed.frame.columns:
            continue
        ids = typed.frame["lead_id"]
        unknown = ids.notna() & ~ids.isin(known_ids)
        n = int(unknown.sum())
        if n:
            missing = ids[unknown].unique()
            rule = f"reference {len(missing)} lead(s) not in leads"
            examples = tuple(str(x) for x in missing[:MAX_EXAMPLES])
            problems.append(str(Problem(typed.spec.name, "lead_id", n, rule, examples)))
    return problems


def data_through(tables: Mapping[str, Typed]) -> dt.date | None:
    """The newest event date in the extract (timestamps by their UTC date)."""
    newest: list[dt.date] = []
    for table, column in event_date_columns():
        if table in tables and column in tables[table].frame.columns:
            top = tables[table].frame[column].max()
            if pd.notna(top):
                newest.append(pd.Timestamp(top).date())
    return max(newest, default=None)
