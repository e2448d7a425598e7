"""Point-in-time leading indicators: one row per account active at ``as_of``.

Only data strictly before ``as_of`` is read (usage dated before it, runs and tickets stamped
before its midnight UTC; a ticket's reply or closure counts only if it also happened before).
The same ``finish`` step turns per-account aggregates into features for the pandas path here
and the SQL path in ``scoring.sql_features``, so both give the same numbers. docs/features.md
defines every feature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.catalog import CATEGORICAL_FEATURES, FEATURES, HELPER_COLUMNS, MODEL_FEATURES
from scoring.feature_index import PointInTimeIndex, Sources, day_numbers

EPOCH = dt.date(1970, 1, 1)
UNPRIORITISED = "unprioritised"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FeatureParams:
    """Windows and key features; ``window_days`` is "the last N days vs the N before"."""

    key_features: tuple[str, ...] = ("Reports", "Dashboards", "Automations", "SSO", "API")
    window_days: int = 14
    horizon_days: int = 30
    csat_days: int = 90
    renewal_term_months: int = 12  # contract term of an account whose plan has none below
    renewal_terms_by_plan: tuple[tuple[str, int], ...] = ()  # (plan, term in months)


def lookback_days(params: FeatureParams) -> int:
    """How many days of events before ``as_of`` the windowed features read."""
    return max(2 * params.window_days, params.csat_days)


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def feature_columns() -> list[str]:
    """The columns of a feature frame, in order: model inputs, then display helpers."""
    return [*MODEL_FEATURES, *HELPER_COLUMNS]


def categories_of(accounts: pd.DataFrame) -> dict[str, list[str]]:
    """Fixed category lists for ``segment`` and ``plan`` (sorted), shared by every snapshot."""
    out: dict[str, list[str]] = {}
    for col in CATEGORICAL_FEATURES:
        values = accounts[col].dropna().astype("str").unique() if col in accounts else []
        out[col] = sorted(str(v) for v in values)
    return out


def days_to_renewal(
    renewal_day: np.ndarray, as_of: dt.date, term_months: int | np.ndarray = 12
) -> np.ndarray:
    """Days from ``as_of`` to the next renewal on or after it, for contract terms of any length.

    ``renewal_day``: day numbers, NaN when unknown; ``term_months``: each account's contract
    term (1 monthly, 12 annual, 36 three-year), one number or one per account. Renewals recur
    every term from ``renewal_date`` (see docs/features.md: the stored date is today's, so a
    past snapshot must not see how far ahead it lies), counted in calendar months: 2028-11-28
    on an annual term is 364 days after 2026-11-29 (its renewal 2027-11-28), never 0 as 730 mod
    365 would say. A day of month a month lacks falls on its last day (31 Jan monthly renews
    on 28 Feb, then 31 Mar; 29 February renews on 28 February in common years).
    """
    a = day_number(as_of)
    out = np.asarray(renewal_day, dtype=float) - a
    known = ~np.isnan(out)
    if known.any():
        day = renewal_day[known].astype(np.int64).astype("datetime64[D]")
        month_start = day.astype("datetime64[M]")
        months = month_start.astype(np.int64)  # months since 1970-01
        dom = (day - month_start.astype("datetime64[D]")).astype(np.int64) + 1
        term = np.broadcast_to(np.asarray(term_months, dtype=np.int64), out.shape)[known]
        now = (as_of.year - 1970) * 12 + as_of.month - 1
        k = np.floor_divide(now - months, term) - 1  # a renewal at least a term before as_of
        nxt = _in_month(months + k * term, dom)
        for _ in range(3):  # two steps reach the first renewal on or after as_of
            late = nxt < a
            k = np.where(late, k + 1, k)
            nxt = _in_month(months + k * term, dom)
        out[known] = nxt - a
    return out


def _in_month(months: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """Day numbers of day ``dom`` of each month (months since 1970-01), clamped to its length."""
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    last = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
    return np.minimum(first + dom - 1, last).astype(float)


def renewal_terms(plans: pd.Series, params: FeatureParams) -> np.ndarray:
    """Each account's contract term in months: its plan's in ``params.renewal_terms_by_plan``,
    else ``params.renewal_term_months``."""
    by_plan = dict(params.renewal_terms_by_plan)
    terms = plans.map(by_plan) if by_plan else pd.Series(np.nan, index=plans.index)
    return terms.fillna(params.renewal_term_months).to_numpy(dtype=np.int64)


def relative_change(last: pd.Series, prev: pd.Series) -> pd.Series:
    """(last − prev) / prev; with nothing before it is 0 when still nothing, else +1 (up 100 %)."""
    safe_prev = prev.where(prev > 0, 1.0)
    change = (last - prev) / safe_prev
    return change.where(prev > 0, np.where(last > 0, 1.0, 0.0))


def renewal_within(days_to_renewal: pd.Series, horizon_days: int) -> pd.Series:
    """1.0 when the next renewal falls within the horizon (``days_to_renewal ≤ horizon_days``),
    else 0.0; empty when the renewal is unknown. A contract ends at its renewal, so risk steps
    up when it is near; a straight line in ``days_to_renewal`` cannot draw that step."""
    return (days_to_renewal <= horizon_days).astype(float).where(days_to_renewal.notna())


def finish(
    raw: pd.DataFrame,
    accounts: pd.DataFrame,
    as_of: dt.date,
    params: FeatureParams,
    categories: dict[str, list[str]],
) -> pd.DataFrame:
    """Features from per-account aggregates (index ``account_id``) and the accounts' own columns.

    ``accounts`` is indexed by ``account_id`` in the same order as ``raw`` and holds
    segment, plan, arr, seats, created_day and renewal_day (day numbers, NaN when unknown).
    """
    a, w = day_number(as_of), params.window_days
    f = pd.DataFrame(index=raw.index)
    k = len(params.key_features)
    used = raw[[f"key_used_{i}" for i in range(k)]].to_numpy(dtype=bool)
    f["unadopted_key_features"] = (k - used.sum(axis=1)).astype(float)
    avail = raw["features_available"].astype(float).where(lambda x: x > 0, 1.0)
    f["adoption_breadth"] = raw["adopted_last"] / avail
    f["adoption_breadth_trend"] = (raw["adopted_last"] - raw["adopted_prev"]) / avail
    seats = pd.to_numeric(accounts["seats"]).astype(float)
    users_per_day = raw["users_last_sum"] / w
    f["users_per_seat"] = users_per_day / seats.where(seats > 0)
    f["users_per_seat_trend"] = relative_change(raw["users_last_sum"], raw["users_prev_sum"])
    f["usage_trend"] = relative_change(raw["events_last"], raw["events_prev"])
    tenure = a - accounts["created_day"].astype(float)
    f["days_since_last_activity"] = (a - raw["last_active_day"]).fillna(tenure)
    f["integration_failures_14d"] = raw["fails_w"].astype(float)
    runs = raw["runs_w"].astype(float)
    f["integration_failure_rate_14d"] = raw["fails_w"] / runs.where(runs > 0)
    f["consecutive_failures"] = raw["worst_streak"].astype(float)
    f["days_since_last_sync"] = a - raw["worst_anchor_day"].astype(float)
    f["broken_integrations"] = raw["broken"].astype(float)
    f["open_tickets"] = raw["open_tickets"].astype(float)
    f["oldest_unanswered_ticket_days"] = raw["oldest_unanswered_days"].astype(float)
    f["urgent_open_tickets"] = raw["urgent_open"].astype(float)
    f["ticket_volume_trend"] = (raw["tickets_last"] - raw["tickets_prev"]).astype(float)
    n_csat = raw["csat_n"].astype(float)
    f["csat_mean"] = raw["csat_sum"] / n_csat.where(n_csat > 0)
    f["days_to_renewal"] = days_to_renewal(
        accounts["renewal_day"].to_numpy(dtype=float),
        as_of,
        renewal_terms(accounts["plan"], params),
    )
    f["renewal_within_horizon"] = renewal_within(f["days_to_renewal"], params.horizon_days)
    f["tenure_days"] = tenure
    f["seats"] = seats
    f["arr"] = pd.to_numeric(accounts["arr"]).astype(float)
    for col in CATEGORICAL_FEATURES:
        values = accounts[col].astype("str").where(accounts[col].notna())
        f[col] = pd.Categorical(values, categories=categories[col])
    _add_helpers(f, raw, params, users_per_day)
    return f[feature_columns()]


def _add_helpers(
    f: pd.DataFrame, raw: pd.DataFrame, params: FeatureParams, users_per_day: pd.Series
) -> None:
    f["unadopted_key_features_names"] = _unadopted_names(raw, params.key_features)
    f["key_features_total"] = float(len(params.key_features))
    f["features_available"] = raw["features_available"].astype(float)
    f["adopted_features_last_window"] = raw["adopted_last"].astype(float)
    f["adopted_features_prev_window"] = raw["adopted_prev"].astype(float)
    f["active_users_per_day"] = users_per_day.astype(float)
    f["events_last_window"] = raw["events_last"].astype(float)
    f["events_prev_window"] = raw["events_prev"].astype(float)
    f["worst_integration"] = _str(raw["worst_integration"])
    f["failing_integrations"] = _failing_names(raw)
    f["integration_runs_14d"] = raw["runs_w"].astype(float)
    prio = _str(raw["oldest_priority"])
    has_unanswered = raw["oldest_unanswered_days"] > 0
    f["oldest_unanswered_ticket_priority"] = prio.where(
        ~has_unanswered | prio.notna(), UNPRIORITISED
    ).where(has_unanswered)
    f["tickets_last_window"] = raw["tickets_last"].astype(float)
    f["tickets_prev_window"] = raw["tickets_prev"].astype(float)
    f["csat_responses"] = raw["csat_n"].astype(float)
    f["window_days"] = float(params.window_days)
    f["csat_days"] = float(params.csat_days)


def _unadopted_names(raw: pd.DataFrame, key_features: tuple[str, ...]) -> pd.Series:
    """ "Reports, SSO, API": the never-used key features, in the spec's order (NaN if none)."""
    k = len(key_features)
    used = raw[[f"key_used_{i}" for i in range(k)]].to_numpy(dtype=bool)
    pattern = (~used).astype(np.int64) @ (1 << np.arange(k, dtype=np.int64))
    text = {
        p: ", ".join(kf for i, kf in enumerate(key_features) if p >> i & 1) or None
        for p in np.unique(pattern)
    }
    return pd.Series([text[p] for p in pattern], index=raw.index, dtype="str")


