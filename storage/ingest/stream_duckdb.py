"""Event tables read, typed and checked by DuckDB itself (the embedded source engine).

``usage``, ``integration_runs`` and ``tickets`` grow with the length of an extract, so they never
pass through pandas: each CSV/Parquet file is *staged* as a temporary view over DuckDB's reader
(``read_csv`` with every column as text / ``read_parquet``), its values trimmed, beside a view
typing each column (``v.<column>``, NULL where a value is not of its type). The file is parsed
once (``materialize``): its typed values go to a temporary table, each value's text kept only
where it could not be typed, so ``stream_checks.scan`` counts every contract rule in one
aggregate pass over that table and the upsert (``load_duckdb.upsert_from``) reads it again
without parsing. Only a refused file is read a second time, for the example ids of the rules it
breaks. The table spills to disk past ``MEMORY_LIMIT``, so memory stays within it whatever the
file's length. Everything runs on the caller's connection, inside its transaction: a refusal, an
error or a crash leaves the stored tables as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from storage.errors import ContractViolation
from storage.ingest.columns import missing_required, near_misses
from storage.ingest.contract import TABLES, Table, normalize_column
from storage.ingest.problems import MAX_EXAMPLES
from storage.ingest.readers import _select, csv_header, first_line, unique_names
from storage.ingest.stream_sql import (
    NATIVE,
    TYPE_RULES,
    as_text,
    lit,
    q,
    text_of,
    trimmed,
    typed,
    typed_raw,
    value_of,
)

#: the tables streamed through the engine (the rest are one row per account or person)
STREAMED = ("usage", "integration_runs", "tickets")
#: DuckDB's memory for one ingest; beyond it hash tables spill to ``<file>.tmp``
MEMORY_LIMIT = "1GB"


@dataclass(frozen=True)
class Staged:
    """One event file staged as trimmed text in the temporary view ``temp`` (read on each use)."""

    spec: Table
    origin: str
    path: Path
    temp: str
    columns: tuple[str, ...]
    #: Parquet columns already of their kind's type (``NATIVE``), read as ``n.<column>`` too
    native: tuple[str, ...] = field(default=())

    @property
    def view(self) -> str:
        """The view of the file's rows: each column as text and as ``v.<column>`` typed (the
        file is parsed on each read)."""
        return f"{self.temp}_typed"

    @property
    def table(self) -> str:
        """The temporary table of the file's rows parsed once (``materialize``)."""
        return f"{self.temp}_rows"

    @property
    def rows(self) -> str:
        """The view over ``table`` read like ``view``: ``v.<column>`` typed, and ``<column>`` as
        text where it is text (``str``, ``enum``) or could not be typed, NULL elsewhere."""
        return f"{self.temp}_parsed"


def configure(conn: Connection) -> None:
    """Bound DuckDB's memory for the whole ingest (spilled to disk past it): the event tables have
    no in-memory primary-key index in the embedded file (``source_engine.UNKEYED``)."""
    conn.exec_driver_sql(f"SET memory_limit = {lit(MEMORY_LIMIT)}")
    conn.exec_driver_sql("SET preserve_insertion_order = false")


def unreadable(name: str, path: Path, e: BaseException) -> str:
    """The problem of a file DuckDB cannot read, with what to do about it."""
    error = e.orig if isinstance(e, DBAPIError) and e.orig is not None else e
    if not is_csv(path):
        return f"{name}: {path.name} could not be read as Parquet: {first_line(error)}"
    if "sniffing" in str(error):
        return (
            f"{name}: {path.name} could not be read as CSV: its rows do not share one layout, "
            "usually mixed line endings (CRLF and LF, as when a row is added by hand to a file "
            "saved on Windows) or a quote left open; save the file again from one program"
        )
    return f"{name}: {path.name} could not be read as CSV: {first_line(error)}"


def stage(conn: Connection, name: str, path: Path, problems: list[str]) -> Staged | None:
    """Stage one file as a view of trimmed text (nothing is read beyond its header and DuckDB's
    sniffing); a file that cannot be laid out becomes a problem (``ContractViolation`` when
    DuckDB aborted the transaction)."""
    spec = TABLES[name]
    if path.stat().st_size == 0:
        what = "it needs at least a header row" if is_csv(path) else ""
        problems.append(f"{name}: {path.name} is empty (0 bytes)" + (f"; {what}" if what else ""))
        return None
    temp = f"atrisk_staged_{name}"
    types: dict[str, str] = {}
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS temp.{q(temp)}")
    try:
        if is_csv(path):
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
            described = conn.exec_driver_sql(f"DESCRIBE SELECT * FROM {source}").all()
            raw = [r[0] for r in described]
            types = {r[0]: str(r[1]) for r in described}
            norm = [normalize_column(n) for n in raw]
            keep = _select(norm, spec, path.name, problems)
            picked = {n: raw[norm.index(n)] for n in keep}
        columns = [c.name for c in spec.columns if c.name in picked]
        native = tuple(
            c
            for c in columns
            if not is_csv(path) and types.get(picked[c]) == NATIVE.get(spec.column(c).kind)
        )
        raws = ", ".join(
            [f"{_text(path, spec, c, picked[c], types)} AS {q('r.' + c)}" for c in columns]
            + [f"{q(picked[c])} AS {q('n.' + c)}" for c in native]
        )
        conn.exec_driver_sql(f"CREATE TEMP VIEW {q(temp)} AS SELECT {raws} FROM {source}")
    except (duckdb.Error, DBAPIError) as e:
        # DuckDB aborts the transaction on any error: nothing more can be read in it, so the
        # ingest stops here with what is known (the caller's transaction rolls back).
        problems.append(unreadable(name, path, e))
        raise ContractViolation(problems) from None
    headers = [n for n in norm if n]
    for col in spec.columns:
        if col.required and col.name not in columns:
            problems.append(missing_required(spec, col.name, path.name, headers))
    staged = Staged(spec, path.name, path, temp, tuple(columns), native)
    views = []
    for c in columns:
        text = f"x.{q('r.' + c)}"
        value = typed_raw(spec.column(c), text)
        views.append(f"{trimmed(text)} AS {q(c)}, {value} AS {q('v.' + c)}")
    listed = ", ".join(views)
    conn.exec_driver_sql(
        f"CREATE OR REPLACE TEMP VIEW {q(staged.view)} AS SELECT {listed} FROM {q(temp)} x"
    )
    return staged


