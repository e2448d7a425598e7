"""Write a ``Company`` as a user's extract: a CSV folder, a Parquet folder or a SQLite database.

CSV is what a spreadsheet or a BI tool exports: UTF-8 with a byte-order mark, CRLF line ends,
ARR as ``12000.0``, timestamps with ``Z``, ``+02:00`` or no offset (mixed in one column),
empty cells for missing values. Parquet and SQLite keep the types a warehouse export has.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from tests.e2e.company import Company

TIMESTAMPS = {
    "integration_runs": ("ts",),
    "tickets": ("opened_at", "first_response_at", "closed_at"),
}
DATES = {"accounts": ("created_at", "renewal_date", "churned_at"), "usage": ("date",)}


def mixed_offsets(ts: pd.Series, seed: int = 0) -> pd.Series:
    """ISO 8601 text: a third with ``Z``, a third at ``+02:00``, a third without an offset."""
    style = np.random.default_rng(seed).integers(0, 3, len(ts))
    z = ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    plus2 = (ts + pd.Timedelta(hours=2)).dt.strftime("%Y-%m-%dT%H:%M:%S+02:00")
    naive = ts.dt.strftime("%Y-%m-%d %H:%M:%S")
    out = z.where(style == 0, plus2.where(style == 1, naive))
    return out.where(ts.notna(), "")


def as_text(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the text a CSV export holds."""
    out = frame.copy()
    for col in TIMESTAMPS.get(table, ()):
        out[col] = mixed_offsets(frame[col], seed=len(col))
    for col in DATES.get(table, ()):
        out[col] = [d.isoformat() if isinstance(d, dt.date) else "" for d in frame[col]]
    if "arr" in out:
        out["arr"] = [f"{x:.1f}" for x in frame["arr"]]
    return out


def write_csv(company: Company, folder: Path, *, sep: str = ",") -> Path:
    """One ``<table>.csv`` per table, UTF-8 with BOM and CRLF line ends."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in company.tables().items():
        as_text(name, frame).to_csv(
            folder / f"{name}.csv",
            index=False,
            sep=sep,
            encoding="utf-8-sig",
            lineterminator="\r\n",
        )
    return folder


def _typed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in DATES.get(table, ()):
        out[col] = pd.to_datetime(pd.Series(frame[col], dtype="object")).dt.date
    return out


def write_parquet(company: Company, folder: Path) -> Path:
    """One ``<table>.parquet`` per table with typed columns (dates, UTC timestamps, Int64)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in company.tables().items():
        _typed(name, frame).to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def write_sqlite(company: Company, path: Path) -> str:
    """The tables in a SQLite file (timestamps as text with an offset); returns its URL."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for name, frame in company.tables().items():
            _typed(name, frame).to_sql(name, conn, index=False, if_exists="replace")
        conn.commit()
    return f"sqlite:///{path}"
