"""Write a synthetic company as a folder of CSV or Parquet files, one per table.

Dates are written as ``YYYY-MM-DD``, timestamps as ISO 8601 UTC (``2026-01-05T06:12:33Z``),
missing values as empty cells. Each file appears whole or not at all (written aside, then
renamed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from synth.company import TABLES, SyntheticCompany
from synth.errors import SynthError

Format = Literal["csv", "parquet"]
FORMATS = ("csv", "parquet")
CHUNK_ROWS = 1_000_000


def iso_utc(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """UTC timestamps as ``YYYY-MM-DDTHH:MM:SSZ`` text (nulls stay null).

    Casting a zone-less timestamp to text is far quicker than ``strftime`` with a time zone.
    """
    text = col.cast(pa.timestamp("s"), safe=False).cast(pa.string())
    text = pc.binary_replace_slice(text, start=10, stop=11, replacement="T")
    out: pa.ChunkedArray = pc.binary_replace_slice(text, start=19, stop=19, replacement="Z")
    return out


def to_arrow(frame: pd.DataFrame, fmt: Format) -> pa.Table:
    """The frame as an Arrow table: dates as ``date32``, timestamps as UTC (text for CSV)."""
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    for i, name in enumerate(table.column_names):
        col = table.column(name)
        if pa.types.is_timestamp(col.type) and col.type.tz is None:
            col = col.cast(pa.date32())
        elif pa.types.is_timestamp(col.type):
            col = iso_utc(col) if fmt == "csv" else col.cast(pa.timestamp("us", tz="UTC"))
        elif pa.types.is_large_string(col.type):
            col = col.cast(pa.string())
        table = table.set_column(i, name, col)
    return table


def _write_table(
    frame: pd.DataFrame, path: Path, fmt: Format, on_rows: Callable[[int], None]
) -> None:
    """Write ``frame`` in slices (bounded memory), then move the finished file into place."""
    part = path.with_name(path.name + ".part")
    writer: pa_csv.CSVWriter | pq.ParquetWriter | None = None
    try:
        for start in range(0, max(len(frame), 1), CHUNK_ROWS):
            table = to_arrow(frame.iloc[start : start + CHUNK_ROWS], fmt)
            if writer is None:
                writer = (
                    pa_csv.CSVWriter(part, table.schema)
                    if fmt == "csv"
                    else pq.ParquetWriter(part, table.schema)
                )
            writer.write_table(table)
            on_rows(table.num_rows)
        if writer is not None:
            writer.close()
            writer = None
        os.replace(part, path)
    except OSError as e:
        raise SynthError(f"cannot write {path}: {e.strerror or e}.") from e
    finally:
        if writer is not None:
            writer.close()
        part.unlink(missing_ok=True)


def write_company(
    company: SyntheticCompany,
    out_dir: Path,
    fmt: Format = "csv",
    *,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Path]:
    """Write every table to ``out_dir/<table>.<fmt>`` and return the paths by table name.

    ``on_progress("writing tables", rows_done, rows_total)`` is told as rows are written.
    """
    if fmt not in FORMATS:
        raise SynthError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r}).")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SynthError(f"cannot create the output folder {out_dir}: {e.strerror}.") from e
    names = [t for t in TABLES if t in company.tables]
    total = sum(len(company.tables[name]) for name in names)
    done = 0

    def on_rows(rows: int) -> None:
        nonlocal done
        done += rows
        if on_progress:
            on_progress("writing tables", done, total)

    paths: dict[str, Path] = {}
    for name in names:
        paths[name] = out_dir / f"{name}.{fmt}"
        _write_table(company.tables[name], paths[name], fmt, on_rows)
    return paths
