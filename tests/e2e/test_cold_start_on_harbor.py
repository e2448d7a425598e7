"""A 300-account company not made by ``atrisk synth`` (Harbor Data): the first ``atrisk train``
ends with a live score without ``--force``, and the daily run posts it labelled as what it is.

On Harbor 300 neither trained candidate meets the 0.70 floor (too little churn in the test
period), so the rules score goes live; the trained winner is kept as a candidate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.journey import last_json
from tests.e2e.user import Result, atrisk, workspace, write_spec
from tests.worlds import WorldConfig, make_world
from tests.worlds.catalog import KEY_FEATURES
from tests.worlds.export import write_csv

END = WorldConfig().end.isoformat()


@pytest.fixture(scope="module")
def harbor(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result | Path]:
    root = tmp_path_factory.mktemp("harbor-cold-start")
    source = write_csv(make_world(WorldConfig(accounts=300)), root / "csv")
    steps: dict[str, Result | Path] = {"folder": root / "ws"}
    with workspace(root / "ws"):
        write_spec(root / "ws" / "atrisk.yml", {"contract": {"key_features": list(KEY_FEATURES)}})
        for name, argv in {
            "db upgrade": ("db", "upgrade"),
            "ingest": ("ingest", str(source), "--json"),
            "train": ("train", "--json"),
            "model list": ("model", "list", "--json"),
            "run": ("run", "--as-of", END, "--json"),
            "status": ("status",),
        }.items():
            steps[name] = atrisk(*argv)
    return steps


def _result(steps: dict[str, Result | Path], name: str) -> Result:
    result = steps[name]
    assert isinstance(result, Result)
    assert result.code == 0, str(result)
    return result


def test_harbor_300_ends_its_first_training_with_a_live_rules_score_without_force(
    harbor: dict[str, Result | Path],
) -> None:
    trained = last_json(_result(harbor, "train"))
    assert trained["state"] == "live" and trained["kind"] == "rules"
    assert trained["why"].startswith("the rules score serves until a trained model meets")
    assert "below the accuracy floor 0.70" in trained["why"]
    rules = trained["metrics"]["candidates"]["rules"]
    assert rules["low"] < rules["roc_auc"] < rules["high"]
    assert trained["candidate"] is not None  # the trained winner, kept for the record
    listed = {row["version"]: row for row in last_json(_result(harbor, "model list"))["models"]}
    assert listed[trained["version"]]["state"] == "live"
    assert listed[trained["version"]]["kind"] == "rules"
    assert listed[trained["candidate"]]["state"] == "candidate"


def test_the_daily_run_scores_with_the_rules_score_and_its_alerts_say_so(
    harbor: dict[str, Result | Path],
) -> None:
    day = last_json(_result(harbor, "run"))
    assert day["status"] == "succeeded" and day["model_kind"] == "rules"
    folder = harbor["folder"]
    assert isinstance(folder, Path)
    posted = sorted((folder / "outbox" / END).glob("*.json"))
    assert posted, "the rules score flagged nobody"
    for path in posted:
        payload = json.loads(path.read_text())
        context = next(b for b in payload["blocks"] if b.get("block_id") == "atrisk.context")
        text = context["elements"][0]["text"]
        assert text.startswith("Rules score ") and "not a trained model yet" in text
        reasons = next(b for b in payload["blocks"] if b.get("block_id") == "atrisk.reasons")
        assert reasons["text"]["text"].strip()  # told the same way as a trained model's
    status = _result(harbor, "status").out
    assert "rules score" in " ".join(status.split())
