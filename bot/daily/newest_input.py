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
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.daily import fallback
from storage.held import HeldPerEngine
from storage.state_key import state_key

if TYPE_CHECKING:
    from bot.ports import Root

_held: HeldPerEngine[dt.date | None] = HeldPerEngine()


def newest_input(ctx: Root, session: Session, today: dt.date) -> dt.date | None:
    """``fallback.newest_event`` for ``today`` on the context's source; ``session`` is on the
    application database (where ingest runs are recorded)."""
    if ctx.source_in_place:
        with ctx.source_engine.connect() as source:
            return fallback.newest_event(source, ctx.spec, today)
    spec = ctx.spec
    key = (state_key(session).ingest[0], today, spec.entity.kind, spec.contract.features)

    def read() -> dt.date | None:
        with ctx.source_engine.connect() as source:
            return fallback.newest_event(source, spec, today)

    return _held.get(session.get_bind().engine, key, read)


def forget() -> None:
    """Drop every reading held (tests)."""
    _held.forget()