def _failing_names(raw: pd.DataFrame) -> pd.Series:
    """ "Salesforce", "Salesforce and HubSpot", …: integrations with failures, worst first."""
    out = pd.Series(None, index=raw.index, dtype="str")
    failing = raw["n_failing"].to_numpy() > 0
    if not failing.any():
        return out
    part = raw[failing]
    n = part["n_failing"].to_numpy(dtype=np.int64)
    w, f2, f3 = (
        _str(part[c]).fillna("").to_numpy(dtype=object)
        for c in ("worst_integration", "failing_2", "failing_3")
    )
    text = np.where(
        n == 1,
        w,
        np.where(
            n == 2,
            w + " and " + f2,
            np.where(n == 3, w + ", " + f2 + " and " + f3, w + ", " + f2 + ", " + f3),
        ),
    )
    more = np.char.add(" and ", np.maximum(n - 3, 0).astype(str)).astype(object) + " more"
    out[failing] = np.where(n > 3, text + more, text)
    return out


def _str(values: pd.Series) -> pd.Series:
    """Text with NaN where missing (None or NaN in, pandas ``str`` dtype out)."""
    return values.astype("str")


def account_columns(accounts: pd.DataFrame) -> pd.DataFrame:
    """The accounts' own columns ``finish`` needs, indexed by ``account_id`` (str)."""

    def col(name: str) -> Any:
        return accounts[name].to_numpy() if name in accounts else np.full(len(accounts), None)

    out = pd.DataFrame(
        {
            "segment": pd.Series(col("segment"), dtype="str"),
            "plan": pd.Series(col("plan"), dtype="str"),
            "arr": pd.to_numeric(pd.Series(col("arr")), errors="coerce").astype(float),
            "seats": pd.to_numeric(pd.Series(col("seats")), errors="coerce").astype(float),
            "created_day": day_numbers(accounts["created_at"]),
            "renewal_day": day_numbers(col("renewal_date")),
        }
    )
    out.index = pd.Index(accounts["account_id"].astype("str"), name="account_id")
    return out


class FeatureBuilder:
    """Features for many ``as_of`` dates from one set of source frames, indexed once."""

    def __init__(self, src: Sources, params: FeatureParams) -> None:
        self.params = params
        self.index = PointInTimeIndex(src, params.key_features)
        self.accounts = account_columns(src.accounts)
        self.categories = categories_of(src.accounts)

    def at(self, as_of: dt.date) -> pd.DataFrame:
        a = day_number(as_of)
        active = self.index.active(a)
        raw = self.index.raw(a, self.params.window_days, self.params.csat_days).iloc[active]
        return finish(raw, self.accounts.iloc[active], as_of, self.params, self.categories)


def build_features(src: Sources, as_of: dt.date, params: FeatureParams) -> pd.DataFrame:
    """One row per account active at ``as_of`` (index ``account_id``), catalog columns in order."""
    return FeatureBuilder(src, params).at(as_of)


__all__ = [
    "FEATURES",
    "MODEL_FEATURES",
    "FeatureBuilder",
    "FeatureParams",
    "build_features",
    "feature_columns",
    "lookback_days",
]
