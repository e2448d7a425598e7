"""What a per-process copy of the application state is keyed by, read in one statement.

Every ``/atrisk`` answer needs the served run, the team, the flagged accounts and who acted
on them. Each process keeps those (``storage.held``) and reads them again only when their key
moves. ``state_key(session)`` reads every key at once: one statement of small aggregates, once
per transaction (again after the session writes anything), so a copy built by one process is
dropped as soon as another process, a run, an ingest or a click changes what it was built
from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from storage.models import (
    Account,
    Action,
    Alert,
    IngestRun,
    ModelState,
    ModelStateEvent,
    Play,
    ScoringRun,
    TeamMember,
)

_MEMO = "atrisk.state_key"  # session.info: (transaction, StateKey)


@dataclass(frozen=True)
class StateKey:
    """Aggregates that move whenever what they key changes.

    ``ingest``: newest ingest run, the first and last account id, number of people (an
    ingest writes accounts and team in the transaction that records its run; the ids are two
    index look-ups where counting the accounts read them all: 12–20 ms on PostgreSQL per
    100k, twice per answer). ``runs``: newest scoring run,
    number of runs, of runs still running, failed and serving a fallback, and the newest
    finish (a run ends by updating its row). ``model``: newest kill-switch event and the
    newest change of the switch's row. ``activity``: newest alert, number posted, newest
    action, number of actions, newest play and number still open (what ``handling`` reads).
    Every product's rows count (a run of the other product only makes a copy be read again)."""

    ingest: tuple[int | None, str | None, str | None, int]
    runs: tuple[Any, ...]
    model: tuple[Any, ...]
    activity: tuple[Any, ...]


def _one(stmt: Any) -> Any:
    return stmt.scalar_subquery()


def _statement() -> Select[Any]:
    running = func.sum(case((ScoringRun.status == "running", 1), else_=0))
    failed = func.sum(case((ScoringRun.status == "failed", 1), else_=0))
    fallback = func.sum(case((ScoringRun.fallback.is_(True), 1), else_=0))
    return select(
        _one(select(func.max(IngestRun.id))),
        _one(select(func.min(Account.account_id))),
        _one(select(func.max(Account.account_id))),
        _one(select(func.count()).select_from(TeamMember)),
        _one(select(func.max(ScoringRun.id))),
        _one(select(func.count()).select_from(ScoringRun)),
        _one(select(running)),
        _one(select(failed)),
        _one(select(fallback)),
        _one(select(func.max(ScoringRun.finished_at))),
        _one(select(func.max(ModelStateEvent.id))),
        _one(select(func.max(ModelState.changed_at))),
        _one(select(func.max(Alert.id))),
        _one(select(func.count()).select_from(Alert).where(Alert.status == "posted")),
        _one(select(func.max(Action.id))),
        _one(select(func.count()).select_from(Action)),
        _one(select(func.max(Play.id))),
        _one(select(func.count()).select_from(Play).where(Play.status == "open")),
    )


# Built once and run as Core on the session's connection: no ORM step and a compiled-cache
# hit, so reading every key costs about as much as the cheapest ORM query. Across products:
# a run or a click of the other product only makes a copy be read again.
_STATEMENT = _statement()


def _read(session: Session) -> StateKey:
    row = tuple(session.connection().execute(_STATEMENT).one())
    return StateKey(
        ingest=(row[0], row[1], row[2], int(row[3] or 0)),
        runs=tuple(_plain(v) for v in row[4:10]),
        model=tuple(_plain(v) for v in row[10:12]),
        activity=tuple(_plain(v) for v in row[12:]),
    )


def _plain(value: Any) -> Any:
    """Aggregates as comparable Python values (a driver may give a Decimal or a string)."""
    if isinstance(value, dt.datetime | str | int | None):
        return value
    return int(value) if float(value).is_integer() else float(value)


def state_key(session: Session) -> StateKey:
    """The keys as of this transaction: read once per transaction and again after the
    session writes (a flush or an ORM update or delete)."""
    memo, now = session.info.get(_MEMO), session.get_transaction()
    if memo is not None and now is not None and memo[0] is now:
        return memo[1]
    value = _read(session)
    session.info[_MEMO] = (session.get_transaction(), value)
    return value


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _flush_context: Any) -> None:
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_after_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info.pop(_MEMO, None)
