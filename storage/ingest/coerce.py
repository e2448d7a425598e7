"""Turn source values into the contract's types; a value that is not of its type is a problem.

Text is trimmed and empty text is null. Numbers may be written ``3`` or ``3.0``; dates are
``YYYY-MM-DD`` (a time after the date is ignored; a date delivered as a zoned timestamp is the
calendar date in its own zone, as written); timestamps are ISO 8601, naive ones read as UTC.
Email addresses are normalised or refused (``storage.ingest.text``). Parquet and database
sources arrive typed and are converted the same way. Fast paths use arrow casts; only a column
that fails them is parsed row by row to find the bad values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api import types as pdt

from storage.ingest.columns import missing_required, near_misses
from storage.ingest.contract import Column, Table
from storage.ingest.problems import rows_problem
from storage.ingest.text import addresses, trim

_TIME_TAIL = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?"
_TYPE_RULES = {
    "float": "are not a number",
    "int": "are not a whole number",
    "label": "are not 0, 1 or empty",
    "date": "are not a date (YYYY-MM-DD)",
    "timestamp": "are not an ISO 8601 timestamp",
    "email": "are not one bare email address (name@domain.tld)",
}


@dataclass
class Typed:
    """One table with typed values (``frame``), the trimmed text it came from (``raw``)."""

    spec: Table
    frame: pd.DataFrame
    raw: pd.DataFrame
    origin: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def coerce_table(spec: Table, frame: pd.DataFrame, origin: str, found: Sequence[str] = ()) -> Typed:
    """Type every contract column of ``frame``; missing required columns are problems.

    ``found``: every header of the source, also those the contract does not use (to name them).
    """
    raw = pd.DataFrame({c: clean_text(frame[c]) for c in frame.columns}, index=frame.index)
    typed = Typed(spec, pd.DataFrame(index=frame.index), raw, origin)
    headers = list(found) or list(frame.columns)
    for col in spec.columns:
        if col.name not in frame.columns:
            if col.required:
                typed.problems.append(missing_required(spec, col.name, origin, headers))
            continue
        values, bad = convert(frame[col.name], raw[col.name], col)
        typed.frame[col.name] = values
        if bad is not None:
            problem = rows_problem(
                raw, spec, col.name, bad, _TYPE_RULES[col.kind], show_values=True
            )
            if problem:
                typed.problems.append(str(problem))
    if spec.open_columns:
        extra = [c for c in frame.columns if c not in spec.column_names]
        typed.frame["features"] = features_json(frame[extra], raw[extra])
    else:
        typed.warnings += near_misses(spec, list(frame.columns), headers, origin)
    return typed


def clean_text(s: pd.Series) -> pd.Series:
    """Text trimmed (also of invisible characters), with empty text as null; typed (non-text)
    columns are returned as they are."""
    if not pdt.is_string_dtype(s):
        return s
    return trim(s)


def convert(
    original: pd.Series, text: pd.Series, col: Column
) -> tuple[pd.Series, np.ndarray | None]:
    """(typed values, mask of values that are not of the column's type, or None)."""
    if col.kind in ("str", "email", "enum"):
        s = as_text(original, text)
        if col.kind == "email":
            return addresses(s)
        return (s.str.lower() if col.kind == "enum" else s), None
    if col.kind in ("float", "int", "label"):
        return _numbers(text, col)
    if col.kind == "date":
        return _dates(text)
    return _timestamps(text)


def as_text(original: pd.Series, text: pd.Series) -> pd.Series:
    """Text for a text column, also when a typed source stored ids as numbers."""
    if pdt.is_string_dtype(text):
        return text
    s = original
    if pdt.is_float_dtype(s) and bool((s.dropna() % 1 == 0).all()):
        s = s.astype("Int64")
    return clean_text(s.astype("str").mask(original.isna()))


def _arrow(s: pd.Series) -> pa.Array:
    return pa.array(s, from_pandas=True)


def _numbers(s: pd.Series, col: Column) -> tuple[pd.Series, np.ndarray | None]:
    whole = col.kind != "float"
    if pdt.is_bool_dtype(s):
        s = s.astype("Int64")
    if pdt.is_numeric_dtype(s):
        values = pd.to_numeric(s, errors="coerce")
        bad = np.zeros(len(s), dtype=bool)
    else:
        try:  # fast path: every value is a plain number
            values = _arrow(s).cast(pa.int64() if whole else pa.float64()).to_pandas()
            values.index = s.index
            bad = np.zeros(len(s), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = pd.to_numeric(s, errors="coerce")
            bad = (s.notna() & values.isna()).to_numpy()
    floats = values.astype("float64")
    bad = bad | (s.notna() & ~np.isfinite(floats.fillna(0))).to_numpy()  # "nan", "inf"
    if not whole:
        return floats.where(~bad), bad
    fractional = (floats.notna() & (floats % 1 != 0)).to_numpy()
    bad = bad | fractional
    if col.kind == "label":
        bad = bad | (floats.notna() & ~floats.isin([0, 1])).to_numpy()
    return floats.where(~bad).round().astype("Int64"), bad


def _dates(s: pd.Series) -> tuple[pd.Series, np.ndarray | None]:
    if pdt.is_datetime64_any_dtype(s):
        if isinstance(s.dtype, pd.DatetimeTZDtype):  # the calendar date where it was written
            s = s.dt.tz_localize(None)
        return s.dt.normalize().astype("datetime64[s]"), None
    if not pdt.is_string_dtype(s):  # e.g. date objects from a database
        s = s.astype("str").mask(s.isna())
    try:
        values = _arrow(s).cast(pa.date32()).to_pandas(date_as_object=False)
        values.index = s.index
        return values.astype("datetime64[s]"), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    head = pd.to_datetime(s.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    tail = s.str.slice(10)
    tail_ok = tail.isna() | (tail == "") | tail.str.fullmatch(_TIME_TAIL).fillna(False)
    values = head.where(tail_ok.astype(bool))
    bad = (s.notna() & values.isna()).to_numpy()
    return values.astype("datetime64[s]"), bad


def _timestamps(s: pd.Series) -> tuple[pd.Series, np.ndarray | None]:
    if pdt.is_datetime64_any_dtype(s):
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            return s.dt.tz_convert("UTC").astype("datetime64[us, UTC]"), None
        return s.dt.tz_localize("UTC").astype("datetime64[us, UTC]"), None
    if not pdt.is_string_dtype(s):
        s = s.astype("str").mask(s.isna())
    arr = _arrow(s)
    for target, naive in ((pa.timestamp("us", "UTC"), False), (pa.timestamp("us"), True)):
        try:
            cast = arr.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        values = pd.Series(cast.to_pandas(), index=s.index)
        values = values.dt.tz_localize("UTC") if naive else values
        return values.astype("datetime64[us, UTC]"), None
    values = pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")
    bad = (s.notna() & values.isna()).to_numpy()
    return values.astype("datetime64[us, UTC]"), bad


def features_json(original: pd.DataFrame, text: pd.DataFrame) -> pd.Series:
    """One JSON object per row of a team's own feature columns: numbers where all are numbers."""
    out = pd.DataFrame(index=original.index)
    for c in original.columns:
        s = text[c]
        if pdt.is_string_dtype(s):
            numbers = pd.to_numeric(s, errors="coerce")
            if bool((s.isna() == numbers.isna()).all()):
                s = numbers
        if pdt.is_float_dtype(s) and bool((s.dropna() % 1 == 0).all()):
            s = s.astype("Int64")
        elif pdt.is_datetime64_any_dtype(s):
            s = s.astype("str").mask(s.isna())
        out[c] = s
    if out.empty:
        return pd.Series(["{}"] * len(original), index=original.index, dtype="str")
    lines = out.to_json(orient="records", lines=True, double_precision=15, date_format="iso")
    return pd.Series(lines.splitlines(), index=original.index, dtype="str")
