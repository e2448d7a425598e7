"""The generated tables follow the input contract of docs/DESIGN (columns, types, rules)."""

from __future__ import annotations

import pandas as pd
from pandas.api import types

from synth import FAMILIES, FEATURES
from tests.synth.conftest import END

COLUMNS = {
    "accounts": [
        "account_id", "name", "csm_email", "segment", "plan", "arr", "seats", "created_at",
        "renewal_date", "churned_at",
    ],
    "team": ["email", "name", "role", "manager_email", "slack_user_id", "slack_channel"],
    "usage": ["account_id", "date", "feature", "active_users", "events"],
    "integration_runs": ["account_id", "ts", "integration", "status", "error"],
    "tickets": [
        "ticket_id", "account_id", "opened_at", "first_response_at", "closed_at", "priority",
        "csat",
    ],
    "ground_truth": [
        "account_id", "month", "hazard", "driver", "driver_share", *FAMILIES,
    ],
}  # fmt: skip
END_TS = pd.Timestamp(END, tz="UTC")


def test_every_table_has_exactly_the_contract_columns(company):
    assert set(company.tables) == set(COLUMNS)
    for name, columns in COLUMNS.items():
        assert list(company.tables[name].columns) == columns, name


def test_columns_have_text_date_timestamp_and_number_types(company):
    t = company.tables
    for name, frame in t.items():
        for col in frame.columns:
            if col in ("account_id", "name", "email", "feature", "segment", "driver", "status"):
                assert types.is_string_dtype(frame[col]), (name, col)
    for name, col in [
        ("accounts", "created_at"), ("accounts", "renewal_date"), ("accounts", "churned_at"),
        ("usage", "date"), ("ground_truth", "month"),
    ]:  # fmt: skip
        assert types.is_datetime64_dtype(t[name][col]), (name, col)
        assert (t[name][col].dropna() == t[name][col].dropna().dt.normalize()).all()
    for name, col in [
        ("integration_runs", "ts"), ("tickets", "opened_at"), ("tickets", "first_response_at"),
        ("tickets", "closed_at"),
    ]:  # fmt: skip
        assert str(t[name][col].dt.tz) == "UTC", (name, col)
    for name, col in [
        ("accounts", "arr"), ("accounts", "seats"), ("usage", "active_users"),
        ("usage", "events"), ("tickets", "csat"), ("ground_truth", "hazard"),
    ]:  # fmt: skip
        assert types.is_numeric_dtype(t[name][col]), (name, col)


def test_categorical_values_come_from_the_allowed_sets(company):
    t = company.tables
    assert set(t["accounts"]["segment"]) <= {"SMB", "Mid-Market", "Enterprise"}
    assert set(t["accounts"]["plan"]) <= {"Starter", "Growth", "Business", "Enterprise"}
    assert set(t["team"]["role"]) == {"csm", "manager", "analyst", "admin"}
    assert set(t["usage"]["feature"]) <= set(FEATURES)
    assert set(t["integration_runs"]["integration"]) <= {
        "Salesforce", "HubSpot", "Slack", "Zendesk", "Jira",
    }  # fmt: skip
    assert set(t["integration_runs"]["status"]) == {"success", "failure"}
    assert set(t["tickets"]["priority"]) <= {"low", "normal", "high", "urgent"}
    assert set(t["tickets"]["csat"].dropna()) <= {1, 2, 3, 4, 5}
    assert set(t["ground_truth"]["driver"]) <= {*FAMILIES, "none"}


def test_ids_are_unique_and_events_only_name_known_accounts(company):
    t = company.tables
    accounts = set(t["accounts"]["account_id"])
    assert t["accounts"]["account_id"].is_unique
    assert t["team"]["email"].is_unique
    assert t["tickets"]["ticket_id"].is_unique
    assert not t["usage"].duplicated(["account_id", "date", "feature"]).any()
    assert not t["integration_runs"].duplicated(["account_id", "ts", "integration"]).any()
    assert set(t["accounts"]["csm_email"]) <= set(t["team"].query("role == 'csm'")["email"])
    for name in ("usage", "integration_runs", "tickets", "ground_truth"):
        assert set(t[name]["account_id"]) <= accounts, name


def test_counts_are_positive_and_usage_has_no_zero_rows(company):
    t = company.tables
    assert (t["usage"]["active_users"] >= 1).all()
    assert (t["usage"]["events"] >= t["usage"]["active_users"]).all()
    assert (t["accounts"]["arr"] > 0).all() and (t["accounts"]["seats"] > 0).all()


def test_failed_runs_carry_an_error_and_successful_runs_none(company):
    runs = company.tables["integration_runs"]
    failed = runs["status"] == "failure"
    assert runs.loc[failed, "error"].notna().all()
    assert runs.loc[~failed, "error"].isna().all()
    assert runs.loc[failed, "error"].str.contains("token expired").any()
    assert runs.loc[failed, "error"].str.contains("rate limited").any()


def test_ticket_times_are_in_order_and_csat_is_only_on_closed_tickets(company):
    tk = company.tables["tickets"]
    assert not (tk["closed_at"] < tk["opened_at"]).any()
    assert not (tk["first_response_at"] < tk["opened_at"]).any()
    assert tk.loc[tk["csat"].notna(), "closed_at"].notna().all()
    assert tk["first_response_at"].isna().any(), "some tickets are never answered"
    assert tk["closed_at"].isna().any(), "some tickets are still open"


