"""The generated company keeps its promises (these tests check the generator, not atrisk)."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest

from tests.worlds import DRIVERS, KEY_FEATURES, World, WorldConfig, make_world


def _psi(ref: np.ndarray, cur: np.ndarray, bins: int = 10) -> float:
    """Population stability index of `cur` against deciles of `ref`."""
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    p, q = np.clip(r / r.sum(), 1e-4, None), np.clip(c / c.sum(), 1e-4, None)
    return float(((q - p) * np.log(q / p)).sum())


def test_usage_only_on_weekdays(world: World) -> None:
    assert len(world.usage) > 100_000
    assert (world.usage["date"].dt.day_of_week < 5).all()


def test_churn_share_and_spread(world: World) -> None:
    churned = world.churned
    share = len(churned) / len(world.accounts)
    assert 0.12 <= share <= 0.22, share  # about 17 % at the default seed
    assert len(churned) >= 36
    thirds = pd.cut(churned["churned_at"], 3, labels=False).value_counts()
    assert len(thirds) == 3 and thirds.min() >= 0.2 * len(churned)


def test_churned_accounts_go_quiet(world: World) -> None:
    gone = world.accounts.set_index("account_id")["churned_at"]
    usage_last = world.usage.groupby("account_id")["date"].max()
    assert (usage_last < gone.reindex(usage_last.index)).where(gone.notna(), True).all()
    runs_last = world.integration_runs.groupby("account_id")["ts"].max().dt.tz_localize(None)
    assert (runs_last < gone.reindex(runs_last.index)).where(gone.notna(), True).all()
    end = pd.Timestamp(world.config.end)
    active = world.accounts[world.accounts["churned_at"].isna()]
    assert (active["account_id"].isin(world.usage["account_id"])).mean() > 0.95
    notice = world.accounts["churned_at"] >= end  # notice given: still a customer today
    assert notice.sum() <= 5


def test_every_account_has_a_driver(world: World) -> None:
    truth = world.ground_truth
    assert set(truth["driver"]) == set(DRIVERS)
    assert truth["account_id"].tolist() == world.accounts["account_id"].tolist()
    some = truth.iloc[17]
    assert world.driver_of(some["account_id"]) == some["driver"]
    assert set(world.churned["driver"]) == set(DRIVERS)


def test_drivers_raise_the_hazard(world: World) -> None:
    h = world.hazard.assign(driver=world.hazard["account_id"].map(world.drivers))
    mean = h.groupby("driver")["hazard"].mean()
    for d in ("adoption", "integrations", "support"):
        assert mean[d] > 3 * mean["none"], mean
    share = world.churned["driver"].value_counts(normalize=True)
    assert share["none"] < 0.3 and (share.drop("none") > 0.15).all(), share


@pytest.mark.parametrize(
    ("driver", "symptom", "lift"),
    [("adoption", "adoption", 2.0), ("integrations", "streak", 4.0), ("support", "wait", 4.0)],
)
def test_symptoms_precede_churn(
    world_symptoms: pd.DataFrame, driver: str, symptom: str, lift: float
) -> None:
    s = world_symptoms
    marks = {
        "adoption": (s["unadopted_key"] >= 2) & (s["tenure_days"] > 90),
        "streak": s["failing_streak"] >= 3,
        "wait": s["unanswered_days"] >= 5,
    }
    m = marks[symptom]
    assert s["label"][m].mean() > lift * s["label"][~m].mean()
    positives = s[s["label"]]  # churners show their own driver's symptom before they leave
    own = m[positives.index][positives["driver"] == driver].mean()
    other = m[positives.index][positives["driver"] != driver].mean()
    assert own > 2 * other, (own, other)


def test_adoption_causes_fewer_active_users(world_symptoms: pd.DataFrame) -> None:
    s = world_symptoms[world_symptoms["tenure_days"] > 90].dropna(subset=["users_per_seat"])
    rho = s["unadopted_key"].corr(s["users_per_seat"], method="spearman")
    assert rho < -0.2, rho
    by_driver = s.groupby("driver")["users_per_seat"].mean()
    assert by_driver["adoption"] < 0.9 * by_driver["none"]


def test_renewal_terms_are_mixed(world: World) -> None:
    terms = world.ground_truth["term_months"].value_counts()
    assert set(terms.index) == {1, 12, 24, 36}
    assert (terms / terms.sum()).min() > 0.05
    acc = world.accounts.merge(world.ground_truth[["account_id", "term_months"]])
    active = acc[acc["churned_at"].isna() & acc["renewal_date"].notna()]
    assert (active["renewal_date"] >= pd.Timestamp(world.config.end)).all()
    months = (active["renewal_date"].dt.year - active["created_at"].dt.year) * 12 + (
        active["renewal_date"].dt.month - active["created_at"].dt.month
    )
    assert (months % active["term_months"] == 0).all()
    assert world.accounts["renewal_date"].isna().mean() < 0.05


def test_renewal_leak_flag(world: World, leaky_world: World) -> None:
    leaky = leaky_world.accounts[leaky_world.accounts["churned_at"].notna()]
    assert (leaky["renewal_date"] == leaky["churned_at"]).all()
    honest = world.accounts[world.accounts["churned_at"].notna()]
    assert (honest["renewal_date"].dropna() >= pd.Timestamp(world.config.end)).all()
    same = ["usage", "integration_runs", "tickets"]
    for name in same:  # only the renewal dates differ
        pd.testing.assert_frame_equal(getattr(world, name), getattr(leaky_world, name))


def test_population_is_stationary(world_symptoms: pd.DataFrame) -> None:
    s = world_symptoms
    dates = sorted(s["as_of"].unique())
    first = s[s["as_of"].isin(dates[: len(dates) // 3])]
    last = s[s["as_of"].isin(dates[-len(dates) // 3 :])]
    for col in ("tenure_days", "users_per_seat", "unadopted_key"):
        ref, cur = first[col].dropna().to_numpy(), last[col].dropna().to_numpy()
        assert _psi(ref, cur) < 0.15, col  # a year apart; atrisk flags drift above 0.25
    mix_first = first["driver"].value_counts(normalize=True)
    mix_last = last["driver"].value_counts(normalize=True)
    assert (mix_first - mix_last).abs().max() < 0.06
    counts = s.groupby("as_of").size()
    assert counts.max() < 1.2 * counts.min()


def test_contract_keys_and_rules(world: World) -> None:
    acc, usage, runs, tix = world.accounts, world.usage, world.integration_runs, world.tickets
    assert acc["account_id"].is_unique and not (acc["churned_at"] < acc["created_at"]).any()
    assert not usage.duplicated(["account_id", "date", "feature"]).any()
    assert not runs.duplicated(["account_id", "ts", "integration"]).any()
    assert tix["ticket_id"].is_unique
    known = set(acc["account_id"])
    for frame in (usage, runs, tix):
        assert set(frame["account_id"]) <= known
    assert (usage[["active_users", "events"]] >= 0).all().all()
    assert (usage["events"] == 0).any()  # some exporters write idle days as zero rows
    assert set(usage["feature"]) >= set(KEY_FEATURES) | {"Workspaces"}
    assert not (tix["closed_at"] < tix["opened_at"]).any()
    assert not (tix["first_response_at"] < tix["opened_at"]).any()
    assert set(tix["priority"].dropna()) == {"low", "normal", "high", "urgent"}
    assert tix["csat"].dropna().between(1, 5).all() and tix["first_response_at"].isna().any()
    end = pd.Timestamp(world.config.end, tz="UTC")
    assert runs["ts"].max() < end and tix["opened_at"].max() < end
    assert set(runs["status"]) == {"success", "failure"}


def test_team_and_text_look_real(world: World) -> None:
    team = world.team
    assert set(team["role"]) == {"csm", "manager", "analyst", "admin"}
    assert team["email"].str.lower().is_unique
    users = team["slack_user_id"].dropna()
    assert users.str.fullmatch(r"[UW][A-Z0-9]+").all()
    assert team["slack_channel"].dropna().str.fullmatch(r"[CG][A-Z0-9]+|#[a-z0-9-]+").all()
    csms = team[team["role"] == "csm"]
    assert csms["slack_channel"].isna().sum() == 1
    assert team["slack_channel"].dropna().str.startswith("#").sum() >= 2
    emails = world.accounts["csm_email"]
    assert (emails != emails.str.lower()).any() and (emails == emails.str.lower()).any()
    names = world.accounts["name"]
    assert names.str.contains("&").any() and names.str.contains("<").any()
    for col in ("seats", "arr", "segment", "plan", "renewal_date"):
        assert world.accounts[col].isna().any(), col
    assert (world.accounts["seats"] == 0).sum() == 1


def test_text_columns_are_strings(world: World) -> None:
    for name, frame in world.tables().items():
        for col in frame.columns:
            if not re.search(r"date|_at$|^ts$|arr|seats|users|events|csat", col):
                assert pd.api.types.is_string_dtype(frame[col]), (name, col)


def test_deterministic_by_seed(world: World) -> None:
    again = make_world(WorldConfig())
    for name in ("accounts", "usage", "tickets", "ground_truth"):
        pd.testing.assert_frame_equal(getattr(world, name), getattr(again, name))
    other = make_world(WorldConfig(seed=8))
    assert not other.accounts["created_at"].equals(world.accounts["created_at"])


def test_fast_enough() -> None:
    start = time.perf_counter()
    make_world(WorldConfig(seed=11))
    assert time.perf_counter() - start < 6.0  # about 1.5 s on a laptop; generous for CI
