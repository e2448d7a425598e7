"""Many rows into one table with the driver's ``executemany``, converted column by column.

A Core ``INSERT`` executed for many parameter sets builds and converts every row's parameters
one at a time (tens of microseconds a row: two seconds for a day of 100k scores). Here the
statement is compiled once for the connection's dialect, each column's values go through
that column type's bind processor in one pass (dates, booleans and JSON become what the
driver takes, exactly as SQLAlchemy would convert them), and the driver gets the rows as
plain tuples. Columns with one value for every row (the product) are converted once, and so
is each distinct date, flag and empty value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert

BATCH = 20_000  # rows per executemany, so the driver's parameter lists stay bounded


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    same: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (each with the keys of the first) into ``table``, with the ``same``
    values in every row. Columns named nowhere get their server default.

    Raises ``KeyError`` naming a key that is not a column of ``table`` or missing from a row.
    """
    if not rows:
        return
    same = dict(same or {})
    keys = [k for k in rows[0] if k not in same] + list(same)
    dialect = conn.dialect
    unknown = [k for k in keys if k not in table.c]
    if unknown:
        raise KeyError(f"{table.name} has no column(s) {', '.join(unknown)}")
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    convert = {k: table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys}
    fixed = {k: convert[k](v) if convert[k] else v for k, v in same.items()}  # type: ignore[misc]
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        columns: dict[str, Sequence[Any]] = {}
        for k in keys:
            if k in fixed:
                columns[k] = [fixed[k]] * len(part)
                continue
            values = [r[k] for r in part]
            process = convert[k]
            columns[k] = _converted(values, process) if process else values
        if compiled.positional:
            order = [columns[k] for k in compiled.positiontup or ()]
            params: list[Any] = list(zip(*order, strict=True))
        else:
            params = [dict(zip(keys, v, strict=True)) for v in zip(*columns.values(), strict=True)]
        conn.exec_driver_sql(compiled.string, params)


def _converted(values: list[Any], process: Any) -> list[Any]:
    """``process`` applied to each value, each distinct plain value converted once: ``None``,
    ``[]`` and ``{}`` (an unflagged account has no reasons and no kept features), and
    booleans, dates and text (the day, the flags). Other values are converted one by one."""
    once: dict[Any, Any] = {}
    out = []
    for v in values:
        kind = type(v)
        if v is None or (kind in (list, dict) and not v):
            key: Any = kind
        elif kind in (bool, str, dt.date):
            key = (kind, v)
        else:
            out.append(process(v))
            continue
        if key not in once:
            once[key] = process(v)
        out.append(once[key])
    return out
