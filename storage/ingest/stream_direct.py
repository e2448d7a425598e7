"""A first ingest of an event file: typed straight into its empty table, then checked there.

When an event table holds no rows yet there is nothing to compare or update, so the staged file
is read, trimmed and typed by DuckDB straight into the table (no temporary copy, no upsert) and
the contract's rules are counted over what was written, in one aggregate pass
(``stream_checks.count``). The values stored are those of the staged way (the same SQL types
them). A value that is not of its type stops the insert (DuckDB's ``error``); that, a row with
the wrong number of fields, a broken rule, a repeated key or an unknown account raises
``NotClean``: the caller rolls the whole ingest back and runs it again the staged way, which
names every problem as always. A clean file, the usual case, is read once and written once.
"""

from __future__ import annotations

import datetime as dt
import time

import duckdb
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from storage.errors import ContractViolation
from storage.ingest import stream_checks as checks
from storage.ingest.stream_duckdb import Staged, is_csv, rejected
from storage.ingest.stream_sql import TYPE_RULES, lit, q, trimmed, typed, typed_raw

_NOT_TYPED = "atrisk: a value is not of its column's type"


class NotClean(Exception):
    """The file breaks the contract or could not be read straight into its table; the staged
    way reads it again to name the problem."""


def is_empty(conn: Connection, name: str) -> bool:
    """Whether the event table ``name`` holds no row (in this transaction)."""
    return not conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {q(name)})").scalar_one()


def load(
    conn: Connection,
    staged: Staged,
    *,
    now: dt.datetime,
    extract_accounts: list[str] | None,
) -> tuple[checks.Scan, float]:
    """Type the staged file's rows into its empty table and check them there: the scan and the
    seconds the insert took. Raises ``NotClean`` when anything is wrong with the file."""
    clock = time.perf_counter()
    names = ", ".join(q(c) for c in staged.columns)
    try:
        conn.exec_driver_sql(
            f"INSERT INTO {q(staged.spec.name)} ({names}) SELECT {_typed_rows(staged)}"
        )
    except (duckdb.Error, DBAPIError) as e:
        raise NotClean(staged.spec.name) from e
    seconds = time.perf_counter() - clock
    if is_csv(staged.path) and not rejected(conn, staged.spec, staged.path, []):
        raise NotClean(staged.spec.name)
    try:
        found = checks.count(
            conn,
            staged,
            f"(SELECT {_as_checked(staged)} FROM {q(staged.spec.name)})",
            [],
            now=now,
            extract_accounts=extract_accounts,
        )
    except ContractViolation as e:
        raise NotClean(staged.spec.name) from e
    if found.broken or found.repeats or found.unknown:
        raise NotClean(staged.spec.name)
    return found, seconds


def _typed_rows(staged: Staged) -> str:
    """``<columns> FROM …``: each staged column typed as ``materialize`` types it, and an error
    where a value that is not empty could not be typed."""
    inner, outer = [], []
    for c in staged.columns:
        col = staged.spec.column(c)
        raw, v = f"x.{q('r.' + c)}", q("v." + c)
        stop = f"error({lit(_NOT_TYPED)})"
        if c in staged.native:
            inner.append(f"x.{q('n.' + c)} AS {v}")
            if col.kind == "float":
                outer.append(f"CASE WHEN isfinite({v}) OR {v} IS NULL THEN {v} ELSE {stop} END")
            else:
                outer.append(v)
        elif col.kind in TYPE_RULES:
            inner += [f"{raw} AS {q('r.' + c)}", f"{typed_raw(col, raw)} AS {v}"]
            text = trimmed(q("r." + c))
            outer.append(f"CASE WHEN {v} IS NULL AND {text} IS NOT NULL THEN {stop} ELSE {v} END")
        elif col.kind == "enum":
            inner.append(f"lower({trimmed(raw)}) AS {v}")
            outer.append(v)
        else:
            inner.append(f"{typed(col, trimmed(raw))} AS {v}")
            outer.append(v)
    return f"{', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {q(staged.temp)} x)"


def _as_checked(staged: Staged) -> str:
    """The stored columns read as the rules read the staged rows: ``v.<column>`` the value,
    ``<column>`` its text where the kind is text (every other value was typed)."""
    out = []
    for c in staged.columns:
        kind = staged.spec.column(c).kind
        text = q(c) if kind not in TYPE_RULES else "CAST(NULL AS VARCHAR)"
        out.append(f"{text} AS {q(c)}, {q(c)} AS {q('v.' + c)}")
    return ", ".join(out)


__all__ = ["NotClean", "is_empty", "load"]
