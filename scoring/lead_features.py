"""Point-in-time lead features: one row per lead open at ``as_of``, from ``leads`` and
``lead_activity`` (the pandas oracle; ``scoring.lead_sql_features`` pushes the same
aggregation down as SQL and both end in ``finish_leads``, so they give the same numbers).

Only activity stamped before ``as_of``'s midnight UTC is read. A lead is open at ``as_of`` when
it was created before that day and neither converted nor was disqualified on or before it. Its
label is 1 when ``converted_at`` lies in ``(as_of, as_of + horizon_days]``. docs/lead-scoring.md
defines every feature.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.feature_index import day_numbers, floats
from scoring.features import day_number, relative_change
from scoring.lead_catalog import LEAD_CATEGORICAL, LEAD_HELPER_COLUMNS, LEAD_MODEL_FEATURES

#: per-lead aggregates both paths compute (counts are 0 for a lead with no activity)
COUNTS = (
    "n_last",
    "n_prev",
    "replies_2w",
    "pricing_last",
    "demos_2w",
    "meetings_2w",
    "trial_signups",
    "trial_last",
)


@dataclass(frozen=True)
class LeadParams:
    """``window_days``: "this week" (7); the slower signals read twice that."""

    window_days: int = 7
    horizon_days: int = 30


@dataclass(frozen=True)
class LeadSources:
    """The two lead tables as frames (columns as in the input contract)."""

    leads: pd.DataFrame
    activity: pd.DataFrame


def lead_feature_columns() -> list[str]:
    """The columns of a lead feature frame, in order: model inputs, then display helpers."""
    return [*LEAD_MODEL_FEATURES, *LEAD_HELPER_COLUMNS]


def lead_columns(leads: pd.DataFrame) -> pd.DataFrame:
    """The leads' own columns, indexed by ``lead_id`` (str), dates as day numbers."""

    def col(name: str) -> np.ndarray:
        return leads[name].to_numpy() if name in leads else np.full(len(leads), None)

    out = pd.DataFrame(
        {
            "company": pd.Series(col("company"), dtype="str"),
            "segment": pd.Series(col("segment"), dtype="str"),
            "source": pd.Series(col("source"), dtype="str"),
            "employees": floats(pd.Series(col("employees"))),
            "created_day": day_numbers(col("created_at")),
            "converted_day": day_numbers(col("converted_at")),
            "disqualified_day": day_numbers(col("disqualified_at")),
        }
    )
    out.index = pd.Index(leads["lead_id"].astype("str"), name="lead_id")
    return out.sort_index()


def open_mask(cols: pd.DataFrame, as_of: dt.date) -> np.ndarray:
    """Leads open at ``as_of``: created before it, not converted or disqualified by then."""
    a = day_number(as_of)
    closed = (cols["converted_day"].to_numpy() <= a) | (cols["disqualified_day"].to_numpy() <= a)
    return np.asarray((cols["created_day"].to_numpy() < a) & ~closed)


def categories_of_leads(leads: pd.DataFrame) -> dict[str, list[str]]:
    """Fixed, sorted category lists for ``segment`` and ``source``."""
    out: dict[str, list[str]] = {}
    for col in LEAD_CATEGORICAL:
        values = leads[col].dropna().astype("str").unique() if col in leads else []
        out[col] = sorted(str(v) for v in values)
    return out


def conversion_labels(cols: pd.DataFrame, as_of: dt.date, horizon_days: int) -> np.ndarray:
    """1 where a lead converted in ``(as_of, as_of + horizon_days]`` (rows of ``cols``)."""
    a = day_number(as_of)
    conv = cols["converted_day"].to_numpy()
    return ((conv > a) & (conv <= a + horizon_days)).astype(int)


def finish_leads(
    raw: pd.DataFrame,
    cols: pd.DataFrame,
    as_of: dt.date,
    params: LeadParams,
    categories: dict[str, list[str]],
) -> pd.DataFrame:
    """Features from per-lead aggregates (``raw``, aligned with ``cols``, index ``lead_id``).

    ``raw`` holds the ``COUNTS`` columns, ``last_day`` and ``last_demo_day`` (day numbers,
    NaN when none) and ``people_7d`` / ``trial_people_7d`` (the lead's company's counts).
    """
    a = day_number(as_of)
    f = pd.DataFrame(index=raw.index)
    f["demo_requests_14d"] = raw["demos_2w"].astype(float)
    f["pricing_page_visits_7d"] = raw["pricing_last"].astype(float)
    f["meetings_14d"] = raw["meetings_2w"].astype(float)
    f["email_replies_14d"] = raw["replies_2w"].astype(float)
    f["activities_7d"] = raw["n_last"].astype(float)
    f["activity_trend"] = relative_change(raw["n_last"], raw["n_prev"]).astype(float)
    age = a - cols["created_day"].astype(float)
    f["days_since_last_activity"] = (a - raw["last_day"].astype(float)).fillna(age)
    f["trial_events_7d"] = raw["trial_last"].astype(float)
    f["trial_started"] = (raw["trial_signups"] > 0).astype(float)
    f["company_people_active_7d"] = raw["people_7d"].astype(float)
    f["company_trial_users_7d"] = raw["trial_people_7d"].astype(float)
    f["employees"] = cols["employees"].astype(float)
    f["lead_age_days"] = age
    for col in LEAD_CATEGORICAL:
        values = cols[col].astype("str").where(cols[col].notna())
        f[col] = pd.Categorical(values, categories=categories[col])
    f["company"] = cols["company"].astype("str")
    f["days_since_demo_request"] = a - raw["last_demo_day"].astype(float)
    f["activities_prev_7d"] = raw["n_prev"].astype(float)
    f["window_days"] = float(params.window_days)
    f["long_window_days"] = float(2 * params.window_days)
    return f[lead_feature_columns()]


