"""SQL expressions that trim and type an event file's text the way the contract reads it.

A value is trimmed of whitespace and invisible characters (empty is NULL) and typed by its
column's kind (``int``, ``float``, ``date``, ``timestamp``; ``enum`` lower-cased; ``str`` as
it is); NULL where it is not of its type. The usual plain values take a shortcut that types them
alike. Shared by the staged reading (``stream_duckdb``), the rules (``stream_rules``) and the
direct load of a first ingest (``stream_direct``).
"""

from __future__ import annotations

from storage.ingest.contract import Column
from storage.ingest.text import TRIMMED

_TIME_TAIL = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?"


def text_of(column: str) -> str:
    return f"x.{q(column)}"


def value_of(column: str) -> str:
    return f"x.{q('v.' + column)}"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def trimmed(ref: str) -> str:
    """Text trimmed of whitespace and invisible characters, empty as NULL. Trimming with a set
    of characters is slow, so only values that start or end outside printable ASCII get it (the
    first character is compared as bytes: a string between ``!`` and DEL starts with one)."""
    x = ref
    plain = f"{x} >= '!' AND {x} < chr(127) AND unicode({x}[-1]) BETWEEN 33 AND 126"
    return f"NULLIF(CASE WHEN {plain} THEN {x} ELSE trim({x}, {lit(TRIMMED)}) END, '')"


def as_text(ref: str, duck_type: str | None) -> str:
    """A file's column as text: a whole number stored as a float reads as ``1001``, not
    ``1001.0`` (pandas writes an id column with a gap as float64), as the Arrow path reads it."""
    if duck_type in ("DOUBLE", "FLOAT"):
        whole = f"isfinite({ref}) AND {ref} = floor({ref}) AND abs({ref}) <= {_EXACT}"
        return (
            f"CASE WHEN {whole} THEN CAST(CAST({ref} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({ref} AS VARCHAR) END"
        )
    return f"CAST({ref} AS VARCHAR)"


def _number(ref: str) -> str:
    return f"TRY_CAST({ref} AS DOUBLE)"


def typed(col: Column, ref: str) -> str:
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


#: text that needs no trimming and that a plain cast types exactly as ``_typed`` does
_PLAIN = {
    "int": r"[0-9]{1,15}",
    "float": r"-?[0-9]{1,15}(\.[0-9]{1,15})?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
}
_PLAIN_TYPE = {"int": "BIGINT", "float": "DOUBLE", "date": "DATE"}
#: the Parquet column types (as DuckDB names them) taken as they are for a kind: the values the
#: text path would type alike, not parsed again
NATIVE = {
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
}


def typed_raw(col: Column, raw: str) -> str:
    """``typed`` of the trimmed ``raw`` text, with a shortcut for the usual plain values: a whole
    number of up to 15 digits (exact as a double, so typed alike either way) or an ISO date,
    each written exactly as DuckDB writes the value back (so nothing to trim, no sign or leading
    zero, no time); a number as ``_PLAIN`` reads it. Only the values that miss the shortcut are
    trimmed and typed the long way."""
    slow = typed(col, trimmed(raw))
    if col.kind not in _PLAIN:
        return slow
    fast = f"TRY_CAST({raw} AS {_PLAIN_TYPE[col.kind]})"
    if col.kind == "int":  # a cast and its text compared: cheaper than a regular expression
        plain = f"CAST({fast} AS VARCHAR) = {raw} AND {fast} BETWEEN -{_EXACT} AND {_EXACT}"
    elif col.kind == "date":
        plain = f"{raw} LIKE '____-__-__' AND CAST({fast} AS VARCHAR) = {raw}"
    else:
        plain = f"regexp_full_match({raw}, {lit(_PLAIN[col.kind])})"
    return f"CASE WHEN {plain} THEN {fast} ELSE {slow} END"


#: the largest whole number of 15 digits (every one is exact as a double)
_EXACT = 999_999_999_999_999


TYPE_RULES = {
    "float": "are not a number",
    "int": "are not a whole number",
    "label": "are not 0, 1 or empty",
    "date": "are not a date (YYYY-MM-DD)",
    "timestamp": "are not an ISO 8601 timestamp",
}


__all__ = [
    "NATIVE",
    "TYPE_RULES",
    "as_text",
    "lit",
    "q",
    "text_of",
    "trimmed",
    "typed",
    "typed_raw",
    "value_of",
]
