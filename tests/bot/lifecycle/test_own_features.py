"""A team's own ``account_features`` table: trained on as it is, scored, and told plainly."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sqlalchemy import select

from bot.bootstrap import default_spec_path
from bot.cli import run
from bot.daily.scoring_run import run_scoring
from bot.errors import SpecError
from bot.lifecycle.training import train_model
from bot.spec import parse_spec
from storage.db import make_engine
from storage.models import Alert
from tests.bot.lifecycle.conftest import make_ctx, use_env
from tests.conftest import ingest_beside

OWN = {"contract": {"features": "account_features", "key_features": []}}
MONTHS = [dt.date(2026, m, 1) for m in range(3, 11)]  # the last one is not labelled yet
TABLES = ["accounts", "team", "account_features"]


def own_table(n: int, dates: list[dt.date] = MONTHS, seed: int = 5) -> pd.DataFrame:
    """Snapshots whose churn follows thresholds a linear baseline cannot draw."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in dates:
        logins = rng.poisson(12, n)
        tickets = rng.poisson(1.2, n)
        tier = rng.choice(["basic", "pro", "enterprise"], n)
        eu = rng.random(n) < 0.4
        quiet_and_stuck = (logins < 9) & (tickets >= 2)
        logit = -3.6 + 3.5 * quiet_and_stuck + 1.2 * (tickets >= 4) + 0.8 * (tier == "basic")
        churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        label = churned if day != dates[-1] else np.full(n, np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "account_id": [f"acc-{i:04d}" for i in range(n)],
                    "as_of": day.isoformat(),
                    "logins_30d": logins,
                    "tickets_open": tickets,
                    "plan_tier": tier,
                    "region_eu": eu.astype(int),
                    "region_us": (~eu).astype(int),
                    "churned_within_horizon": label,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def store(url: str, folder: Path, table: pd.DataFrame) -> None:
    """Ingest ``table`` as account_features with its accounts and one CSM."""
    ids = sorted(table["account_id"].unique())
    pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Company {i}" for i in ids],
            "csm_email": "ana@example.com",
            "created_at": "2024-01-01",
            "arr": 12000.0,
        }
    ).to_csv(folder / "accounts.csv", index=False)
    pd.DataFrame(
        [{"email": "ana@example.com", "name": "Ana", "role": "csm", "slack_channel": "C0ANA0001"}]
    ).to_csv(folder / "team.csv", index=False)
    table.to_csv(folder / "account_features.csv", index=False)
    engine = make_engine(url)
    ingest_beside(folder, engine, required_tables=TABLES)
    engine.dispose()


def test_an_own_table_trains_and_its_reasons_read_column_equals_value(
    sqlite_url: str, tmp_path: Path
) -> None:
    store(sqlite_url, tmp_path, own_table(n=1000))
    ctx = make_ctx(sqlite_url, tmp_path, OWN)
    trained = train_model(ctx, as_of=MONTHS[-1])
    assert trained.state == "live", trained.why
    assert trained.feature_source == "account_features"
    assert any("have no churned_within_horizon yet" in w for w in trained.warnings)
    scored = run_scoring(ctx, as_of=MONTHS[-1], post=False)
    assert scored.n_scored == 1000 and scored.n_alerts == 50
    with ctx.uow() as uow:
        alerts = list(uow.session.scalars(select(Alert)))
    reasons: list[dict[str, Any]] = [r for a in alerts for r in a.reasons]
    texts = {r["text"] for r in reasons}
    assert any(t.startswith("logins_30d = ") for t in texts)
    assert any(t.startswith("tickets_open = ") for t in texts)
    assert {a.channel for a in alerts} == {"C0ANA0001"}
    families = {r["feature"]: r["family"] for r in reasons}
    assert families.get("tickets_open") == "other"  # never guessed from the name
    assert any("not declared in contract.columns: " in w for w in trained.warnings)
    assert all(r["feature"] != "region_us" or r["text"] == "region = us" for r in reasons)
    ctx.close()


