"""The synthetic company's playbooks have true effects that depend on the driver they address."""

from __future__ import annotations

import pandas as pd

from synth.effects import apply_treatment, relative_effect


def test_an_integration_health_check_helps_integration_risk_not_adoption_risk() -> None:
    assert relative_effect("integration-health-check", "integrations") > 0.3
    assert relative_effect("integration-health-check", "adoption") == 0.0
    assert relative_effect("adoption-workshop", "adoption") > 0.3
    assert relative_effect("integration-health-check", "integrations", scale=0.0) == 0.0


def _company(n: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ids = [f"a{i}" for i in range(n)]
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "churned_at": pd.to_datetime(["2026-03-10"] * n).astype("datetime64[s]"),
        }
    )
    truth = pd.DataFrame(
        {
            "account_id": ids,
            "month": pd.Timestamp("2026-03-01"),
            "hazard": 0.2,
            "driver": ["integrations"] * (n // 2) + ["adoption"] * (n - n // 2),
        }
    )
    treated = pd.DataFrame(
        {
            "alert_id": range(n),
            "account_id": ids,
            "as_of": pd.Timestamp("2026-03-02").date(),
            "playbook_id": "integration-health-check",
        }
    )
    return accounts, truth, treated


def test_treated_churn_is_drawn_from_the_treated_hazard() -> None:
    accounts, truth, treated = _company(2000)
    after, effects = apply_treatment(accounts, truth, treated, seed=1)
    integ = effects[effects["driver"] == "integrations"]
    adopt = effects[effects["driver"] == "adoption"]
    assert 0.45 < integ["saved"].mean() < 0.55  # e = 0.5 of churn prevented
    assert not adopt["saved"].any()
    assert (integ["true_effect"] == 0.2 * 0.5).all()
    assert after["churned_at"].isna().sum() == effects["saved"].sum()
    assert after["churned_at"].dtype == accounts["churned_at"].dtype


def test_with_effects_off_nobody_is_saved() -> None:
    accounts, truth, treated = _company(200)
    after, effects = apply_treatment(accounts, truth, treated, scale=0.0)
    assert not effects["saved"].any()
    assert after["churned_at"].notna().all()
