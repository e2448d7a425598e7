"""Dates as the databases return them: a ``date``, a ``datetime``, or ISO text (SQLite)."""

from __future__ import annotations

import datetime as dt


def day_of(value: object) -> dt.date:
    """The calendar day of ``value`` as a database returned it.

    A ``datetime`` gives its own (naive or local) date, a ``date`` itself, anything else is read
    as ISO text from its first ten characters (SQLite returns ``MIN``/``MAX`` of a date column
    as ``YYYY-MM-DD…`` text). Raises ``ValueError`` when that text is not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def day_or_none(value: object) -> dt.date | None:
    """``day_of(value)``, or ``None`` for ``None`` (an empty table's ``MIN``/``MAX``)."""
    return None if value is None else day_of(value)
