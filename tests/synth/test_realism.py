"""The company looks like a B2B SaaS book of business: team size, churn, ARR, names."""

from __future__ import annotations

import numpy as np
import pytest

from synth import SynthError, generate
from synth.people import csm_count, make_team
from tests.synth.conftest import END


@pytest.mark.parametrize(("accounts", "low", "high"), [(300, 5, 5), (2000, 5, 10), (5000, 10, 10)])
def test_a_company_of_up_to_5000_accounts_has_5_to_10_csms(accounts, low, high):
    team = make_team(np.random.default_rng(1), accounts)
    assert low <= (team["role"] == "csm").sum() <= high
    assert (team["role"] == "manager").sum() == 2


def test_a_very_large_company_has_more_csms():
    assert csm_count(100_000) > 10


def test_churn_is_a_few_percent_a_month(larger_company):
    t = larger_company.tables
    gt = t["ground_truth"]
    churned = gt["account_id"].map(t["accounts"].set_index("account_id")["churned_at"])
    full_months = gt[gt["month"] < gt["month"].max()]  # the current month is not over yet
    in_month = (
        churned.dt.to_period("M").dt.to_timestamp()[full_months.index] == full_months["month"]
    )
    assert 0.015 <= in_month.mean() <= 0.04
    assert 0.015 <= gt["hazard"].mean() <= 0.04


def test_hazards_span_healthy_to_very_risky(larger_company):
    hazard = larger_company.tables["ground_truth"]["hazard"]
    assert hazard.quantile(0.1) < 0.005
    assert hazard.max() > 0.3
    assert hazard.median() < 0.01


def test_arr_rises_from_smb_to_mid_market_to_enterprise(company):
    a = company.tables["accounts"]
    median = a.groupby("segment")["arr"].median()
    assert median["SMB"] < median["Mid-Market"] < median["Enterprise"]
    assert 3_000 <= median["SMB"] <= 20_000
    assert 20_000 <= median["Mid-Market"] <= 120_000
    assert 100_000 <= median["Enterprise"] <= 1_000_000
    seats = a.groupby("segment")["seats"].median()
    assert seats["SMB"] < seats["Mid-Market"] < seats["Enterprise"]


def test_company_names_include_ampersands_apostrophes_and_non_ascii_letters(company):
    names = company.tables["accounts"]["name"]
    assert names.is_unique
    assert names.str.contains("&").any()
    assert names.str.contains("'").any()
    assert names.map(lambda s: not s.isascii()).any()


def test_each_account_connects_at_most_three_integrations(company):
    runs = company.tables["integration_runs"]
    per_account = runs.groupby("account_id")["integration"].nunique()
    assert per_account.max() <= 3
    accounts = company.tables["accounts"]
    assert len(per_account) < len(accounts), "some accounts connect no integration"


def test_some_accounts_sign_up_during_the_window_and_some_churn(company):
    a = company.tables["accounts"]
    assert (a["created_at"] >= company.start.isoformat()).any()
    summary = company.summary()
    assert summary["churned"] > 0 and summary["active"] + summary["churned"] == 300
    assert summary["end"] == END.isoformat()


def test_bad_sizes_are_refused_with_a_message_naming_the_argument():
    with pytest.raises(SynthError, match="accounts"):
        generate(accounts=0, months=3, seed=1, end=END)
    with pytest.raises(SynthError, match="months"):
        generate(accounts=10, months=0, seed=1, end=END)
    with pytest.raises(SynthError, match="seed"):
        generate(accounts=10, months=2, seed=-1, end=END)


def test_a_one_month_company_has_events_but_no_ground_truth_yet():
    tiny = generate(accounts=20, months=1, seed=3, end=END)
    assert len(tiny.tables["usage"]) > 0
    assert tiny.tables["ground_truth"].empty
    assert tiny.tables["accounts"]["churned_at"].isna().all()
