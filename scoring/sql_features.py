"""The leading indicators with the aggregation pushed down as SQL (SQLite, PostgreSQL, warehouses).

Each event table is reduced to one row per account by the database; pandas only applies
``scoring.features.finish``, the same last step as the pandas path, so both give the same
numbers. Window bounds are bound date/timestamp parameters, so the date and ``ts`` indexes are
used and no dialect date arithmetic is needed. Names are ordered byte-wise (``COLLATE "C"`` on
PostgreSQL, SQLite's default) to break ties the way Python does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    case,
    func,
    or_,
    select,
)

from scoring.feature_index import PRIORITY_RANK, URGENT, day_numbers
from scoring.features import (
    FeatureParams,
    account_columns,
    categories_of,
    day_number,
    finish,
)
from storage.frames import read_frame
from storage.models import Account, IntegrationRun, Ticket, Usage


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return case((cond, 1), else_=0)


def _bytewise(col: Any, dialect: str) -> Any:
    return col.collate("C") if dialect == "postgresql" else col


def _usage_query(as_of: dt.date, params: FeatureParams) -> Select[*tuple[Any, ...]]:
    """The whole history before ``as_of``: key features ever used and the last active day."""
    per_feature = (
        select(Usage.account_id, Usage.feature, func.max(Usage.date).label("last_used"))
        .where(Usage.date < as_of, Usage.events > 0)
        .group_by(Usage.account_id, Usage.feature)
        .subquery("per_feature")
    )
    keys = [
        func.max(_flag(per_feature.c.feature == name)).label(f"key_used_{i}")
        for i, name in enumerate(params.key_features)
    ]
    return select(
        per_feature.c.account_id, *keys, func.max(per_feature.c.last_used).label("last_active")
    ).group_by(per_feature.c.account_id)


def _adoption_query(as_of: dt.date, params: FeatureParams) -> Select[*tuple[Any, ...]]:
    """Distinct features used in the last window and the one before (the date index applies)."""
    w = dt.timedelta(days=params.window_days)
    last = Usage.date >= as_of - w
    return (
        select(
            Usage.account_id,
            func.count(func.distinct(case((last, Usage.feature)))).label("adopted_last"),
            func.count(func.distinct(case((last, None), else_=Usage.feature))).label(
                "adopted_prev"
            ),
        )
        .where(Usage.date >= as_of - 2 * w, Usage.date < as_of, Usage.events > 0)
        .group_by(Usage.account_id)
    )


def _daily_query(as_of: dt.date, params: FeatureParams) -> Select[*tuple[Any, ...]]:
    w = dt.timedelta(days=params.window_days)
    daily = (
        select(
            Usage.account_id,
            Usage.date,
            func.sum(Usage.events).label("e"),
            func.max(Usage.active_users).label("u"),
        )
        .where(Usage.date >= as_of - 2 * w, Usage.date < as_of)
        .group_by(Usage.account_id, Usage.date)
        .subquery("daily")
    )
    last = daily.c.date >= as_of - w
    return select(
        daily.c.account_id,
        func.sum(case((last, daily.c.e), else_=0)).label("events_last"),
        func.sum(case((last, 0), else_=daily.c.e)).label("events_prev"),
        func.sum(case((last, daily.c.u), else_=0)).label("users_last_sum"),
        func.sum(case((last, 0), else_=daily.c.u)).label("users_prev_sum"),
    ).group_by(daily.c.account_id)


def _runs_query(as_of: dt.date, params: FeatureParams, dialect: str) -> Select[*tuple[Any, ...]]:
    R = IntegrationRun
    cut = _midnight(as_of)
    start = _midnight(as_of - dt.timedelta(days=params.window_days))
    failed = R.status != "success"
    per_key = (
        select(
            R.account_id,
            R.integration,
            func.sum(_flag(R.ts >= start)).label("runs_w"),
            func.sum(_flag(and_(R.ts >= start, failed))).label("fails_w"),
            func.max(case((R.status == "success", R.ts))).label("last_ok"),
            func.min(R.ts).label("first_ts"),
            func.max(R.ts).label("last_ts"),
        )
        .where(R.ts < cut)
        .group_by(R.account_id, R.integration)
        .subquery("per_key")
    )
    # the streak: the runs after the last success (all runs if none), read only for the
    # integrations whose last run failed; a range on the (account_id, ts) primary key
    broken = or_(per_key.c.last_ok.is_(None), per_key.c.last_ts > per_key.c.last_ok)
    after = IntegrationRun.__table__.alias("after_ok")
    streaks = (
        select(
            per_key.c.account_id,
            per_key.c.integration,
            per_key.c.runs_w,
            per_key.c.fails_w,
            func.coalesce(per_key.c.last_ok, per_key.c.first_ts).label("anchor"),
            func.count(after.c.ts).label("streak"),
        )
        .select_from(per_key)
        .outerjoin(
            after,
            and_(
                after.c.account_id == per_key.c.account_id,
                after.c.integration == per_key.c.integration,
                broken,
                after.c.ts >= func.coalesce(per_key.c.last_ok, per_key.c.first_ts),
                after.c.ts < cut,
                after.c.status != "success",
            ),
        )
        .group_by(
            per_key.c.account_id,
            per_key.c.integration,
            per_key.c.runs_w,
            per_key.c.fails_w,
            per_key.c.last_ok,
            per_key.c.first_ts,
        )
        .subquery("streaks")
    )
    s = streaks.c
    rn = (
        func.row_number()
        .over(
            partition_by=s.account_id,
            order_by=(s.fails_w.desc(), s.streak.desc(), _bytewise(s.integration, dialect)),
        )
        .label("rn")
    )
    ranked = select(streaks, rn).subquery("ranked")
    k = ranked.c

    def at_rank(i: int, col: Any, failing: bool = False) -> Any:
        cond = and_(k.rn == i, k.fails_w > 0) if failing else k.rn == i
        return func.max(case((cond, col)))

    return select(
        k.account_id,
        func.sum(k.runs_w).label("runs_w"),
        func.sum(k.fails_w).label("fails_w"),
        func.sum(_flag(k.streak > 0)).label("broken"),
        func.sum(_flag(k.fails_w > 0)).label("n_failing"),
        at_rank(1, k.integration).label("worst_integration"),
        at_rank(2, k.integration, failing=True).label("failing_2"),
        at_rank(3, k.integration, failing=True).label("failing_3"),
        at_rank(1, k.streak).label("worst_streak"),
        at_rank(1, k.anchor).label("worst_anchor"),
    ).group_by(k.account_id)


def _tickets_query(as_of: dt.date, params: FeatureParams) -> Select[*tuple[Any, ...]]:
    T = Ticket
    cut = _midnight(as_of)
    w0 = _midnight(as_of - dt.timedelta(days=params.window_days))
    w1 = _midnight(as_of - dt.timedelta(days=2 * params.window_days))
    c0 = _midnight(as_of - dt.timedelta(days=params.csat_days))
    is_open = or_(T.closed_at.is_(None), T.closed_at >= cut)
    rated = and_(T.closed_at >= c0, T.closed_at < cut, T.csat.is_not(None))
    return (
        select(
            T.account_id,
            func.sum(_flag(is_open)).label("open_tickets"),
            func.sum(_flag(and_(is_open, T.priority.in_(URGENT)))).label("urgent_open"),
            func.sum(_flag(T.opened_at >= w0)).label("tickets_last"),
            func.sum(_flag(and_(T.opened_at >= w1, T.opened_at < w0))).label("tickets_prev"),
            func.sum(case((rated, T.csat), else_=0)).label("csat_sum"),
            func.sum(_flag(rated)).label("csat_n"),
        )
        .where(T.opened_at < cut)
        .group_by(T.account_id)
    )


def _oldest_query(as_of: dt.date, dialect: str) -> Select[*tuple[Any, ...]]:
    T = Ticket
    cut = _midnight(as_of)
    rank = case(*((T.priority == p, r) for p, r in PRIORITY_RANK.items()), else_=-1)
    rn = (
        func.row_number()
        .over(
            partition_by=T.account_id,
            order_by=(T.opened_at, rank.desc(), _bytewise(T.ticket_id, dialect)),
        )
        .label("rn")
    )
    unanswered = (
        select(T.account_id, T.opened_at, T.priority, rn)
        .where(
            T.opened_at < cut,
            or_(T.closed_at.is_(None), T.closed_at >= cut),
            or_(T.first_response_at.is_(None), T.first_response_at >= cut),
        )
        .subquery("unanswered")
    )
    u = unanswered.c
    return select(
        u.account_id, u.opened_at.label("oldest_opened"), u.priority.label("oldest_priority")
    ).where(u.rn == 1)


def _frame(conn: Connection, stmt: Select[*tuple[Any, ...]]) -> pd.DataFrame:
    frame = read_frame(conn, stmt)
    frame["account_id"] = frame["account_id"].astype("str")
    return frame.set_index("account_id")


def _available_query(as_of: dt.date) -> Select[*tuple[Any, ...]]:
    return select(func.count(func.distinct(Usage.feature))).where(
        Usage.date < as_of, Usage.events > 0
    )


def _accounts_query() -> Select[*tuple[Any, ...]]:
    return select(Account).order_by(Account.account_id)


def per_account_queries(
    as_of: dt.date, params: FeatureParams, dialect: str
) -> list[Select[*tuple[Any, ...]]]:
    """The six event aggregations, each one row per account (``dialect``: the engine's name)."""
    return [
        _usage_query(as_of, params),
        _adoption_query(as_of, params),
        _daily_query(as_of, params),
        _runs_query(as_of, params, dialect),
        _tickets_query(as_of, params),
        _oldest_query(as_of, dialect),
    ]


def feature_queries(
    as_of: dt.date, params: FeatureParams, dialect: str
) -> list[Select[*tuple[Any, ...]]]:
    """Every query ``build_features_sql`` runs for one day: accounts, the six aggregations and
    the count of features in use (what a portability check compiles for each dialect)."""
    return [
        _accounts_query(),
        *per_account_queries(as_of, params, dialect),
        _available_query(as_of),
    ]


def build_features_sql(engine: Engine, as_of: dt.date, params: FeatureParams) -> pd.DataFrame:
    """``build_features`` with the aggregation done by the database; one row per account back.

    Every query runs on one connection (opening an embedded DuckDB file is not free)."""
    with engine.connect() as conn:
        accounts = read_frame(conn, _accounts_query())
        queries = per_account_queries(as_of, params, engine.dialect.name)
        parts = [_frame(conn, q) for q in queries]
        available = int(conn.execute(_available_query(as_of)).scalar_one())
    acc = account_columns(accounts)
    a = day_number(as_of)
    churned = day_numbers(accounts["churned_at"])
    active = (acc["created_day"].to_numpy() < a) & ~(churned <= a)
    acc = acc[active]
    idx = acc.index
    raw = pd.concat([p.reindex(idx) for p in parts], axis=1)
    text = ("worst_integration", "failing_2", "failing_3", "oldest_priority")
    for col in raw.columns:
        if col in text:
            raw[col] = raw[col].astype(object).where(raw[col].notna(), None)
        elif col not in ("last_active", "worst_anchor", "oldest_opened"):
            raw[col] = pd.to_numeric(raw[col]).astype(float).fillna(0.0)
    for i in range(len(params.key_features)):
        raw[f"key_used_{i}"] = raw[f"key_used_{i}"] > 0
    raw["features_available"] = float(available)
    raw["last_active_day"] = day_numbers(raw["last_active"].to_numpy())
    raw["worst_anchor_day"] = day_numbers(raw["worst_anchor"].to_numpy())
    opened = day_numbers(raw["oldest_opened"].to_numpy())
    raw["oldest_unanswered_days"] = np.where(np.isnan(opened), 0.0, a - opened)
    return finish(raw, acc, as_of, params, categories_of(accounts))


__all__ = ["build_features_sql", "feature_queries", "per_account_queries"]
