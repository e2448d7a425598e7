"""The contract checked on a staged event file, in one pass of DuckDB over its parsed rows.

``scan`` parses the file once (``stream_duckdb.materialize``) and counts (``count``, also run by
``stream_direct`` over the rows it wrote), in a single aggregate query over the parsed rows:
their number, the rows breaking
each contract rule, the rows whose key may repeat (distinct hashes of the key against complete
keys), the rows naming an account neither in the extract nor stored, the newest event date and
the span of the key's date. Only what that pass finds broken is read again: a ``LIMIT 5`` query
of example ids per broken rule (over the file itself: only a refused file is read again), and an
exact count of repeated keys when the hashes differ in
number from the keys (a hash collision costs a query, never a wrong message). The messages are
the ingest's: table, column, rule, row count, example ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from storage.errors import ContractViolation
from storage.ingest.problems import MAX_EXAMPLES, Problem
from storage.ingest.stream_duckdb import Staged, is_csv, materialize, rejected, unreadable
from storage.ingest.stream_rules import Rule, label, rules
from storage.ingest.stream_sql import q, text_of, value_of

_KNOWN = "atrisk_extract_accounts"
#: the account ids an event row may name: stored ones and the extract's
_KNOWN_IDS = f"(SELECT account_id FROM accounts UNION SELECT account_id FROM {_KNOWN})"


@dataclass(frozen=True)
class Scan:
    """What one pass over a staged file found."""

    rows: int
    #: the rules broken, with how many rows break each
    broken: tuple[tuple[Rule, int], ...]
    #: whether some key may repeat (hashes fewer than complete keys)
    repeats: bool
    #: rows naming an unknown account (``None``: not checked)
    unknown: int | None
    #: the newest event date (timestamps by their UTC date), ``None`` without dated rows
    newest: dt.date | None
    #: the key's date column and its least and greatest value, for the upsert to look only there
    span: tuple[str, Any, Any] | None


def span_column(staged: Staged) -> str | None:
    """The first key column that is a date or a timestamp (``usage.date``), if any."""
    for name in staged.spec.key:
        if name in staged.columns and staged.spec.column(name).kind in ("date", "timestamp"):
            return name
    return None


def scan(
    conn: Connection,
    staged: Staged,
    problems: list[str],
    *,
    now: dt.datetime,
    extract_accounts: list[str] | None,
) -> Scan | None:
    """Parse the staged file once (``materialize``) and count what it breaks; ``None`` (with a
    problem) when rows of a CSV had the wrong number of fields. ``extract_accounts``: the account
    ids of the extract's ``accounts`` (``None``: references are not checked). Raises
    ``ContractViolation`` when DuckDB cannot read the file."""
    materialize(conn, staged, problems)
    found = count(
        conn, staged, q(staged.rows), problems, now=now, extract_accounts=extract_accounts
    )
    if is_csv(staged.path) and not rejected(conn, staged.spec, staged.path, problems):
        return None
    return found


def count(
    conn: Connection,
    staged: Staged,
    relation: str,
    problems: list[str],
    *,
    now: dt.datetime,
    extract_accounts: list[str] | None,
) -> Scan:
    """Count, in one aggregate query over ``relation`` (SQL: rows with ``x."<column>"`` text and
    ``x."v.<column>"`` typed, as ``staged.rows``), the rows, those breaking each rule, the key's
    hashes, the unknown accounts, the newest date and the key's date span."""
    found = rules(staged, now)
    terms = ["count(*)", *(f"count(*) FILTER (WHERE {r.condition})" for r in found)]
    key = staged.spec.key
    complete = " AND ".join(f"{value_of(k)} IS NOT NULL" for k in key)
    keyed = set(key) <= set(staged.columns)
    if keyed:
        hashed = f"hash({', '.join(value_of(k) for k in key)})"
        terms += [
            f"count(*) FILTER (WHERE {complete})",
            f"count(DISTINCT {hashed}) FILTER (WHERE {complete})",
        ]
    dated = [c.name for c in staged.spec.columns if c.not_future and c.name in staged.columns]
    terms += [f"CAST(max({value_of(c)}) AS DATE)" for c in dated]
    spanned = span_column(staged)
    if spanned:
        terms += [f"min({value_of(spanned)})", f"max({value_of(spanned)})"]
    pair = f"{relation} x"
    checks_refs = extract_accounts is not None and "account_id" in staged.columns
    if checks_refs:
        account = text_of("account_id")
        pair += f" LEFT JOIN {_KNOWN_IDS} k ON k.account_id = {account}"
        terms.append(f"count(*) FILTER (WHERE {account} IS NOT NULL AND k.account_id IS NULL)")
    with _known(conn, extract_accounts if checks_refs else None):
        try:
            values = list(conn.exec_driver_sql(f"SELECT {', '.join(terms)} FROM {pair}").one())
        except (duckdb.Error, DBAPIError) as e:
            problems.append(unreadable(staged.spec.name, staged.path, e))
            raise ContractViolation(problems) from None
    rows = int(values.pop(0))
    counts = [int(values.pop(0)) for _ in found]
    repeats = False
    if keyed:
        complete_rows, hashes = int(values.pop(0)), int(values.pop(0))
        repeats = hashes < complete_rows
    days = [values.pop(0) for _ in dated]
    span = (spanned, values.pop(0), values.pop(0)) if spanned else None
    unknown = int(values.pop(0)) if checks_refs else None
    return Scan(
        rows=rows,
        broken=tuple((r, n) for r, n in zip(found, counts, strict=True) if n),
        repeats=repeats and rows > 1,
        unknown=unknown,
        newest=max((d for d in days if d is not None), default=None),
        span=span if span and span[1] is not None else None,
    )


