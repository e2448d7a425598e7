"""A symptom's push is credited to its cause by what the cause explains (scoring.causes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.catalog import FEATURES as CATALOG
from scoring.catalog import causal_edges, render_reason
from scoring.causes import apply_shifts, cause_shifts, explained_share
from scoring.reasons import catalog_family, explain_rows

FEATURES = ["unadopted_key_features", "users_per_seat", "open_tickets"]


def _population(n: int = 200, seed: int = 3) -> pd.DataFrame:
    """Accounts whose active users per seat fall by 0.08 with each key feature never used."""
    rng = np.random.default_rng(seed)
    unadopted = np.repeat([0.0, 1.0, 2.0, 3.0], [n * 7 // 10, n // 10, n // 10, n - n * 9 // 10])
    users = 0.5 - 0.08 * unadopted + rng.normal(0, 0.03, n)
    return pd.DataFrame(
        {
            "unadopted_key_features": unadopted,
            "users_per_seat": users,
            "open_tickets": rng.poisson(1, n).astype(float),
        },
        index=pd.Index([f"A{i}" for i in range(n)], name="account_id"),
    )


def _account(unadopted: float, users: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unadopted_key_features": [unadopted],
            "users_per_seat": [users],
            "open_tickets": [0.0],
            "unadopted_key_features_names": ["Reports, SSO, API"],
            "key_features_total": [5.0],
            "active_users_per_day": [5.0],
            "seats": [20.0],
        }
    )


def test_the_catalog_says_active_users_per_seat_is_partly_caused_by_unused_key_features() -> None:
    assert causal_edges(CATALOG) == {"users_per_seat": "unadopted_key_features"}


def test_low_usage_of_an_account_that_never_used_three_key_features_is_explained_by_adoption() -> (
    None
):
    pop = _population()
    share = explained_share(
        pop, _account(3, 0.26), "users_per_seat", "unadopted_key_features", False
    )
    assert share[0] > 0.9  # 0.26 is what three unused key features predict


def test_low_usage_of_an_account_that_adopted_everything_is_not_explained_by_adoption() -> None:
    pop = _population()
    rows = pd.concat([_account(0, 0.25), _account(3, 0.7)])
    share = explained_share(pop, rows, "users_per_seat", "unadopted_key_features", False)
    assert list(share) == [0.0, 0.0]  # all key features used; usage above the median


def test_part_of_a_larger_shortfall_stays_with_usage() -> None:
    pop = _population()
    share = explained_share(
        pop, _account(1, 0.1), "users_per_seat", "unadopted_key_features", False
    )
    assert 0.1 < share[0] < 0.4  # one feature explains ~0.08 of a ~0.4 shortfall


def test_a_cause_that_goes_with_more_usage_explains_nothing() -> None:
    pop = _population()
    pop["users_per_seat"] = 0.2 + 0.08 * pop["unadopted_key_features"]
    share = explained_share(
        pop, _account(3, 0.1), "users_per_seat", "unadopted_key_features", False
    )
    assert share == [0.0]


def test_too_few_accounts_explain_nothing() -> None:
    share = explained_share(
        _population(n=10), _account(3, 0.1), "users_per_seat", "unadopted_key_features", False
    )
    assert share == [0.0]


def test_the_adoption_reason_leads_when_the_seat_count_was_its_symptom() -> None:
    row = _account(3, 0.25)
    phi = np.array([[0.2, 0.6, 0.0, -3.0]])  # SHAP gave the symptom the larger share
    (before,) = explain_rows(phi, FEATURES, row, render=render_reason, family_of=catalog_family)
    assert before[0].text == "5 of 20 seats active on a typical day"

    shifts = cause_shifts(_population(), row, FEATURES, causal_edges(CATALOG), CATALOG)
    moved = apply_shifts(phi, FEATURES, shifts)
    (after,) = explain_rows(moved, FEATURES, row, render=render_reason, family_of=catalog_family)
    assert after[0].text == "3 of 5 key features never used: Reports, SSO, API"
    assert after[0].contribution > 0.7  # its own 0.2 and most of the symptom's 0.6
    assert np.allclose(moved.sum(axis=1), phi.sum(axis=1))  # the score is unchanged
