"""Event tables read, typed and checked by DuckDB itself (the embedded source engine).

``usage``, ``integration_runs`` and ``tickets`` grow with the length of an extract, so they never
pass through pandas: DuckDB reads each CSV/Parquet file (``read_csv`` / ``read_parquet``) into a
temporary table of trimmed text, spilled to disk beyond ``MEMORY_LIMIT``; every contract rule is
counted by one aggregate query per table, with a ``LIMIT 5`` query of example ids for each broken
rule (the ingest's messages: table, column, rule, row count, example ids); the typed rows are then
upserted by ``load_duckdb``. Everything runs on the caller's connection, inside its transaction:
a refusal, an error or a crash leaves the stored tables as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from storage.errors import ContractViolation
from storage.ingest.columns import missing_required, near_misses
from storage.ingest.contract import FUTURE_TOLERANCE, TABLES, Column, Table, normalize_column
from storage.ingest.problems import MAX_EXAMPLES, Problem
from storage.ingest.readers import _select, csv_header, first_line, unique_names
from storage.ingest.text import TRIMMED

#: the tables streamed through the engine (the rest are one row per account or person)
STREAMED = ("usage", "integration_runs", "tickets")
#: DuckDB's memory for one ingest; beyond it the staged rows spill to ``<file>.tmp``
MEMORY_LIMIT = "1GB"
_TIME_TAIL = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?"
_KNOWN = "atrisk_extract_accounts"


@dataclass(frozen=True)
class Staged:
    """One event file staged as text in the temporary table ``temp``."""

    spec: Table
    origin: str
    temp: str
    columns: tuple[str, ...]
    rows: int

    @property
    def view(self) -> str:
        """The view of the staged rows: each column as text and as ``v.<column>`` typed."""
        return f"{self.temp}_typed"


def text_of(column: str) -> str:
    return f"x.{q(column)}"


def value_of(column: str) -> str:
    return f"x.{q('v.' + column)}"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def configure(conn: Connection) -> None:
    """Bound DuckDB's memory while files are staged and checked (spilled to disk past it)."""
    conn.exec_driver_sql(f"SET memory_limit = {lit(MEMORY_LIMIT)}")
    conn.exec_driver_sql("SET preserve_insertion_order = false")


def unbound(conn: Connection) -> None:
    """DuckDB's own memory limit again, for the upsert and the commit: the tables' primary-key
    indexes are held in memory and cannot spill (about 100 bytes per stored event row)."""
    conn.exec_driver_sql("RESET memory_limit")


def _unreadable(name: str, path: Path, e: BaseException) -> str:
    """The problem of a file DuckDB cannot read, with what to do about it."""
    error = e.orig if isinstance(e, DBAPIError) and e.orig is not None else e
    if not _is_csv(path):
        return f"{name}: {path.name} could not be read as Parquet: {first_line(error)}"
    if "sniffing" in str(error):
        return (
            f"{name}: {path.name} could not be read as CSV: its rows do not share one layout, "
            "usually mixed line endings (CRLF and LF, as when a row is added by hand to a file "
            "saved on Windows) or a quote left open; save the file again from one program"
        )
    return f"{name}: {path.name} could not be read as CSV: {first_line(error)}"


def stage(conn: Connection, name: str, path: Path, problems: list[str]) -> Staged | None:
    """Read one file into a temporary table of trimmed text; unreadable files become problems."""
    spec = TABLES[name]
    if path.stat().st_size == 0:
        what = "it needs at least a header row" if _is_csv(path) else ""
        problems.append(f"{name}: {path.name} is empty (0 bytes)" + (f"; {what}" if what else ""))
        return None
    temp = f"atrisk_staged_{name}"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{q(temp)}")
    try:
        if _is_csv(path):
            head = csv_header(path, spec, problems)
            if head is None:
                return None
            norm, keep, delimiter = head
            names = unique_names(norm)
            listed = ", ".join(lit(n) for n in names)
            source = (
                f"read_csv({lit(str(path))}, header = true, all_varchar = true, "
                f"delim = {lit(delimiter)}, quote = '\"', escape = '\"', names = [{listed}], "
                "strict_mode = true, null_padding = false, ignore_errors = true, "
                "store_rejects = true)"
            )
            picked = {n: n for n in keep}
        else:
            source = f"read_parquet({lit(str(path))})"
            raw = [r[0] for r in conn.exec_driver_sql(f"DESCRIBE SELECT * FROM {source}").all()]
            norm = [normalize_column(n) for n in raw]
            keep = _select(norm, spec, path.name, problems)
            picked = {n: raw[norm.index(n)] for n in keep}
        columns = [c.name for c in spec.columns if c.name in picked]
        trimmed = ", ".join(f"{_trimmed(q(picked[c]))} AS {q(c)}" for c in columns)
        conn.exec_driver_sql(f"CREATE TEMP TABLE {q(temp)} AS SELECT {trimmed} FROM {source}")
    except (duckdb.Error, DBAPIError) as e:
        # DuckDB aborts the transaction on any error: nothing more can be read in it, so the
        # ingest stops here with what is known (the caller's transaction rolls back).
        problems.append(_unreadable(name, path, e))
        raise ContractViolation(problems) from None
    if _is_csv(path) and not _rejected(conn, spec, path, problems):
        return None
    headers = [n for n in norm if n]
    for col in spec.columns:
        if col.required and col.name not in columns:
            problems.append(missing_required(spec, col.name, path.name, headers))
    rows = int(conn.exec_driver_sql(f"SELECT count(*) FROM {q(temp)}").scalar_one())
    staged = Staged(spec, path.name, temp, tuple(columns), rows)
    typed = ", ".join(f"{_typed(spec.column(c), q(c))} AS {q('v.' + c)}" for c in columns)
    conn.exec_driver_sql(
        f"CREATE OR REPLACE TEMP VIEW {q(staged.view)} AS SELECT *, {typed} FROM {q(temp)}"
    )
    return staged


