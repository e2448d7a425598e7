"""A team that already builds an ``account_features`` table (in dbt, say) plugs it in.

Same company as the first-day test, plus a snapshot table with columns named the way people
name them ("Failed Syncs 14d", "Plan"), a text column and labels left empty where the
horizon has not passed. The spec says ``contract.features: account_features``.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.own_features import account_features
from tests.e2e.user import SPEC_CHANGES, Extracts, Result, atrisk, workspace, write_spec

# key features must be columns of account_features here (docs/model.md), as normalized
OWN_SPEC = {
    **SPEC_CHANGES,
    "contract": {
        "features": "account_features",
        "key_features": ["failed_syncs_14d", "unanswered_tickets"],
    },
}


@dataclass
class Own:
    folder: Path
    steps: dict[str, Result]

    def __getitem__(self, name: str) -> Result:
        return self.steps[name]


@pytest.fixture(scope="module")
def own(extracts: Extracts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Own]:
    root = tmp_path_factory.mktemp("own-features")
    source = root / "extract"
    shutil.copytree(extracts.csv, source)
    snapshots = account_features(extracts.company)
    snapshots.to_csv(
        source / "account_features.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )
    with workspace(root / "user") as folder:
        write_spec(folder / "atrisk.yml", OWN_SPEC)
        steps = {
            "db upgrade": atrisk("db", "upgrade"),
            "ingest": atrisk("ingest", str(source), "--json"),
            "audit": atrisk("audit", "--json"),
            "train": atrisk("train", "--json"),
            "score": atrisk("score", "--no-post", "--out", "scores.csv", "--json"),
        }
        yield Own(folder, steps)


def _scores(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", ["db upgrade", "ingest", "audit", "train", "score"])
def test_each_step_with_a_teams_own_features_exits_0(own: Own, name: str) -> None:
    assert own[name].code == 0, str(own[name])


def test_the_snapshot_table_is_ingested_with_its_own_columns(own: Own) -> None:
    tables = own["ingest"].json()["tables"]
    assert tables["account_features"]["inserted"] > 10_000
    audit = own["audit"].json()
    assert audit["ok"] is True, audit["problems"]


def test_a_model_on_the_teams_features_beats_the_baseline(own: Own) -> None:
    trained = own["train"].json()
    assert trained["feature_source"] == "account_features"
    assert trained["state"] == "live", trained["why"]


def test_scores_on_own_features_name_the_teams_columns(own: Own) -> None:
    rows = _scores(own.folder / "scores.csv")
    assert len(rows) == own["score"].json()["counts"]["scored"] > 500
    assert all(0.0 <= float(r["risk"]) <= 1.0 for r in rows)
    flagged = [r for r in rows if r["flagged"] == "True"]
    reasons = [r[f"reason_{i}"] for r in flagged for i in (1, 2, 3) if r[f"reason_{i}"]]
    assert flagged and reasons
    assert not [r for r in reasons if re.search(r"\b(nan|None|NaN)\b", r)]
    assert any(r.startswith(("failed_syncs_14d", "unanswered_tickets")) for r in reasons)
