"""Reasons: the largest risk-raising SHAP contributions, grouped, in the account's own words."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import shap

from scoring.catalog import FEATURES as CATALOG
from scoring.catalog import MODEL_FEATURES, is_actionable, reason_groups, render_reason
from scoring.labels import split_by_time
from scoring.predict import (
    contributions,
    model_matrix,
    raw_margin,
    risky_side,
    score_accounts,
    wording_for,
)
from scoring.reasons import (
    Reason,
    catalog_family,
    column_equals_value,
    explain_rows,
    one_hot_groups,
    plain_records,
    plain_value,
)
from scoring.train import fit
from tests.scoring.model_frames import CATEGORICAL, FEATURES, TREES, churn_frame


def _family(name: str) -> str:
    return catalog_family(name)


def test_reasons_are_the_positive_contributions_best_first_told_with_the_accounts_values() -> None:
    features = ["open_tickets", "usage_trend", "seats", "arr"]
    rows = pd.DataFrame(
        {
            "open_tickets": [4.0],
            "usage_trend": [-0.63],
            "seats": [20.0],
            "arr": [50_000.0],
            "events_last_window": [120.0],
            "events_prev_window": [325.0],
            "window_days": [14.0],
        }
    )
    phi = np.array([[0.9, 1.4, -0.3, 0.1, -2.0]])  # last column: the bias
    (reasons,) = explain_rows(phi, features, rows, render=render_reason, family_of=_family)
    assert [r.feature for r in reasons] == ["usage_trend", "open_tickets", "arr"]
    assert reasons[0] == Reason(
        feature="usage_trend",
        family="usage",
        value=-0.63,
        contribution=1.4,
        text="Product usage down 63% in the last 14 days (120 events vs 325)",
    )
    assert Reason.from_json(json.loads(json.dumps(reasons[0].to_json()))) == reasons[0]
    assert reasons[1].text == "4 open support tickets" and reasons[1].family == "support"
    assert reasons[2].text == "ARR 50,000" and reasons[2].family == "commercial"
    assert (
        len(explain_rows(phi, features, rows, render=render_reason, family_of=_family, keep=1)[0])
        == 1
    )


def test_related_features_are_summed_and_told_once_through_the_strongest() -> None:
    features = ["integration_failures_14d", "consecutive_failures", "open_tickets"]
    rows = pd.DataFrame(
        {"integration_failures_14d": [14.0], "consecutive_failures": [5.0], "open_tickets": [2.0]}
    )
    phi = np.array([[0.5, 0.7, 1.0, 0.0]])
    groups = {"integration_failures_14d": "health", "consecutive_failures": "health"}
    (reasons,) = explain_rows(
        phi, features, rows, render=column_equals_value, family_of=_family, groups=groups
    )
    assert [(r.feature, r.contribution) for r in reasons] == [
        ("consecutive_failures", 1.2),
        ("open_tickets", 1.0),
    ]


def test_a_feature_whose_value_is_missing_is_not_told() -> None:
    features = ["csat_mean", "open_tickets"]
    rows = pd.DataFrame({"csat_mean": [np.nan], "open_tickets": [3.0]})
    phi = np.array([[2.0, 0.4, 0.0]])
    (reasons,) = explain_rows(phi, features, rows, render=column_equals_value, family_of=_family)
    assert [r.feature for r in reasons] == ["open_tickets"]


def test_a_value_on_the_safe_side_of_the_training_median_is_not_told() -> None:
    features = ["open_tickets", "csat_mean", "seats"]
    rows = pd.DataFrame(
        {"open_tickets": [0.0, 3.0], "csat_mean": [4.5, 2.0], "seats": [20.0, 20.0]}
    )
    phi = np.array([[0.6, 0.5, 0.2, 0.0], [0.6, 0.5, 0.2, 0.0]])
    tellable = risky_side({"open_tickets": 1.0, "csat_mean": 4.0, "seats": 30.0})
    safe, risky = explain_rows(
        phi, features, rows, render=column_equals_value, family_of=_family, tellable=tellable
    )
    assert [r.feature for r in safe] == ["seats"]  # seats have no risky direction
    assert [r.feature for r in risky] == ["open_tickets", "csat_mean", "seats"]


def test_one_hot_columns_are_one_reason_told_as_the_level_the_account_has() -> None:
    rows = pd.DataFrame({"plan_basic": [0, 1, 0], "plan_pro": [1, 0, 0], "logins": [1, 2, 3]})
    groups = one_hot_groups(rows, ["plan_basic", "plan_pro", "logins"])
    assert groups == {"plan_basic": "plan", "plan_pro": "plan"}
    phi = np.array([[0.3, 0.4, 0.1, 0.0]])
    (reasons,) = explain_rows(
        phi,
        ["plan_basic", "plan_pro", "logins"],
        rows.head(1),
        render=column_equals_value,
        family_of=catalog_family,
        one_hot=groups,
    )
    assert reasons[0].text == "plan = pro" and reasons[0].family == "other"
    assert reasons[0].contribution == pytest.approx(0.7)
    assert reasons[1].text == "logins = 1"


@pytest.mark.parametrize("column", ["tickets_open", "crm_sync_errors", "seat_count", "logins_30d"])
def test_a_teams_own_column_is_never_given_a_family_from_its_name(column: str) -> None:
    assert catalog_family(column) == "other"


def test_attributes_shape_the_score_but_are_never_a_reason() -> None:
    features = ["seats", "arr", "tenure_days", "open_tickets"]
    rows = pd.DataFrame(
        {"seats": [12.0], "arr": [50_000.0], "tenure_days": [402.0], "open_tickets": [2.0]}
    )
    phi = np.array([[2.0, 1.5, 1.0, 0.2, 0.0]])
    (reasons,) = explain_rows(
        phi, features, rows, render=render_reason, family_of=_family, actionable=is_actionable
    )
    assert [r.text for r in reasons] == ["2 open support tickets"]
    assert {"seats", "arr", "tenure_days", "segment", "plan"} <= {
        f for f in MODEL_FEATURES if not is_actionable(f)
    }


def test_an_account_whose_risk_comes_only_from_attributes_is_told_so_never_with_an_empty_why() -> (
    None
):
    features = ["seats", "arr", "tenure_days", "open_tickets"]
    rows = pd.DataFrame(
        {"seats": [3.0], "arr": [4_000.0], "tenure_days": [40.0], "open_tickets": [0.0]}
    )
    phi = np.array([[0.4, -0.2, 1.1, -0.1, -3.0]])  # tenure and seats push, nothing actionable
    (reasons,) = explain_rows(
        phi, features, rows, render=render_reason, family_of=_family, actionable=is_actionable
    )
    assert reasons == [
        Reason(
            feature="profile",
            family="profile",
            value=None,
            contribution=1.5,
            text="No warning sign to act on: the risk comes from the account's profile "
            "(tenure and seat count) — review the account",
        )
    ]


def test_a_family_is_one_reason_whose_push_is_the_sum_of_its_features() -> None:
    features = ["unadopted_key_features", "adoption_breadth", "users_per_seat", "open_tickets"]
    rows = pd.DataFrame(
        {
            "unadopted_key_features": [3.0],
            "adoption_breadth": [0.2],
            "users_per_seat": [0.25],
            "open_tickets": [1.0],
            "active_users_per_day": [3.2],
            "seats": [12.0],
            "key_features_total": [5.0],
            "unadopted_key_features_names": ["Reports, SSO, API"],
        }
    )
    phi = np.array([[0.4, 0.3, 0.6, 0.1, -1.0]])  # users per seat alone beats each adoption one
    (reasons,) = explain_rows(
        phi,
        features,
        rows,
        render=render_reason,
        family_of=_family,
        groups=reason_groups(features, CATALOG),
        actionable=is_actionable,
    )
    assert [(r.family, r.contribution) for r in reasons] == [
        ("adoption", 0.7),
        ("usage", 0.6),
        ("support", 0.1),
    ]
    assert reasons[0].text == "3 of 5 key features never used: Reports, SSO, API"
    assert reasons[1].text == "3 of 12 seats active on a typical day"


@pytest.fixture(scope="module")
def model_and_rows():
    frame = churn_frame(n=400, snapshots=8, seed=4)
    model = fit(frame, FEATURES, CATEGORICAL, TREES, split=split_by_time).model
    rows = frame[frame["as_of"] == frame["as_of"].max()].set_index("account_id")
    return model, rows


def test_tree_shap_contributions_add_up_to_the_score_and_match_the_shap_package(
    model_and_rows,
) -> None:
    model, rows = model_and_rows
    x = model_matrix(rows, model.features, model.categories)
    phi = contributions(model, x)
    assert np.allclose(phi.sum(axis=1), raw_margin(model, x))
    theirs = np.asarray(shap.TreeExplainer(model.booster).shap_values(x))
    assert np.allclose(phi[:, :-1], theirs.reshape(phi[:, :-1].shape), atol=1e-6)


def test_only_flagged_accounts_are_explained_with_at_most_five_reasons(model_and_rows) -> None:
    model, rows = model_and_rows
    out = score_accounts(model, rows, threshold=None, top_share=0.05, wording=wording_for(model))
    flagged = out[out["flagged"]]
    assert len(flagged) == 20 and sorted(flagged["rank"]) == list(range(1, 21))
    assert all(1 <= len(r) <= 5 for r in flagged["reasons"])
    assert all(r == [] for r in out.loc[~out["flagged"], "reasons"])
    texts = [r[0]["text"] for r in flagged["reasons"]]
    assert any("key features never used" in t or "fail" in t or "urgent" in t for t in texts)


def test_a_stored_reason_has_every_field_of_the_reason() -> None:
    reason = Reason("failed_syncs_7d", "integrations", 12, 0.41, "12 failed syncs in 7 days")
    assert reason.to_json() == dataclasses.asdict(reason)
    assert list(reason.to_json()) == [f.name for f in dataclasses.fields(Reason)]


def test_feature_values_kept_with_a_score_are_the_plain_value_of_each_cell() -> None:
    frame = pd.DataFrame(
        {
            "logins": [3.0, np.nan, 2.5, 1e20, -0.123456789, np.inf],
            "plan": pd.Series(["pro", None, "basic", "pro", "", "pro"], dtype="str"),
            "segment": pd.Categorical(["smb", "ent", None, "smb", "smb", "ent"]),
            "seats": pd.Series([1, 2, 3, 4, 5, 6], dtype="int64"),
            "key_used_0": [True, False, True, True, False, False],
        },
        index=pd.Index(["A", "B", "C", "D", "E", "F"], name="account_id"),
    )
    want = [{k: plain_value(v) for k, v in row.items()} for row in frame.to_dict("records")]
    got = plain_records(frame)
    assert got == want
    assert [type(v) for v in got[0].values()] == [type(v) for v in want[0].values()]
    assert got[1]["logins"] is None and got[4]["logins"] == -0.1235
    assert plain_records(frame.iloc[:0]) == [] and plain_records(frame[[]]) == [{}] * 6