def _trimmed(ref: str) -> str:
    """Text trimmed of whitespace and invisible characters, empty as NULL. Trimming with a set
    of characters is slow, so only values that start or end outside printable ASCII get it."""
    x = f"CAST({ref} AS VARCHAR)"
    plain = f"unicode({x}) BETWEEN 33 AND 126 AND unicode(right({x}, 1)) BETWEEN 33 AND 126"
    return f"NULLIF(CASE WHEN {plain} THEN {x} ELSE trim({x}, {lit(TRIMMED)}) END, '')"


def warnings_of(staged: Staged, path: Path, conn: Connection) -> list[str]:
    """Optional columns nearly named right (``near_misses``), as the pandas path warns."""
    if not _is_csv(path):
        return []
    head = csv_header(path, staged.spec, [])
    headers = [n for n in head[0] if n] if head else []
    return near_misses(staged.spec, list(staged.columns), headers, staged.origin)


def _is_csv(path: Path) -> bool:
    return not path.name.lower().endswith((".parquet", ".pq"))


def _rejected(conn: Connection, spec: Table, path: Path, problems: list[str]) -> bool:
    """False (with a problem) when rows of the CSV had the wrong number of fields."""
    rows = conn.exec_driver_sql("SELECT line, error_type FROM reject_errors ORDER BY line").all()
    conn.exec_driver_sql("DELETE FROM reject_errors")
    conn.exec_driver_sql("DELETE FROM reject_scans")
    if not rows:
        return True
    lines = sorted({int(r[0]) for r in rows})
    why = {int(r[0]): str(r[1]).lower() for r in rows}
    shown = "; ".join(f"line {n} has {why[n]}" for n in lines[:MAX_EXAMPLES])
    problems.append(
        f"{spec.name}: {len(lines)} {'row' if len(lines) == 1 else 'rows'} of {path.name} "
        f"{'has' if len(lines) == 1 else 'have'} the wrong number of fields, e.g. {shown}"
    )
    return False


# --------------------------------------------------------------------------------- typing


def _number(ref: str) -> str:
    return f"TRY_CAST({ref} AS DOUBLE)"


def _typed(col: Column, ref: str) -> str:
    """The SQL that types the trimmed text ``ref`` as ``col``; NULL where it is not of its type."""
    if col.kind in ("int", "label"):
        d = _number(ref)
        ok = f"isfinite({d}) AND {d} = floor({d})"
        if col.kind == "label":
            ok += f" AND {d} IN (0, 1)"
        return f"CASE WHEN {ok} THEN TRY_CAST({d} AS BIGINT) END"
    if col.kind == "float":
        return f"CASE WHEN isfinite({_number(ref)}) THEN {_number(ref)} END"
    if col.kind == "date":
        tail = f"length({ref}) = 10 OR regexp_full_match(substr({ref}, 11), {lit(_TIME_TAIL)})"
        return f"CASE WHEN {tail} THEN TRY_CAST(substr({ref}, 1, 10) AS DATE) END"
    if col.kind == "timestamp":
        return f"TRY_CAST({ref} AS TIMESTAMPTZ)"
    if col.kind == "enum":
        return f"lower({ref})"
    return ref


_TYPE_RULES = {
    "float": "are not a number",
    "int": "are not a whole number",
    "label": "are not 0, 1 or empty",
    "date": "are not a date (YYYY-MM-DD)",
    "timestamp": "are not an ISO 8601 timestamp",
}


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
        if c.kind in _TYPE_RULES:
            s, v = text_of(c.name), value_of(c.name)
            out.append(Rule(c.name, _TYPE_RULES[c.kind], f"{s} IS NOT NULL AND {v} IS NULL", True))
    limit = now.astimezone(dt.UTC) + FUTURE_TOLERANCE
    for c in cols:
        s, v = text_of(c.name), value_of(c.name)
        if c.required:
            out.append(Rule(c.name, "are empty (the column is required)", f"{s} IS NULL"))
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


