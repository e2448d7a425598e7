"""Read source tables from a folder of CSV/Parquet files or from a SQLAlchemy URL.

Readers return each table's values as they were written (CSV values are text), with column names
normalized (case, spaces, BOM) and only the contract's columns kept. A file that cannot be read
becomes a problem in the list, so that every broken file is reported in one go.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Engine, column, inspect, literal_column, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.db import make_engine
from storage.errors import ContractViolation, DatabaseUnavailable
from storage.ingest.contract import TABLES, Table, normalize_column

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
_SNIFF_BYTES = 1 << 16


@dataclass
class RawTable:
    """One source table as read: ``frame`` holds the contract's columns under their own names."""

    name: str
    origin: str
    frame: pd.DataFrame
    #: every column of the source (normalized), also those the contract does not use
    found: tuple[str, ...] = ()


@dataclass
class Extract:
    """Everything read from one source, and what could not be read."""

    source: str
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: files left for the engine to read itself (``streamed`` tables of a folder)
    files: dict[str, Path] = field(default_factory=dict)


def is_url(source: str | Path) -> bool:
    return "://" in str(source)


def read_source(
    source: str | Path, required: Iterable[str], *, streamed: Iterable[str] = ()
) -> Extract:
    """Read every contract table found in ``source``; a missing required one is a problem.

    Tables named in ``streamed`` are not read from a folder: their files are listed in
    ``Extract.files`` for the source engine to read.
    """
    required = list(required)
    unknown = [t for t in required if t not in TABLES]
    if unknown:
        known = ", ".join(TABLES)
        raise ContractViolation([f"required tables name unknown tables {unknown} (known: {known})"])
    if is_url(source):
        extract = _read_url(str(source))
    else:
        extract = _read_folder(Path(source), set(streamed))
    for name in required:
        reported = any(p.startswith(f"{name}:") for p in extract.problems)
        if name in extract.tables or name in extract.files or reported:
            continue
        where = (
            f"no table {name} in the database {extract.source}"
            if is_url(source)
            else f"no {name}.csv or {name}.parquet in {extract.source}"
        )
        extract.problems.append(f"{name}: required table is missing ({where})")
    return extract


# ------------------------------------------------------------------------------------ folders


def _read_folder(folder: Path, streamed: set[str]) -> Extract:
    if not folder.exists():
        raise ContractViolation([f"source: the folder {folder} does not exist"])
    if not folder.is_dir():
        raise ContractViolation([f"source: {folder} is not a folder of CSV or Parquet files"])
    extract = Extract(source=str(folder))
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for name, spec in TABLES.items():
        found = [files[name + s] for s in SUFFIXES if name + s in files]
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            extract.problems.append(f"{name}: both {names} exist; keep only one")
            continue
        if not found:
            continue
        path = found[0]
        if name in streamed:
            extract.files[name] = path
            continue
        reader = _read_parquet if path.name.lower().endswith((".parquet", ".pq")) else _read_csv
        read = reader(path, spec, extract.problems)
        if read is not None:
            extract.tables[name] = RawTable(name, path.name, *read)
    return extract


def _select(norm: list[str], spec: Table, origin: str, problems: list[str]) -> list[str]:
    """Distinct names to keep (the contract's columns, or all for an open table).

    ``norm`` are the normalized header names; a kept name that appears twice is a problem.
    """
    wanted = [n for n in norm if n and (spec.open_columns or n in spec.column_names)]
    for n in sorted({n for n in wanted if wanted.count(n) > 1}):
        problems.append(f"{spec.name}.{n}: the column appears twice in {origin}")
    return list(dict.fromkeys(wanted))


Read = tuple[pd.DataFrame, tuple[str, ...]]  # the kept columns, and every normalized header
#: the normalized header names, the names kept, the delimiter
CsvHeader = tuple[list[str], list[str], str]


def _read_csv(path: Path, spec: Table, problems: list[str]) -> Read | None:
    head = csv_header(path, spec, problems)
    if head is None:
        return None
    norm, keep, delimiter = head
    frame = _read_csv_arrow(path, spec, problems, unique_names(norm), keep, delimiter)
    return None if frame is None else (frame, tuple(n for n in norm if n))


def csv_header(path: Path, spec: Table, problems: list[str]) -> CsvHeader | None:
    """The normalized header, the columns to keep and the delimiter of a CSV file, or None
    (with the reason in ``problems``) when it is empty, binary, not UTF-8 or has no header."""
    name = spec.name
    if path.stat().st_size == 0:
        problems.append(f"{name}: {path.name} is empty (0 bytes); it needs at least a header row")
        return None
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as e:
        problems.append(f"{name}: {path.name} could not be read: {first_line(e)}")
        return None
    if _looks_binary(head):
        problems.append(f"{name}: {path.name} is not a CSV file (it holds binary data)")
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:
            problems.append(
                f"{name}: {path.name} is not UTF-8 text (byte {e.start}); save it as CSV UTF-8"
            )
            return None
        text = head[: e.start].decode("utf-8-sig")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        problems.append(f"{name}: {path.name} has no header row")
        return None
    delimiter = _delimiter(lines[0])
    norm = [normalize_column(n) for n in next(csv.reader([lines[0]], delimiter=delimiter))]
    keep = _select(norm, spec, path.name, problems)
    return norm, keep, delimiter


