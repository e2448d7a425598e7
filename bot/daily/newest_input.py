"""The newest day of input, as ``atrisk status`` and ``/atrisk status`` show it, without
opening the source for every question.

An ingested source (the embedded DuckDB file, ``ATRISK_SOURCE_URL``, or the application
database itself) changes only through ``atrisk ingest``, which records an ``IngestRun`` when
it succeeds; so the reading is held per process, keyed by the newest ingest run and the day
asked about, and read again after an ingest. A source read in place (a URL
``contract.source``) changes without atrisk knowing, so it is read every time.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Hashable
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.daily import fallback
from storage.models import IngestRun

if TYPE_CHECKING:
    from bot.ports import Root

_lock = threading.Lock()
_held: weakref.WeakKeyDictionary[Engine, tuple[Hashable, dt.date | None]] = (
    weakref.WeakKeyDictionary()
)


def newest_input(ctx: Root, session: Session, today: dt.date) -> dt.date | None:
    """``fallback.newest_event`` for ``today`` on the context's source; ``session`` is on the
    application database (where ingest runs are recorded)."""
    if ctx.source_in_place:
        with ctx.source_engine.connect() as source:
            return fallback.newest_event(source, ctx.spec, today)
    spec = ctx.spec
    key = (
        session.scalar(select(func.max(IngestRun.id))),
        today,
        spec.entity.kind,
        spec.contract.features,
    )
    engine = session.get_bind().engine
    held = _held.get(engine)
    if held is not None and held[0] == key:
        return held[1]
    with _lock, ctx.source_engine.connect() as source:
        newest = fallback.newest_event(source, spec, today)
        _held[engine] = (key, newest)
    return newest


def forget() -> None:
    """Drop every reading held (tests)."""
    with _lock:
        _held.clear()
