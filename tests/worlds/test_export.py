"""The world's files and its "bring your own features" table follow the input contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.worlds import TABLES, World, make_account_features, write_csv, write_parquet


@pytest.fixture(scope="module")
def features(world: World) -> pd.DataFrame:
    return make_account_features(world, with_truth=True)


def test_csv_files_use_allowed_dialects(world: World, tmp_path: Path) -> None:
    folder = write_csv(world, tmp_path / "extract")
    assert {p.name for p in folder.iterdir()} == {f"{t}.csv" for t in TABLES} | {"ground_truth.csv"}
    head = (folder / "accounts.csv").read_bytes()[:40]
    assert head.startswith(b"\xef\xbb\xbf Account ID,Name,CSM Email")
    assert (folder / "integration_runs.csv").read_text().startswith("account_id;ts;")
    assert b"\r\n" in (folder / "tickets.csv").read_bytes()[:200]
    runs = pd.read_csv(folder / "integration_runs.csv", sep=";", dtype=str)
    assert runs["ts"].str.endswith("Z").any() and runs["ts"].str.contains(r"[+-]\d\d:\d\d$").any()
    assert (~runs["ts"].str.contains(r"Z|[+-]\d\d:\d\d$")).any()  # some without an offset
    parsed = pd.to_datetime(runs["ts"], utc=True, format="ISO8601")
    assert (parsed.to_numpy() == world.integration_runs["ts"].to_numpy()).all()
    tickets = pd.read_csv(folder / "tickets.csv", dtype=str)
    opened = pd.to_datetime(tickets["opened_at"], utc=True, format="ISO8601")
    assert (opened.to_numpy() == world.tickets["opened_at"].to_numpy()).all()
    accounts = pd.read_csv(folder / "accounts.csv", dtype=str, encoding="utf-8-sig")
    assert accounts["Created At"].str.endswith("T00:00:00Z").any()
    assert accounts["Name"].tolist() == world.accounts["name"].tolist()
    usage = pd.read_csv(folder / "usage.csv")
    assert len(usage) == len(world.usage)


def test_plain_csv(world: World, tmp_path: Path) -> None:
    folder = write_csv(world, tmp_path / "plain", dialects=False)
    assert (folder / "accounts.csv").read_text().startswith("account_id,name,csm_email")
    runs = pd.read_csv(folder / "integration_runs.csv", dtype=str)
    assert runs["ts"].str.endswith("Z").all()


def test_parquet_keeps_types(world: World, tmp_path: Path) -> None:
    folder = write_parquet(world, tmp_path / "pq")
    usage = pq.read_schema(folder / "usage.parquet")
    assert usage.field("date").type == pa.date32()
    runs = pq.read_schema(folder / "integration_runs.parquet")
    assert pa.types.is_timestamp(runs.field("ts").type) and runs.field("ts").type.tz == "UTC"
    accounts = pq.read_table(folder / "accounts.parquet").to_pandas()
    assert accounts["churned_at"].notna().sum() == world.accounts["churned_at"].notna().sum()
    assert pq.read_metadata(folder / "usage.parquet").num_rows == len(world.usage)


def test_account_features_shape(world: World, features: pd.DataFrame) -> None:
    assert not features.duplicated(["account_id", "as_of"]).any()
    assert set(features["account_id"]) <= set(world.accounts["account_id"])
    assert features["as_of"].nunique() >= 15
    for col in ("contract_type", "payment_method", "region", "account_id"):
        assert pd.api.types.is_string_dtype(features[col]), col
    assert set(features["contract_type"]) == {
        "Month-to-month",
        "One year",
        "Two year",
        "Three year",
    }
    ratio = features["total_charges"] / (features["tenure_months"] * features["monthly_charges"])
    assert ratio.dropna().between(0.95, 1.05).all()  # total_charges near-duplicates the product
    assert "true_driver" not in make_account_features(world).columns


def test_account_features_labels(world: World, features: pd.DataFrame) -> None:
    label = features["churned_within_horizon"]
    last = features["as_of"] == features["as_of"].max()
    assert label[last].isna().all() and label[~last].notna().all()
    assert set(label.dropna().unique()) == {0, 1}
    gone = features["account_id"].map(world.accounts.set_index("account_id")["churned_at"])
    soon = (gone > features["as_of"]) & (gone <= features["as_of"] + pd.Timedelta(days=30))
    assert (label[~last] == soon[~last].astype(int)).all()
    early = make_account_features(world, early_positives=True)["churned_within_horizon"]
    assert early.notna().sum() > label.notna().sum()


def test_account_features_carry_the_drivers(features: pd.DataFrame) -> None:
    mean = features.groupby("true_driver")[
        ["sync_errors_30d", "unanswered_calls", "logins_30d", "failed_payments_90d"]
    ].mean()
    others = mean.drop(index="integrations")["sync_errors_30d"].max()
    assert mean.loc["integrations", "sync_errors_30d"] > 2 * others
    assert (
        mean.loc["support", "unanswered_calls"]
        > 5 * mean.drop(index="support")["unanswered_calls"].max()
    )
    assert mean.loc["adoption", "logins_30d"] < mean.loc["none", "logins_30d"]
    rate = features.groupby(features["failed_payments_90d"] > 0)["churned_within_horizon"].mean()
    assert abs(rate[True] - rate[False]) < 0.03  # a red herring