def _read_csv_arrow(
    path: Path,
    spec: Table,
    problems: list[str],
    names: list[str],
    keep: list[str],
    delimiter: str,
) -> pd.DataFrame | None:
    """Parse with arrow, every kept column as text; rows with a wrong field count are named."""
    bad_rows: list[str] = []

    def on_bad_row(row: pacsv.InvalidRow) -> str:
        where = f"line {row.number}" if row.number and row.number > 0 else repr(row.text[:40])
        bad_rows.append(f"{where} has {row.actual_columns} fields, not {row.expected_columns}")
        return "skip"

    try:
        table_ = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_bad_row
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=keep,
                column_types=dict.fromkeys(keep, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as e:
        problems.append(f"{spec.name}: {path.name} could not be read as CSV: {first_line(e)}")
        return None
    if bad_rows:
        shown = "; ".join(bad_rows[:5])
        problems.append(
            f"{spec.name}: {len(bad_rows)} {'row' if len(bad_rows) == 1 else 'rows'} of "
            f"{path.name} {'has' if len(bad_rows) == 1 else 'have'} the wrong number of "
            f"fields, e.g. {shown}"
        )
        return None
    return table_.to_pandas()


def _read_parquet(path: Path, spec: Table, problems: list[str]) -> Read | None:
    if path.stat().st_size == 0:
        problems.append(f"{spec.name}: {path.name} is empty (0 bytes)")
        return None
    try:
        pf = pq.ParquetFile(path)
        raw = pf.schema_arrow.names
        norm = [normalize_column(n) for n in raw]
        idx = _first_positions(norm, spec, path.name, problems)
        table_ = pf.read(columns=[raw[i] for i in idx.values()]).rename_columns(list(idx))
        return table_.to_pandas(date_as_object=False), tuple(n for n in norm if n)
    except (pa.ArrowException, OSError, ValueError) as e:
        problems.append(
            f"{spec.name}: {path.name} is not a readable Parquet file ({first_line(e)})"
        )
        return None


def _first_positions(
    norm: list[str], spec: Table, origin: str, problems: list[str]
) -> dict[str, int]:
    """Kept name → position of its first occurrence among the normalized names."""
    keep = _select(norm, spec, origin, problems)
    return {n: norm.index(n) for n in keep}


def _looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters: an image, an archive, a spreadsheet, …"""
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > max(2, len(head) // 100)


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def unique_names(names: list[str]) -> list[str]:
    """Arrow needs distinct names: a repeated or blank header gets a suffix (and is dropped)."""
    out: list[str] = []
    for i, n in enumerate(names):
        out.append(n if n and n not in out else f"{n or 'column'}__{i}")
    return out


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:200]


# ------------------------------------------------------------------------------------ databases


def _read_url(url: str) -> Extract:
    try:
        parsed = make_url(url)
        database = str(parsed.database or "")
        on_disk = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
        if on_disk and not Path(database).exists():
            raise ContractViolation([f"source: the database file {database} does not exist"])
        options: dict[str, Any] = {"label": "source"}
        if parsed.get_backend_name() == "postgresql":
            options["connect_args"] = {"connect_timeout": 10}
        engine = make_engine(url, **options)
    except (SQLAlchemyError, ValueError) as e:
        why = type(e).__name__
        raise ContractViolation([f"source: not a usable database URL ({why})"]) from None
    except DatabaseUnavailable as e:
        raise ContractViolation([str(e)]) from None
    try:
        return read_tables(engine, TABLES)
    finally:
        engine.dispose()


def read_tables(engine: Engine, names: Iterable[str]) -> Extract:
    """The contract tables ``names`` found in ``engine``'s database (its translated schema)."""
    shown = engine.url.render_as_string(hide_password=True)
    schema = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    extract = Extract(source=shown)
    try:
        with engine.connect() as conn:
            found = inspect(conn).get_table_names(schema=schema)
            present = {n.lower(): n for n in found}
            for name in names:
                spec = TABLES[name]
                if name not in present:
                    continue
                real = present[name]
                probe: Any = select(literal_column("*")).select_from(table(real, schema=schema))
                raw = list(conn.execute(probe.limit(0)).keys())
                norm = [normalize_column(n) for n in raw]
                idx = _first_positions(norm, spec, f"table {real}", extract.problems)
                cols: list[Any] = [column(raw[i]).label(n) for n, i in idx.items()]
                frame = pd.read_sql(select(*cols).select_from(table(real, schema=schema)), conn)
                extract.tables[name] = RawTable(name, f"table {real}", frame, tuple(norm))
    except DatabaseUnavailable as e:
        raise ContractViolation([str(e)]) from None
    except SQLAlchemyError as e:
        why = first_line(getattr(e, "orig", None) or e)
        raise ContractViolation([f"source: cannot read the database {shown}: {why}"]) from None
    return extract
