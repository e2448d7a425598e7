"""The served run's flagged accounts, read once per process and run: what every ``/atrisk``
queue answer counts, sums, sorts and pages in memory.

A run's scores never change, and an account's ARR and CSM change only with an ingest, so the
set is keyed by the run, its day, the session's product and the name index's ingest version
(the newest ingest, the first and last account id); a new run or an ingest reads it again.
Which accounts someone acted on changes with every click: ``handled_set`` keeps that, keyed by
the activity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy.orm import Session

from bot.answers.name_index import version
from storage.held import HeldPerEngine
from storage.product import product_of
from storage.repositories import queue as qq

_held: HeldPerEngine[tuple[qq.Flagged, ...]] = HeldPerEngine(most=2)  # two products


def flagged_in(
    session: Session, *, run_id: int, as_of: dt.date, csm_emails: Collection[str] | None
) -> list[qq.Flagged]:
    """The run's flagged live accounts whose CSM email is in ``csm_emails`` (None: all),
    riskiest first: the same rows as ``queue.flagged``, from the process's copy."""
    rows = _flagged(session, run_id, as_of)
    if csm_emails is None:
        return list(rows)
    scope = frozenset(csm_emails)
    return [f for f in rows if f.csm_email in scope]


def _flagged(session: Session, run_id: int, as_of: dt.date) -> tuple[qq.Flagged, ...]:
    key = (run_id, as_of, product_of(session), version(session))
    return _held.get(
        session.get_bind().engine,
        key,
        lambda: tuple(qq.flagged(session, run_id=run_id, as_of=as_of, csm_emails=None)),
    )


def forget() -> None:
    """Drop every set held (tests)."""
    _held.forget()
