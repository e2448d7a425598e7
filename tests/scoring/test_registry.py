"""The registry's artifacts: text model + JSON extras, guarded by a SHA-256 on every load."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from scoring.errors import ArtifactTampered
from scoring.labels import split_by_time
from scoring.predict import contributions, model_matrix, raw_margin, risk
from scoring.registry import data_fingerprint, load, next_version, serialise
from scoring.train import fit
from tests.scoring.model_frames import CATEGORICAL, FEATURES, LINEAR, TREES, churn_frame


@pytest.fixture(scope="module")
def stored():
    frame = churn_frame(n=300, snapshots=8, seed=3)
    result = fit(frame, FEATURES, CATEGORICAL, TREES, split=split_by_time)
    result.model.version = "2026-11-22.1"
    text, sha, extras = serialise(result.model)
    return result.model, text, sha, extras, frame


def _load(text: str, sha: str, extras: dict, features: list[str]):
    return load(
        version="2026-11-22.1", artifact=text, artifact_sha256=sha, features=features, extras=extras
    )


def test_a_stored_model_scores_and_explains_exactly_as_it_did_before_storage(stored) -> None:
    model, text, sha, extras, frame = stored
    again = _load(text, sha, json.loads(json.dumps(extras, allow_nan=False)), model.features)
    rows = frame.tail(300).set_index("account_id")
    x1 = model_matrix(rows, model.features, model.categories)
    x2 = model_matrix(rows, again.features, again.categories)
    assert np.array_equal(risk(model, x1), risk(again, x2))
    assert np.array_equal(contributions(model, x1), contributions(again, x2))
    assert again.categories == {
        "segment": ["Enterprise", "Mid-Market", "SMB"],
        "plan": ["Business", "Growth"],
    }
    assert "pickle" not in text and text.startswith("tree\n")


def test_a_model_changed_after_training_is_refused_naming_its_version(stored) -> None:
    model, text, sha, extras, _ = stored
    edited = text.replace("learning_rate", "learning_rate ", 1)
    with pytest.raises(ArtifactTampered) as e:
        _load(edited, sha, extras, model.features)
    assert str(e.value) == (
        "model 2026-11-22.1 does not match its SHA-256: it was changed after training; "
        "retrain or restore it"
    )


def test_a_corrupted_model_whose_hash_was_rewritten_is_still_refused(stored) -> None:
    from scoring.registry import sha256_text

    model, _, _, extras, _ = stored
    garbage = "tree\nversion=v4\nnot a model"
    with pytest.raises(ArtifactTampered, match=r"model 2026-11-22\.1 cannot be read"):
        _load(garbage, sha256_text(garbage), extras, model.features)
    model_, text, sha, _, _ = stored
    with pytest.raises(ArtifactTampered, match="cannot be read"):
        _load(text, sha, {"calibration": {"method": "magic"}}, model_.features)
    with pytest.raises(ArtifactTampered, match="lists features that differ"):
        _load(text, sha, extras, list(reversed(model_.features)))


def test_versions_count_up_within_a_day() -> None:
    day = dt.date(2026, 11, 22)
    assert next_version(day, []) == "2026-11-22.1"
    assert next_version(day, ["2026-11-22.1", "2026-11-22.2", "2026-11-21.7"]) == "2026-11-22.3"


def test_the_fingerprint_follows_the_data_not_the_object() -> None:
    a = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})
    assert data_fingerprint(a) == data_fingerprint(a.copy())
    assert data_fingerprint(a) != data_fingerprint(a.assign(x=[1.0, 2.5]))
    assert data_fingerprint(a) != data_fingerprint(a.rename(columns={"y": "z"}))


def test_a_logistic_model_is_stored_as_json_text_and_explained_exactly() -> None:
    frame = churn_frame(n=300, snapshots=8, seed=3)
    result = fit(frame, FEATURES, CATEGORICAL, LINEAR, split=split_by_time)
    model = result.model
    model.version = "2026-11-22.2"
    text, sha, extras = serialise(model)
    again = load(
        version=model.version,
        artifact=text,
        artifact_sha256=sha,
        features=model.features,
        extras=json.loads(json.dumps(extras, allow_nan=False)),
    )
    assert again.kind == "logistic" and json.loads(text)["coef"]
    rows = frame.tail(300).set_index("account_id")
    x = model_matrix(rows, again.features, again.categories)
    phi = contributions(again, x)
    assert phi.shape == (len(rows), len(again.features) + 1)
    assert np.allclose(phi.sum(axis=1), raw_margin(again, x))
    assert np.array_equal(risk(model, x), risk(again, x))
    with pytest.raises(ArtifactTampered, match=r"2026-11-22\.2 does not match its SHA-256"):
        load(
            version=model.version,
            artifact=text.replace("0", "1", 1),
            artifact_sha256=sha,
            features=model.features,
            extras=extras,
        )
