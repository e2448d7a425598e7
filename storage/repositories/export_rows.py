"""Reads for ``atrisk export``: the rows of each exported table, one partition day at a time.

Each reader returns the store's columns as they are (reasons and playbooks as stored JSON);
``bot.report.export_tables`` shapes them into the exported columns. Every read is of one
product's rows (``storage.product``: ``account`` for churn, ``lead``): scores and alerts by
their ``product``, actions, plays and outcomes by their alert's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, select

from storage.models import Action, Alert, ModelVersion, Outcome, Play, Score
from storage.product import ACCOUNT

Query = Callable[[], Select[*tuple[Any, ...]]]


def _scores() -> Select[*tuple[Any, ...]]:
    return select(
        Score.as_of,
        Score.run_id,
        Score.account_id,
        ModelVersion.version.label("model_version"),
        Score.shadow,
        Score.risk,
        Score.flagged,
        Score.rank,
        Score.portfolio_rank,
        Score.portfolio_size,
        Score.portfolio_median_risk,
        Score.reasons,
    ).join(ModelVersion, ModelVersion.id == Score.model_version_id)


def _alerts() -> Select[*tuple[Any, ...]]:
    return select(
        Alert.id.label("alert_id"),
        Alert.as_of,
        Alert.account_id,
        Alert.csm_email,
        Alert.posted_channel,
        Alert.channel,
        Alert.status,
        Alert.risk,
        Alert.previous_risk,
        Alert.arr,
        Alert.fallback,
        Alert.reasons,
        Alert.playbooks,
        Alert.run_id,
        ModelVersion.version.label("model_version"),
        Alert.created_at,
        Alert.posted_at,
    ).outerjoin(ModelVersion, ModelVersion.id == Alert.model_version_id)


def _actions() -> Select[*tuple[Any, ...]]:
    return select(
        Action.id.label("action_id"),
        Action.alert_id,
        Alert.account_id,
        Action.kind,
        Action.playbook_id,
        Alert.playbooks,
        Action.dismiss_reason,
        Action.user_email,
        Action.acted_at,
        Alert.posted_at,
    ).join(Alert, Alert.id == Action.alert_id)


def _plays() -> Select[*tuple[Any, ...]]:
    return select(
        Play.id.label("play_id"),
        Play.alert_id,
        Play.account_id,
        Play.kind,
        Play.playbook_id,
        Play.title,
        Play.owner_email,
        Play.risk,
        Play.opened_on,
        Play.due_on,
        Play.check_on,
        Play.status,
        Play.closed_at,
    )


def _outcomes() -> Select[*tuple[Any, ...]]:
    return select(
        Outcome.alert_id,
        Outcome.account_id,
        Outcome.observed_on,
        Outcome.state,
        Outcome.arr_before,
        Outcome.arr_after,
        Outcome.acted,
        Outcome.held_out,
    )


#: table → (its query, the stored column its partition day comes from)
SOURCES: dict[str, tuple[Query, Any]] = {
    "scores": (_scores, Score.as_of),
    "alerts": (_alerts, Alert.as_of),
    "actions": (_actions, Action.acted_at),
    "plays": (_plays, Play.opened_on),
    "outcomes": (_outcomes, Outcome.observed_on),
}


def _of_product(
    stmt: Select[*tuple[Any, ...]], table: str, product: str, *, joined: bool
) -> Select[*tuple[Any, ...]]:
    """``stmt`` restricted to ``product``'s rows; ``joined``: ``stmt`` already joins the alert."""
    if table == "scores":
        return stmt.where(Score.product == product)
    if table != "alerts" and not joined:
        owner = {"actions": Action.alert_id, "plays": Play.alert_id, "outcomes": Outcome.alert_id}
        stmt = stmt.join(Alert, Alert.id == owner[table])
    return stmt.where(Alert.product == product)


def _day_of(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def partition_days(
    engine: Engine, table: str, *, since: dt.date | None, product: str = ACCOUNT
) -> list[dt.date]:
    """The days ``table`` has ``product``'s rows for, from ``since`` on (every day when None);
    a timestamp's day is its UTC date."""
    _, col = SOURCES[table]
    stmt = _of_product(select(col).distinct(), table, product, joined=False)
    if since is not None:
        stmt = stmt.where(col >= (_start(since) if table == "actions" else since))
    with engine.connect() as conn:
        return sorted({_day_of(v) for v in conn.execute(stmt).scalars() if v is not None})


def rows_of_day(
    engine: Engine, table: str, day: dt.date, *, product: str = ACCOUNT
) -> pd.DataFrame:
    """``table``'s stored rows of ``product`` whose partition day is ``day``."""
    query, col = SOURCES[table]
    stmt = _of_product(query(), table, product, joined=table in ("alerts", "actions"))
    if table == "actions":
        stmt = stmt.where(col >= _start(day), col < _start(day + dt.timedelta(days=1)))
    else:
        stmt = stmt.where(col == day)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame([tuple(r) for r in result.all()], columns=list(result.keys()))