class LeadFeatureBuilder:
    """Lead features at any ``as_of`` from one pair of frames (the pandas oracle)."""

    def __init__(self, src: LeadSources, params: LeadParams) -> None:
        self.params = params
        self.cols = lead_columns(src.leads)
        self.categories = categories_of_leads(src.leads)
        act = src.activity
        self.lead = act["lead_id"].astype("str").to_numpy()
        self.day = day_numbers(act["ts"])
        self.kind = act["type"].astype("str").to_numpy()

    def raw(self, as_of: dt.date, index: pd.Index) -> pd.DataFrame:
        """Per-lead aggregates before ``as_of`` for the leads ``index``."""
        a, w = day_number(as_of), self.params.window_days
        before = self.day < a
        last = before & (self.day >= a - w)
        prev = before & (self.day >= a - 2 * w) & (self.day < a - w)
        two = before & (self.day >= a - 2 * w)

        def count(mask: np.ndarray) -> pd.Series:
            return pd.Series(self.lead[mask]).value_counts().reindex(index, fill_value=0)

        is_ = {k: self.kind == k for k in ("email_reply", "pricing_page", "demo_request")}
        raw = pd.DataFrame(index=index)
        raw["n_last"] = count(last)
        raw["n_prev"] = count(prev)
        raw["replies_2w"] = count(two & is_["email_reply"])
        raw["pricing_last"] = count(last & is_["pricing_page"])
        raw["demos_2w"] = count(two & is_["demo_request"])
        raw["meetings_2w"] = count(two & (self.kind == "meeting"))
        raw["trial_signups"] = count(before & (self.kind == "trial_signup"))
        raw["trial_last"] = count(last & (self.kind == "trial_event"))
        raw["last_day"] = self._latest(before, index)
        raw["last_demo_day"] = self._latest(before & is_["demo_request"], index)
        company = self.cols["company"]
        raw["people_7d"] = self._people(last, company, index)
        raw["trial_people_7d"] = self._people(last & (self.kind == "trial_event"), company, index)
        return raw

    def _latest(self, mask: np.ndarray, index: pd.Index) -> pd.Series:
        days = pd.Series(self.day[mask]).groupby(self.lead[mask]).max()
        return days.reindex(index).astype(float)

    def _people(self, mask: np.ndarray, company: pd.Series, index: pd.Index) -> pd.Series:
        """Distinct leads of each lead's company with an activity in ``mask``."""
        active = pd.Index(pd.unique(self.lead[mask]))
        per_company = company.reindex(active).dropna().value_counts()
        return company.reindex(index).map(per_company).fillna(0).astype(float)

    def at(self, as_of: dt.date) -> pd.DataFrame:
        cols = self.cols[open_mask(self.cols, as_of)]
        raw = self.raw(as_of, cols.index)
        return finish_leads(raw, cols, as_of, self.params, self.categories)


def build_lead_features(src: LeadSources, as_of: dt.date, params: LeadParams) -> pd.DataFrame:
    """One row per lead open at ``as_of`` (index ``lead_id``), catalog columns in order."""
    return LeadFeatureBuilder(src, params).at(as_of)


def lead_training_set(src: LeadSources, dates: list[dt.date], params: LeadParams) -> pd.DataFrame:
    """Snapshots at ``dates`` with ``as_of``, ``lead_id`` and ``label`` columns, one row per
    lead open at each date; give only dates whose horizon has matured (the label is read from
    ``converted_at`` as it stands)."""
    builder = LeadFeatureBuilder(src, params)
    frames = []
    for as_of in dates:
        f = builder.at(as_of)
        f["label"] = conversion_labels(builder.cols.loc[f.index], as_of, params.horizon_days)
        f.insert(0, "as_of", pd.Timestamp(as_of))
        frames.append(f.reset_index())
    return pd.concat(frames, ignore_index=True)


__all__ = [
    "LeadFeatureBuilder",
    "LeadParams",
    "LeadSources",
    "build_lead_features",
    "conversion_labels",
    "finish_leads",
    "lead_feature_columns",
    "lead_training_set",
    "open_mask",
]