DECLARED = {
    "contract": {
        "features": "account_features",
        "key_features": [],
        "columns": {
            "logins_30d": {
                "label": "{value} logins in the last 30 days",
                "family": "usage",
                "direction": "lower_is_riskier",
            },
            "tickets_open": {
                "label": "{value} open tickets",
                "family": "support",
                "direction": "higher_is_riskier",
            },
            "plan_tier": {"label": "{value} plan", "family": "commercial", "actionable": False},
            "region_eu": {"label": "EU region", "family": "commercial", "actionable": False},
            "region_us": {"label": "US region", "family": "commercial", "actionable": False},
        },
    }
}


def test_declared_columns_read_as_their_labels_and_attributes_are_never_a_reason(
    sqlite_url: str, tmp_path: Path
) -> None:
    store(sqlite_url, tmp_path, own_table(n=1000))
    ctx = make_ctx(sqlite_url, tmp_path, DECLARED)
    trained = train_model(ctx, as_of=MONTHS[-1])
    assert trained.state == "live", trained.why
    assert not any("not declared" in w for w in trained.warnings)
    run_scoring(ctx, as_of=MONTHS[-1], post=False)
    with ctx.uow() as uow:
        reasons = [r for a in uow.session.scalars(select(Alert)) for r in a.reasons]
    assert reasons
    assert {r["feature"] for r in reasons} <= {"logins_30d", "tickets_open"}
    assert all(r["text"].endswith(("logins in the last 30 days", "open tickets")) for r in reasons)
    assert {r["family"] for r in reasons} <= {"usage", "support"}
    ctx.close()