def _text(path: Path, spec: Table, column: str, name: str, types: dict[str, str]) -> str:
    """The file's column ``name`` as text: a date column delivered as a Parquet timestamp is
    the calendar date in the timestamp's own zone (local midnight is that day, never the day
    before in UTC)."""
    kind, duck = spec.column(column).kind, types.get(name, "")
    if kind == "date" and duck.startswith("TIMESTAMP"):
        zone = getattr(pq.read_schema(path).field(name).type, "tz", None)
        local = q(name)
        if zone and duck.endswith("TIME ZONE"):
            offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", zone)
            if offset:  # a fixed offset, which DuckDB's time zones do not name
                sign, hours, minutes = offset.groups()
                shift = int(sign + "1") * (int(hours) * 60 + int(minutes))
                local = f"timezone('UTC', {local}) + to_minutes({shift})"
            else:
                local = f"timezone({lit(zone)}, {local})"
        return f"CAST(CAST({local} AS DATE) AS VARCHAR)"
    return as_text(q(name), types.get(name))


def materialize(conn: Connection, staged: Staged, problems: list[str]) -> None:
    """Parse the staged file once into ``staged.table``: per column, the typed value (text for
    ``str``; ``enum`` lower-cased, with its text only where that differs) and, for the other
    kinds, the text only where it is not empty and could not be typed. Raises
    ``ContractViolation`` when DuckDB cannot read the file."""
    inner, outer, parsed = [], [], []
    for c in staged.columns:
        col = staged.spec.column(c)
        raw = f"x.{q('r.' + c)}"
        v, t = q("v." + c), q(c)
        if c in staged.native:  # typed by the Parquet file; its text only where not finite
            n = f"x.{q('n.' + c)}"
            value = f"CASE WHEN isfinite({n}) THEN {n} END" if col.kind == "float" else n
            inner += [f"{n} AS {q('n.' + c)}", f"{value} AS {v}"]
            text = trimmed(f"CAST({q('n.' + c)} AS VARCHAR)")
            outer += [v, f"CASE WHEN {v} IS NULL THEN {text} END AS {t}"]
            parsed += [t, v]
        elif col.kind in TYPE_RULES:
            inner += [f"{raw} AS {q('r.' + c)}", f"{typed_raw(col, raw)} AS {v}"]
            outer += [v, f"CASE WHEN {v} IS NULL THEN {trimmed(q('r.' + c))} END AS {t}"]
            parsed += [t, v]
        elif col.kind == "enum":
            inner.append(f"{trimmed(raw)} AS {t}")
            outer += [f"lower({t}) AS {v}", f"CASE WHEN lower({t}) <> {t} THEN {t} END AS {t}"]
            parsed += [f"coalesce({t}, {v}) AS {t}", v]
        else:
            inner.append(f"{typed(col, trimmed(raw))} AS {t}")
            outer.append(t)
            parsed += [t, f"{t} AS {v}"]
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{q(staged.table)}")
    try:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {q(staged.table)} AS SELECT {', '.join(outer)} FROM "
            f"(SELECT {', '.join(inner)} FROM {q(staged.temp)} x)"
        )
    except (duckdb.Error, DBAPIError) as e:
        problems.append(unreadable(staged.spec.name, staged.path, e))
        raise ContractViolation(problems) from None
    conn.exec_driver_sql(
        f"CREATE OR REPLACE TEMP VIEW {q(staged.rows)} AS "
        f"SELECT {', '.join(parsed)} FROM {q(staged.table)}"
    )


def warnings_of(staged: Staged, path: Path, conn: Connection) -> list[str]:
    """Optional columns nearly named right (``near_misses``), as the pandas path warns."""
    if not is_csv(path):
        return []
    head = csv_header(path, staged.spec, [])
    headers = [n for n in head[0] if n] if head else []
    return near_misses(staged.spec, list(staged.columns), headers, staged.origin)


def is_csv(path: Path) -> bool:
    return not path.name.lower().endswith((".parquet", ".pq"))


def rejected(conn: Connection, spec: Table, path: Path, problems: list[str]) -> bool:
    """False (with a problem) when rows of the CSV read last had the wrong number of fields."""
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


def drop(conn: Connection, staged: Staged) -> None:
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS {q(staged.rows)}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{q(staged.table)}")
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS {q(staged.view)}")
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS temp.{q(staged.temp)}")


__all__ = [
    "MEMORY_LIMIT",
    "NATIVE",
    "STREAMED",
    "Staged",
    "configure",
    "drop",
    "is_csv",
    "lit",
    "materialize",
    "q",
    "rejected",
    "stage",
    "text_of",
    "unreadable",
    "value_of",
    "warnings_of",
]
