"""The data audit: what stops training, what is only worth a warning, and the CLI around it."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from bot.bootstrap import default_spec_path
from bot.cli import run
from scoring.audit import audit, audit_account_features
from scoring.features import FeatureParams
from scoring.labels import LABEL, training_set
from storage.db import make_engine
from tests.scoring.conftest import AS_OF, churn_company, store_sources

PARAMS = FeatureParams()


def test_too_few_churned_accounts_is_a_cold_start_that_says_how_much_more_history_is_needed() -> (
    None
):
    report = audit(churn_company(), AS_OF, PARAMS, history_days=180, min_positives=50)
    assert report.ok, report.problems  # training goes ahead: the rules score serves
    (thin,) = report.cold_start
    first, last = report.first_snapshot, report.last_snapshot
    months = len(report.periods)
    rate = 3 / months
    assert thin == (
        f"only 3 churned accounts with a matured 30-day horizon between {first} and {last}; "
        "a trained model needs at least 50 (training.min_positives): 47 more churned accounts; "
        f"at the recent {rate:.1f} a month, about {math.ceil(47 / rate)} more months of history "
        "(or lower training.min_positives)"
    )


def test_label_counts_match_the_training_snapshots() -> None:
    src = churn_company(n_accounts=12)
    train = training_set(src, AS_OF, PARAMS, every_days=7, history_days=180)
    report = audit(src, AS_OF, PARAMS, history_days=180, min_positives=3, features=train)
    assert report.ok, report.problems
    assert report.rows == len(train)
    assert report.positives == int(train[LABEL].sum())
    assert report.churned_accounts == train.loc[train[LABEL] == 1, "account_id"].nunique()
    assert sum(p.rows for p in report.periods) == len(train)
    assert sum(p.snapshots for p in report.periods) == train["as_of"].nunique()
    assert [p.period for p in report.periods] == sorted(
        train["as_of"].dt.strftime("%Y-%m").unique()
    )
    assert report.last_snapshot == AS_OF - dt.timedelta(days=30)
    spans = {t.table: t for t in report.tables}
    assert spans["usage"].rows == len(src.usage)
    assert spans["usage"].first == src.usage["date"].min().date()
    assert spans["tickets"].rows == 0


def test_no_churn_at_all_is_a_single_class_problem() -> None:
    src = churn_company()
    accounts = src.accounts.assign(churned_at=pd.NaT)
    from tests.scoring.conftest import with_frames

    report = audit(with_frames(src, accounts=accounts), AS_OF, PARAMS, min_positives=1)
    assert any("no churned account with" in p and "single class" in p for p in report.problems)


def test_unknown_key_features_empty_tables_and_flat_columns_are_warnings() -> None:
    src = churn_company(n_accounts=12)
    train = training_set(src, AS_OF, PARAMS, every_days=7, history_days=180)
    report = audit(src, AS_OF, PARAMS, history_days=180, min_positives=3, features=train)
    assert report.ok
    assert report.key_features["Reports"] == src.usage["date"].min().date()
    assert report.key_features["SSO"] is None
    assert any(
        "key feature 'SSO' never appears in usage" in w and "Reports" in w for w in report.warnings
    )
    assert any(w.startswith("tickets is empty") for w in report.warnings)
    assert "integration_failures_14d" in report.constant  # no runs: always 0
    assert report.missing["days_since_last_sync"] == 1.0
    assert any(
        w.startswith("days_since_last_sync is missing in every row") for w in report.warnings
    )
    json.dumps(report.as_dict())  # JSON-ready


def _team_table(n: int, positives: int, unlabelled: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    label = [1.0] * positives + [0.0] * (n - positives) + [np.nan] * unlabelled
    return pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n + unlabelled)],
            "as_of": pd.Timestamp("2025-05-01"),
            "health": rng.normal(size=n + unlabelled),
            "tier": "gold",
            "churned_within_horizon": label,
        }
    )


def test_a_teams_own_table_is_audited_on_its_known_labels() -> None:
    report = audit_account_features(_team_table(100, 60, unlabelled=25), min_positives=50)
    assert report.ok, report.problems
    assert report.rows == 100 and report.positives == 60
    assert report.label_coverage == pytest.approx(0.8)
    assert any(
        "25 account_features rows have no churned_within_horizon" in w for w in report.warnings
    )
    assert "tier" in report.constant


def test_a_teams_own_table_where_everyone_churned_is_refused() -> None:
    report = audit_account_features(_team_table(60, 60), min_positives=50)
    assert any("single class" in p for p in report.problems)


# ---------------------------------------------------------------- atrisk audit


@pytest.fixture
def stored(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    engine = make_engine(sqlite_url)
    store_sources(engine, churn_company(n_accounts=12))
    engine.dispose()
    # the audit reads the source engine: here the application database itself
    monkeypatch.setenv("ATRISK_SOURCE_URL", sqlite_url)
    spec = yaml.safe_load(default_spec_path().read_text())
    spec["training"]["min_positives"] = 3
    spec["training"]["history_days"] = 180
    path = tmp_path / "atrisk.yml"
    path.write_text(yaml.safe_dump(spec))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ATRISK_SPEC", str(path))
    return path


def test_audit_command_prints_tables_and_passes(stored: Path, capsys) -> None:
    assert run(["audit", "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "Source tables" in out and "Matured labels per month" in out
    assert "key feature 'SSO' never appears in usage" in out
    assert "The data can support training." in out


def test_audit_command_json_and_refusal_exit_code(
    stored: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["audit", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["churned_accounts"] >= 3
    assert report["last_snapshot"] == (AS_OF - dt.timedelta(days=30)).isoformat()
    spec = yaml.safe_load(stored.read_text())
    spec["training"]["min_positives"] = 500
    stored.write_text(yaml.safe_dump(spec))
    assert run(["audit", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    thin = json.loads(capsys.readouterr().out)
    assert thin["ok"] is True and "a trained model needs at least 500" in thin["cold_start"][0]
    spec["rules"] = {"weights": {"sso_logins": 1.0}}
    stored.write_text(yaml.safe_dump(spec))
    assert run(["audit", "--as-of", AS_OF.isoformat(), "--json"]) == 2
    refused = json.loads(capsys.readouterr().out)
    assert refused["ok"] is False
    assert "rules.weights names 'sso_logins'" in refused["problems"][0]


def test_audit_command_refuses_a_bad_date(stored: Path, capsys) -> None:
    assert run(["audit", "--as-of", "yesterday"]) == 2
    assert "use YYYY-MM-DD" in capsys.readouterr().err