def rule_problems(conn: Connection, staged: Staged, found: Scan) -> list[str]:
    """Every broken rule of the scanned file, with example ids (references excepted); the
    examples are read from the file itself, whose text ``staged.rows`` keeps only in part."""
    pair = f"{q(staged.view)} x"
    problems = [
        str(Problem(staged.spec.name, r.column, n, r.rule, _examples(conn, staged, pair, r)))
        for r, n in found.broken
    ]
    if found.repeats:
        problems += _duplicates(conn, staged)
    return problems


def _examples(conn: Connection, staged: Staged, pair: str, r: Rule) -> tuple[str, ...]:
    ids = label(staged)
    if r.show_value:
        rows = conn.exec_driver_sql(
            f"SELECT {ids}, {text_of(r.column)} FROM {pair} WHERE {r.condition} "
            f"LIMIT {MAX_EXAMPLES}"
        ).all()
        return tuple(f"{row[0]} ({_short(row[1])})" for row in rows)
    rows = conn.exec_driver_sql(
        f"SELECT DISTINCT {ids} FROM {pair} WHERE {r.condition} LIMIT {MAX_EXAMPLES}"
    ).all()
    return tuple(str(row[0]) for row in rows)


def _short(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 30 else text[:29] + "…")


def _duplicates(conn: Connection, staged: Staged) -> list[str]:
    key = staged.spec.key
    cols = ", ".join(f"{value_of(k)} AS {q(k)}" for k in key)
    complete = " AND ".join(f"{value_of(k)} IS NOT NULL" for k in key)
    groups = (
        f"SELECT {cols}, count(*) AS n FROM {q(staged.rows)} x WHERE {complete} "
        f"GROUP BY ALL HAVING count(*) > 1"
    )
    n = conn.exec_driver_sql(f"SELECT coalesce(sum(n), 0) FROM ({groups})").scalar_one()
    if not n:  # only hashes collided
        return []
    shown = ", ".join(f"CAST({q(k)} AS VARCHAR)" for k in key)
    rows = conn.exec_driver_sql(
        f"SELECT concat_ws('/', {shown}) FROM ({groups}) LIMIT {MAX_EXAMPLES}"
    ).all()
    what = key[0] if len(key) == 1 else f"({', '.join(key)})"
    rule = f"repeat the same {what} (it must be unique)"
    ids = tuple(str(r[0]) for r in rows)
    return [str(Problem(staged.spec.name, "+".join(key), int(n), rule, ids))]


def reference_problems(
    conn: Connection, staged: Staged, found: Scan, extract_accounts: list[str]
) -> list[str]:
    """Rows naming an account neither in the extract's ``accounts`` nor already stored."""
    if not found.unknown:
        return []
    account = text_of("account_id")
    unknown = (
        f"SELECT {account} AS account_id FROM {q(staged.rows)} x WHERE {account} IS NOT NULL "
        f"AND {account} NOT IN {_KNOWN_IDS}"
    )
    with _known(conn, extract_accounts):
        k = conn.exec_driver_sql(f"SELECT count(DISTINCT account_id) FROM ({unknown})").one()[0]
        ids = conn.exec_driver_sql(
            f"SELECT DISTINCT account_id FROM ({unknown}) LIMIT {MAX_EXAMPLES}"
        ).all()
    rule = f"reference {k} account(s) not in accounts"
    examples = tuple(str(r[0]) for r in ids)
    return [str(Problem(staged.spec.name, "account_id", found.unknown, rule, examples))]


class _known:
    """The extract's account ids registered with DuckDB as ``_KNOWN`` while in the block."""

    def __init__(self, conn: Connection, ids: list[str] | None) -> None:
        raw = conn.connection.driver_connection
        assert raw is not None
        self.raw, self.ids = raw, ids

    def __enter__(self) -> None:
        if self.ids is not None:
            self.raw.register(_KNOWN, pa.table({"account_id": pa.array(self.ids, pa.string())}))

    def __exit__(self, *_exc: object) -> None:
        if self.ids is not None:
            self.raw.unregister(_KNOWN)


__all__ = ["Scan", "count", "reference_problems", "rule_problems", "scan", "span_column"]