def test_nothing_happens_on_or_after_the_end_day(company):
    t = company.tables
    assert (t["usage"]["date"] < pd.Timestamp(END)).all()
    assert (t["integration_runs"]["ts"] < END_TS).all()
    for col in ("opened_at", "first_response_at", "closed_at"):
        assert (t["tickets"][col].dropna() < END_TS).all(), col
    assert (t["accounts"]["churned_at"].dropna() < pd.Timestamp(END)).all()
    assert (t["accounts"]["created_at"] < pd.Timestamp(END)).all()


def test_no_events_after_an_account_churned(company):
    t = company.tables
    churned = t["accounts"].set_index("account_id")["churned_at"].dropna()
    assert len(churned) > 0
    churn_ts = churned.dt.tz_localize("UTC")

    def after(frame: pd.DataFrame, col: str, cutoff: pd.Series) -> int:
        when = frame["account_id"].map(cutoff)
        return int((frame[col] >= when).sum())

    assert after(t["usage"], "date", churned) == 0
    assert after(t["integration_runs"], "ts", churn_ts) == 0
    for col in ("opened_at", "first_response_at", "closed_at"):
        assert after(t["tickets"], col, churn_ts) == 0, col


def test_no_events_before_an_account_was_created(company):
    t = company.tables
    created = t["accounts"].set_index("account_id")["created_at"]
    assert (t["usage"]["date"] >= t["usage"]["account_id"].map(created)).all()
    runs = t["integration_runs"]
    assert (runs["ts"] >= runs["account_id"].map(created.dt.tz_localize("UTC"))).all()


def test_renewals_are_annual_anniversaries_after_end_or_at_churn(company):
    a = company.tables["accounts"]
    anniversary = (a["renewal_date"].dt.month == a["created_at"].dt.month) & (
        (a["renewal_date"].dt.day == a["created_at"].dt.day)
        | ((a["created_at"].dt.month == 2) & (a["created_at"].dt.day == 29))
    )
    assert anniversary.all()
    assert (a["renewal_date"] > a["created_at"]).all()
    active = a["churned_at"].isna()
    assert (a.loc[active, "renewal_date"] >= pd.Timestamp(END)).all()
    assert (a.loc[active, "renewal_date"] < pd.Timestamp(END) + pd.DateOffset(years=1)).all()
    churned = a[~active]
    assert (churned["renewal_date"] >= churned["churned_at"]).all()
    assert (churned["renewal_date"] < churned["churned_at"] + pd.DateOffset(years=1)).all()


def test_the_team_has_slack_ids_channels_and_managers_who_split_the_csms(company):
    team = company.tables["team"]
    csms = team[team["role"] == "csm"]
    managers = team[team["role"] == "manager"]
    assert len(managers) == 2 and (team["role"] == "analyst").sum() == 1
    assert team["slack_user_id"].str.fullmatch(r"U[A-Z0-9]{8,10}").all()
    assert csms["slack_channel"].str.fullmatch(r"C[A-Z0-9]{8,10}|#cs-[a-z0-9-]+").all()
    assert team.loc[team["role"] != "csm", "slack_channel"].isna().all()
    assert set(csms["manager_email"]) == set(managers["email"])
    assert csms["manager_email"].value_counts().min() >= 2


def test_ground_truth_has_one_row_per_account_and_month_it_was_active(company):
    t = company.tables
    gt = t["ground_truth"]
    assert not gt.duplicated(["account_id", "month"]).any()
    assert (gt["month"].dt.day == 1).all()
    a = t["accounts"].set_index("account_id")
    created = gt["account_id"].map(a["created_at"])
    churned = gt["account_id"].map(a["churned_at"])
    assert (created <= gt["month"]).all()
    assert not (churned <= gt["month"]).any()
    months = sorted(gt["month"].unique())
    last = months[-1]
    active_at_last = a[(a["created_at"] <= last) & ~(a["churned_at"] <= last)]
    assert len(gt[gt["month"] == last]) == len(active_at_last)


def test_ground_truth_hazards_and_shares_are_probabilities(company):
    gt = company.tables["ground_truth"]
    assert gt["hazard"].between(0, 1, inclusive="neither").all()
    assert gt["driver_share"].between(0, 1).all()
    assert (gt[list(FAMILIES)] >= 0).all().all()
    named = gt[gt["driver"] != "none"]
    top = named[list(FAMILIES)].idxmax(axis=1)
    assert (top == named["driver"]).all()
    assert (gt.loc[gt["driver"] == "none", "driver_share"] == 0).all()


def test_accounts_that_adopted_fewer_key_features_show_fewer_active_users_per_seat(company):
    """Adoption causes part of the usage, so the usage symptom sits beside its cause."""
    usage, acc = company.tables["usage"], company.tables["accounts"]
    key = usage[usage["feature"].isin(["Reports", "Dashboards", "Automations", "SSO", "API"])]
    adopted = key.groupby("account_id")["feature"].nunique()
    peak = usage.groupby(["account_id", "date"])["active_users"].max().groupby("account_id").mean()
    seats = acc.set_index("account_id")["seats"].astype(float)
    per_seat = (peak / seats).dropna()
    few = per_seat[adopted.reindex(per_seat.index).fillna(0) <= 2].median()
    many = per_seat[adopted.reindex(per_seat.index).fillna(0) >= 4].median()
    assert few < 0.85 * many, (few, many)