def _label(staged: Staged) -> str:
    """A row's example id: its key as written, ``/``-joined (``?`` for an empty part)."""
    parts = [
        f"coalesce({text_of(k)}, '?')" if k in staged.columns else "'?'" for k in staged.spec.key
    ]
    return f"concat_ws('/', {', '.join(parts)})"


def _short(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 30 else text[:29] + "…")


def check(conn: Connection, staged: Staged, *, now: dt.datetime) -> list[str]:
    """Every broken rule of one staged table, counted by DuckDB (references excepted)."""
    found = rules(staged, now)
    pair = f"{q(staged.view)} x"
    problems: list[str] = []
    if found:
        sums = ", ".join(f"count(*) FILTER (WHERE {r.condition})" for r in found)
        counts = conn.exec_driver_sql(f"SELECT {sums} FROM {pair}").one()
        for r, n in zip(found, counts, strict=True):
            if n:
                ids = _examples(conn, staged, pair, r)
                problems.append(str(Problem(staged.spec.name, r.column, int(n), r.rule, ids)))
    problems += _duplicates(conn, staged)
    return problems


def _examples(conn: Connection, staged: Staged, pair: str, r: Rule) -> tuple[str, ...]:
    label = _label(staged)
    if r.show_value:
        rows = conn.exec_driver_sql(
            f"SELECT {label}, {text_of(r.column)} FROM {pair} WHERE {r.condition} "
            f"LIMIT {MAX_EXAMPLES}"
        ).all()
        return tuple(f"{row[0]} ({_short(row[1])})" for row in rows)
    rows = conn.exec_driver_sql(
        f"SELECT DISTINCT {label} FROM {pair} WHERE {r.condition} LIMIT {MAX_EXAMPLES}"
    ).all()
    return tuple(str(row[0]) for row in rows)


def _duplicates(conn: Connection, staged: Staged) -> list[str]:
    key = staged.spec.key
    if not set(key) <= set(staged.columns) or staged.rows < 2:
        return []
    cols = ", ".join(f"{value_of(k)} AS {q(k)}" for k in key)
    complete = " AND ".join(f"{value_of(k)} IS NOT NULL" for k in key)
    groups = (
        f"SELECT {cols}, count(*) AS n FROM {q(staged.view)} x WHERE {complete} "
        f"GROUP BY ALL HAVING count(*) > 1"
    )
    n = conn.exec_driver_sql(f"SELECT coalesce(sum(n), 0) FROM ({groups})").scalar_one()
    if not n:
        return []
    shown = ", ".join(f"CAST({q(k)} AS VARCHAR)" for k in key)
    rows = conn.exec_driver_sql(
        f"SELECT concat_ws('/', {shown}) FROM ({groups}) LIMIT {MAX_EXAMPLES}"
    ).all()
    what = key[0] if len(key) == 1 else f"({', '.join(key)})"
    rule = f"repeat the same {what} (it must be unique)"
    ids = tuple(str(r[0]) for r in rows)
    return [str(Problem(staged.spec.name, "+".join(key), int(n), rule, ids))]


def reference_problems(conn: Connection, staged: Staged, extract_accounts: list[str]) -> list[str]:
    """Rows naming an account neither in the extract's ``accounts`` nor already stored."""
    if "account_id" not in staged.columns:
        return []
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.register(_KNOWN, pa.table({"account_id": pa.array(extract_accounts, pa.string())}))
    try:
        unknown = (
            f"SELECT s.account_id FROM {q(staged.temp)} s WHERE s.account_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = s.account_id) "
            f"AND NOT EXISTS (SELECT 1 FROM {_KNOWN} k WHERE k.account_id = s.account_id)"
        )
        n, k = conn.exec_driver_sql(
            f"SELECT count(*), count(DISTINCT account_id) FROM ({unknown})"
        ).one()
        if not n:
            return []
        ids = conn.exec_driver_sql(
            f"SELECT DISTINCT account_id FROM ({unknown}) LIMIT {MAX_EXAMPLES}"
        ).all()
    finally:
        raw.unregister(_KNOWN)
    rule = f"reference {k} account(s) not in accounts"
    examples = tuple(str(r[0]) for r in ids)
    return [str(Problem(staged.spec.name, "account_id", int(n), rule, examples))]


def newest_day(conn: Connection, staged: Staged) -> dt.date | None:
    """The newest event date of one staged table (timestamps by their UTC date)."""
    cols = [c.name for c in staged.spec.columns if c.not_future and c.name in staged.columns]
    if not cols:
        return None
    tops = ", ".join(f"CAST(max({value_of(c)}) AS DATE)" for c in cols)
    values: list[Any] = list(conn.exec_driver_sql(f"SELECT {tops} FROM {q(staged.view)} x").one())
    days = [v for v in values if v is not None]
    return max(days) if days else None


def drop(conn: Connection, staged: Staged) -> None:
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS {q(staged.view)}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{q(staged.temp)}")


__all__ = [
    "MEMORY_LIMIT",
    "STREAMED",
    "Staged",
    "check",
    "configure",
    "drop",
    "newest_day",
    "reference_problems",
    "rules",
    "stage",
    "unbound",
    "warnings_of",
]