def test_a_single_snapshot_date_is_split_at_random_and_the_output_says_so(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    day = [dt.date(2026, 9, 1), dt.date(2026, 10, 1)]
    table = own_table(n=1500, dates=day)
    store(sqlite_url, tmp_path, table[table["as_of"] == day[0].isoformat()])
    use_env(monkeypatch, sqlite_url, tmp_path, **OWN)
    assert run(["train", "--json", "--as-of", "2026-10-01"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "only one snapshot date (2026-09-01): stratified 80/20 split" in data["split"]
    assert "split in half at random (stratified by label)" in data["split"]


def test_a_key_feature_that_is_not_a_column_is_refused_by_name(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store(sqlite_url, tmp_path, own_table(n=100, dates=MONTHS[:3]))
    spec = {"contract": {"features": "account_features", "key_features": ["logins_30d", "nps"]}}
    use_env(monkeypatch, sqlite_url, tmp_path, **spec)
    assert run(["train"]) == 2
    err = capsys.readouterr().err
    assert "contract.key_features names 'nps', which is not a column of account_features" in err


def test_an_all_empty_column_is_refused_by_name_and_nothing_is_written(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    table = own_table(n=200, dates=MONTHS[:4]).assign(nps=np.nan)
    store(sqlite_url, tmp_path, table)
    use_env(monkeypatch, sqlite_url, tmp_path, **OWN)
    assert run(["train", "--as-of", "2026-07-01"]) == 2
    assert "feature column(s) nps are empty in every row" in capsys.readouterr().err
    assert run(["model", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["models"] == []


def caused_table(n: int, seed: int = 11) -> pd.DataFrame:
    """Churn driven by key modules never adopted; logins are their symptom (an account that
    adopted fewer modules has fewer people logging in), with 10 % noise of their own."""
    rng = np.random.default_rng(seed)
    unused_of = rng.choice(5, n, p=[0.35, 0.25, 0.15, 0.15, 0.1])  # an account's own, stable
    rows = []
    for day in MONTHS:
        unused = unused_of
        logins = rng.poisson(np.maximum(40.0 - 9.0 * unused, 1.0) * rng.gamma(100.0, 0.01, n))
        tickets = rng.poisson(1.0, n)
        logit = -4.2 + 2.6 * (unused >= 3) + 0.5 * (tickets >= 3)
        churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        label = churned if day != MONTHS[-1] else np.full(n, np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "account_id": [f"acc-{i:04d}" for i in range(n)],
                    "as_of": day.isoformat(),
                    "modules_unused": unused,
                    "logins_30d": logins,
                    "tickets_open": tickets,
                    "churned_within_horizon": label,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def caused_spec(caused_by: str | None) -> dict[str, Any]:
    logins: dict[str, Any] = {
        "label": "{value} logins in the last 30 days",
        "family": "usage",
        "direction": "lower_is_riskier",
    }
    if caused_by:
        logins["caused_by"] = caused_by
    return {
        "contract": {
            "features": "account_features",
            "key_features": [],
            "columns": {
                "modules_unused": {
                    "label": "{value} key modules never used",
                    "family": "adoption",
                    "direction": "higher_is_riskier",
                },
                "logins_30d": logins,
                "tickets_open": {
                    "label": "{value} open tickets",
                    "family": "support",
                    "direction": "higher_is_riskier",
                },
            },
        }
    }


def top_families(template: Path, folder: Path, caused_by: str | None) -> pd.Series:
    """The top reason's family of each alert, for accounts with 3+ modules never used, on a
    database of its own (LightGBM: its trees split credit between a cause and its symptom
    however they grew)."""
    folder.mkdir()
    shutil.copy(template, folder / "atrisk.db")
    url = f"sqlite:///{folder / 'atrisk.db'}"
    table = caused_table(n=1500)
    store(url, folder, table)
    ctx = make_ctx(url, folder, caused_spec(caused_by))
    try:
        trained = train_model(ctx, as_of=MONTHS[-1], overrides={"candidates": ("lightgbm",)})
        assert trained.state == "live", trained.why
        run_scoring(ctx, as_of=MONTHS[-1], post=False)
        with ctx.uow() as uow:
            alerts = list(uow.session.scalars(select(Alert)))
            tops = {a.account_id: a.reasons[0] for a in alerts if a.reasons}
            every = [r for a in alerts for r in a.reasons]
            uow.rollback()
    finally:
        ctx.close()
    labels = ("key modules never used", "logins in the last 30 days", "open tickets")
    assert every and all(r["text"].endswith(labels) for r in every), every  # declared labels
    unused = table[table["as_of"] == MONTHS[-1].isoformat()].set_index("account_id")
    driven = [a for a in tops if unused.loc[a, "modules_unused"] >= 3]
    assert len(driven) >= 30
    return pd.Series([tops[a]["family"] for a in driven])


@pytest.mark.slow
def test_a_declared_cause_is_told_instead_of_its_symptom(
    _sqlite_template: Path, tmp_path: Path
) -> None:
    plain = top_families(_sqlite_template, tmp_path / "plain", caused_by=None)
    declared = top_families(_sqlite_template, tmp_path / "declared", caused_by="modules_unused")
    # without the declaration about half are told "N logins in the last 30 days"
    assert (plain == "adoption").mean() <= 0.7, plain.value_counts()
    assert (declared == "adoption").mean() >= 0.9, declared.value_counts()


@pytest.mark.parametrize(
    ("column", "change", "message"),
    [
        (
            "logins_30d",
            {"caused_by": "modules_unsued"},
            r"'modules_unsued' is not a declared "
            r"column \(did you mean 'modules_unused'\?\)",
        ),
        ("logins_30d", {"caused_by": "logins_30d"}, "a column cannot cause itself"),
        ("logins_30d", {"caused_by": "tickets_open", "direction": "none"}, "needs a direction"),
        ("modules_unused", {"caused_by": "logins_30d"}, "causes go round in a circle"),
        ("tickets_open", {"caused_by": "region"}, "'region' is an attribute"),
    ],
)
def test_a_cause_that_cannot_be_credited_is_refused_naming_the_column(
    column: str, change: dict[str, Any], message: str
) -> None:
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    contract = caused_spec("modules_unused")["contract"]
    contract["columns"]["region"] = {
        "label": "{value} region",
        "family": "other",
        "actionable": False,
    }
    contract["columns"][column].update(change)
    data["contract"] = contract
    with pytest.raises(SpecError, match=message) as refused:
        parse_spec(data)
    assert f"contract: columns.{column}.caused_by: " in str(refused.value)
