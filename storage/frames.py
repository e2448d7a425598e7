"""A query's rows as a pandas frame, fetched the fastest way the engine offers.

``pandas.read_sql`` builds the frame from Python row tuples: for a 100k-row result that is
most of the time of a pushed-down query on DuckDB. DuckDB hands its result over column by
column instead (``fetch_df``), so on a DuckDB connection the statement is executed through
SQLAlchemy as usual (bound parameters, events and all) and the columns are taken from the
driver. Column names and values are the same; the dtypes may be narrower or wider (``int32``
for a 0/1 flag, ``float64`` for a ``SUM`` DuckDB types as ``HUGEINT``, ``datetime64`` for a
date), so callers convert each column to what they need, as they already do for
``read_sql``'s inferred dtypes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Executable


def read_frame(conn: Connection, stmt: Executable) -> pd.DataFrame:
    """The rows of ``stmt`` on ``conn`` as a frame, one column per selected column."""
    if conn.dialect.name != "duckdb":
        return pd.read_sql(stmt, conn)
    result = conn.execute(stmt)
    try:
        cursor: Any = result.cursor  # duckdb_engine's wrapper of the DuckDB connection
        frame = cursor.fetch_df()
    finally:
        result.close()
    assert isinstance(frame, pd.DataFrame)
    return frame
