"""Lead features with the aggregation pushed down as SQL (DuckDB, SQLite, PostgreSQL, warehouses).

Two queries: one row per lead from ``lead_activity`` and one row per company (distinct people
active this week, and in the trial). pandas only applies ``scoring.lead_features.finish_leads``,
the same last step as the pandas oracle, so both give the same numbers. Window bounds are bound
timestamp parameters, so the ``ts`` index is used and no dialect date arithmetic is needed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Select, and_, case, func, select

from scoring.feature_index import day_numbers
from scoring.lead_features import (
    COUNTS,
    LeadParams,
    categories_of_leads,
    finish_leads,
    lead_columns,
    open_mask,
)
from storage.lead_models import Lead, LeadActivity


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return case((cond, 1), else_=0)


def _per_lead(as_of: dt.date, params: LeadParams) -> Select[*tuple[Any, ...]]:
    A = LeadActivity
    w = dt.timedelta(days=params.window_days)
    cut, w0, w1 = _midnight(as_of), _midnight(as_of - w), _midnight(as_of - 2 * w)
    last, two = A.ts >= w0, A.ts >= w1
    return (
        select(
            A.lead_id,
            func.sum(_flag(last)).label("n_last"),
            func.sum(_flag(and_(two, A.ts < w0))).label("n_prev"),
            func.sum(_flag(and_(two, A.type == "email_reply"))).label("replies_2w"),
            func.sum(_flag(and_(last, A.type == "pricing_page"))).label("pricing_last"),
            func.sum(_flag(and_(two, A.type == "demo_request"))).label("demos_2w"),
            func.sum(_flag(and_(two, A.type == "meeting"))).label("meetings_2w"),
            func.sum(_flag(A.type == "trial_signup")).label("trial_signups"),
            func.sum(_flag(and_(last, A.type == "trial_event"))).label("trial_last"),
            func.max(A.ts).label("last_ts"),
            func.max(case((A.type == "demo_request", A.ts))).label("last_demo_ts"),
        )
        .where(A.ts < cut)
        .group_by(A.lead_id)
    )


def _per_company(as_of: dt.date, params: LeadParams) -> Select[*tuple[Any, ...]]:
    A, L = LeadActivity, Lead
    cut = _midnight(as_of)
    w0 = _midnight(as_of - dt.timedelta(days=params.window_days))
    trial = case((A.type == "trial_event", A.lead_id))
    return (
        select(
            L.company,
            func.count(func.distinct(A.lead_id)).label("people_7d"),
            func.count(func.distinct(trial)).label("trial_people_7d"),
        )
        .join(L, L.lead_id == A.lead_id)
        .where(A.ts >= w0, A.ts < cut)
        .group_by(L.company)
    )


def build_lead_features_sql(engine: Engine, as_of: dt.date, params: LeadParams) -> pd.DataFrame:
    """``build_lead_features`` with the aggregation done by the database: one row per open
    lead (index ``lead_id``); the activity table is never fetched."""
    with engine.connect() as conn:
        leads = pd.read_sql(select(Lead).order_by(Lead.lead_id), conn)
        per_lead = pd.read_sql(_per_lead(as_of, params), conn)
        per_company = pd.read_sql(_per_company(as_of, params), conn)
    cols = lead_columns(leads)
    cols = cols[open_mask(cols, as_of)]
    per_lead["lead_id"] = per_lead["lead_id"].astype("str")
    raw = per_lead.set_index("lead_id").reindex(cols.index)
    for name in COUNTS:
        raw[name] = pd.to_numeric(raw[name]).astype(float).fillna(0.0)
    raw["last_day"] = day_numbers(raw["last_ts"].to_numpy())
    raw["last_demo_day"] = day_numbers(raw["last_demo_ts"].to_numpy())
    by_company = per_company.set_index(per_company["company"].astype("str"))
    for name in ("people_7d", "trial_people_7d"):
        counts = pd.to_numeric(by_company[name]).astype(float)
        raw[name] = cols["company"].map(counts).fillna(0.0).to_numpy()
    return finish_leads(raw, cols, as_of, params, categories_of_leads(leads))


__all__ = ["build_lead_features_sql"]
