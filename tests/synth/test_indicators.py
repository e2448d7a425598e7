"""The churn drivers are visible in the event tables before the month they act in.

A model only sees the tables, so each driver of the true hazard is checked against what the
tables show at the month start: exactly for adoption, integrations, support and renewals, and
on average for falling usage (which the tables show with sampling noise).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from synth.hazard import ADOPTION_GRACE_DAYS, FAMILIES, UNUSED_INTENSITY, WEIGHTS

KEY = ["Reports", "Dashboards", "Automations", "SSO", "API"]
WEIGHT = dict(zip(FAMILIES, WEIGHTS, strict=True))


def _with_accounts(company) -> pd.DataFrame:
    gt = company.tables["ground_truth"]
    accounts = company.tables["accounts"][["account_id", "created_at"]]
    return gt.merge(accounts, on="account_id", how="left")


def test_adoption_driver_counts_key_features_with_no_usage_row_before_the_month(company):
    gt = _with_accounts(company)
    usage = company.tables["usage"]
    first_use = (
        usage[usage["feature"].isin(KEY)].groupby(["account_id", "feature"])["date"].min()
    ).reset_index()
    pairs = gt[["account_id", "month"]].merge(first_use, on="account_id", how="left")
    used = pairs[pairs["date"] < pairs["month"]].groupby(["account_id", "month"]).size()
    unused = 5 - gt.set_index(["account_id", "month"]).index.map(used).fillna(0).astype(int)
    onboarding = (gt["month"] - gt["created_at"]).dt.days < ADOPTION_GRACE_DAYS
    expected = np.where(onboarding, 0.0, WEIGHT["adoption"] * UNUSED_INTENSITY[unused])
    assert gt["adoption"].to_numpy() == pytest.approx(expected)
    assert (gt["adoption"] > 0).mean() > 0.05


def test_integrations_driver_counts_failing_days_in_the_14_days_before(company):
    gt = company.tables["ground_truth"]
    runs = company.tables["integration_runs"]
    failed = runs[runs["status"] == "failure"].assign(
        day=runs["ts"].dt.tz_localize(None).dt.normalize()
    )
    per_day = failed.groupby(["account_id", "integration", "day"]).size()
    outage_days = per_day[per_day >= 2].reset_index()[["account_id", "day"]]  # a retry failed too
    pairs = gt[["account_id", "month"]].merge(outage_days, on="account_id")
    recent = pairs[
        (pairs["day"] < pairs["month"]) & (pairs["day"] >= pairs["month"] - dt.timedelta(14))
    ]
    days = gt.set_index(["account_id", "month"]).index.map(
        recent.groupby(["account_id", "month"]).size()
    )
    expected = WEIGHT["integrations"] * np.clip((days.fillna(0).to_numpy() - 2) / 6, 0, 1)
    assert gt["integrations"].to_numpy() == pytest.approx(expected)
    assert (gt["integrations"] > 0).mean() > 0.02


def test_support_driver_counts_tickets_left_unanswered_at_the_month_start(company):
    gt = company.tables["ground_truth"]
    tickets = company.tables["tickets"]
    pairs = gt[["account_id", "month"]].merge(tickets, on="account_id")
    at = pairs["month"].dt.tz_localize("UTC")
    waiting = (
        (pairs["opened_at"] < at)
        & ~(pairs["first_response_at"] <= at)
        & ~(pairs["closed_at"] <= at)
    )
    age_days = (at - pairs["opened_at"]).dt.total_seconds() / 86400
    high = pairs["priority"].isin(["high", "urgent"])
    pairs["stale_high"] = waiting & high & (age_days >= 3)
    pairs["stale_other"] = waiting & ~high & (age_days >= 7)
    counts = pairs.groupby(["account_id", "month"])[["stale_high", "stale_other"]].sum()
    key = gt.set_index(["account_id", "month"]).index
    stale_high = key.map(counts["stale_high"]).fillna(0).to_numpy()
    stale_other = key.map(counts["stale_other"]).fillna(0).to_numpy()
    expected = WEIGHT["support"] * np.clip(0.65 * stale_high + 0.3 * stale_other, 0, 1)
    assert gt["support"].to_numpy() == pytest.approx(expected)
    assert (gt["support"] > 0).mean() > 0.01


def _next_anniversary(created: dt.date, on_or_after: dt.date) -> dt.date:
    for year in range(on_or_after.year, on_or_after.year + 2):
        day = 28 if (created.month, created.day) == (2, 29) else created.day
        candidate = dt.date(year, created.month, day)
        if candidate >= on_or_after and candidate > created:
            return candidate
    raise AssertionError("no anniversary within two years")


def test_commercial_driver_is_a_renewal_within_45_days(company):
    gt = _with_accounts(company)
    expected = []
    for created, month in zip(gt["created_at"], gt["month"], strict=True):
        start = month.date()
        days = (_next_anniversary(created.date(), start) - start).days
        month_days = (month + pd.offsets.MonthBegin(1) - month).days
        expected.append(1.0 if days < month_days else 0.5 if days < 45 else 0.0)
    assert gt["commercial"].to_numpy() == pytest.approx(WEIGHT["commercial"] * np.array(expected))


def _failed_runs_before(gt: pd.DataFrame, runs: pd.DataFrame, days: int) -> pd.Series:
    failed = runs[runs["status"] == "failure"]
    day = failed["ts"].dt.tz_localize(None)
    out = pd.Series(0.0, index=gt.index)
    for month, rows in gt.groupby("month"):
        window = failed[(day >= month - dt.timedelta(days)) & (day < month)]
        out[rows.index] = rows["account_id"].map(window.groupby("account_id").size()).fillna(0)
    return out


def test_accounts_driven_by_integrations_show_many_more_failed_runs_in_the_14_days_before(
    larger_company,
):
    gt = larger_company.tables["ground_truth"]
    failed = _failed_runs_before(gt, larger_company.tables["integration_runs"], 14)
    driven = failed[gt["driver"] == "integrations"]
    others = failed[gt["driver"] != "integrations"]
    assert driven.mean() > 10 and driven.mean() > 10 * others.mean()
    assert (driven >= 6).mean() > 0.9


def _active_users(usage: pd.DataFrame, gt: pd.DataFrame, lo: int, hi: int) -> pd.Series:
    """Per ground-truth row: active users summed over days [month - hi, month - lo)."""
    out = pd.Series(0.0, index=gt.index)
    for month, rows in gt.groupby("month"):
        window = usage[
            (usage["date"] >= month - dt.timedelta(hi)) & (usage["date"] < month - dt.timedelta(lo))
        ]
        total = window.groupby("account_id")["active_users"].sum()
        out[rows.index] = rows["account_id"].map(total).fillna(0)
    return out


def test_accounts_driven_by_usage_show_falling_active_users_before_the_month(larger_company):
    gt = larger_company.tables["ground_truth"]
    usage = larger_company.tables["usage"]
    last = _active_users(usage, gt, 0, 14)
    before = _active_users(usage, gt, 14, 28)
    decline = 1 - last / before.clip(lower=1)
    driven = decline[gt["driver"] == "usage"]
    calm = decline[gt["driver"] == "none"]
    assert driven.median() > 0.3
    assert abs(calm.median()) < 0.1


def test_usage_collapses_between_the_churn_decision_and_churned_at(larger_company):
    t = larger_company.tables
    churned = t["accounts"].dropna(subset=["churned_at"]).set_index("account_id")["churned_at"]
    usage = t["usage"][t["usage"]["account_id"].isin(churned.index)]
    days_before = (usage["account_id"].map(churned) - usage["date"]).dt.days
    last_days = usage[days_before <= 3].groupby("account_id")["active_users"].sum() / 3
    month_before = usage[days_before.between(31, 60)].groupby("account_id")["active_users"].sum()
    ratio = (last_days / (month_before / 30)).reindex(month_before.index).fillna(0)
    assert len(ratio) > 50
    assert ratio.median() < 0.35


def test_more_active_drivers_mean_a_higher_churn_rate(larger_company):
    t = larger_company.tables
    gt = t["ground_truth"]
    churned = t["accounts"].set_index("account_id")["churned_at"]
    churn_month = gt["account_id"].map(churned).dt.to_period("M").dt.to_timestamp()
    churned_here = churn_month == gt["month"]
    drivers = (gt[list(FAMILIES)] > 0.5).sum(axis=1).clip(upper=2)
    rate = churned_here.groupby(drivers).mean()
    assert rate[0] < 0.01
    assert rate[0] < rate[1] < rate[2]
    assert rate[2] > 0.1
