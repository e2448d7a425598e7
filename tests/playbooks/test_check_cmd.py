"""``atrisk check``: what stops a run is a problem (exit 2), what only degrades it a warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.bootstrap import default_spec_path
from bot.cli import run
from tests.playbooks.factories import playbook, write


@pytest.fixture
def spec_path(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example spec, a migrated SQLite database and no Slack settings."""
    path = tmp_path / "atrisk.yml"
    path.write_text(default_spec_path().read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("ATRISK_SPEC", str(path))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return path


def set_actions(spec_path: Path, **actions: object) -> None:
    data = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    data["actions"].update(actions)
    spec_path.write_text(yaml.safe_dump(data), encoding="utf-8")


def check_json(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = run(["check", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_ready_deployment_passes_and_says_slack_is_a_dry_run(
    spec_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["check"]) == 0
    out = capsys.readouterr().out
    assert "playbooks: 11 from the built-in library" in out
    assert "is migrated" in out
    assert "Slack: not configured (no SLACK_BOT_TOKEN): a dry run" in out
    assert "Ready." in out


def test_a_family_no_playbook_covers_is_a_warning_not_a_failure(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "team", "usage.yml", playbook(id="call-champion", families=["usage"]))
    set_actions(spec_path, playbooks="team")
    assert run(["check"]) == 0
    out = capsys.readouterr().out
    assert "no playbook covers the support family: its alerts will only offer Not a risk" in out
    code, report = check_json(capsys)
    assert code == 0
    assert report["ok"] is True
    assert report["problems"] == []
    assert len(report["warnings"]) == 5  # adoption, integrations, support, commercial, profile
    assert any("covers the profile family" in w for w in report["warnings"])


def test_a_family_with_only_conditional_playbooks_is_a_warning(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path / "team",
        "escalate.yml",
        playbook(id="escalate", families=["support"], when="urgent_open_tickets >= 1"),
    )
    set_actions(spec_path, playbooks=str(tmp_path / "team"))
    code, report = check_json(capsys)
    assert code == 0
    assert any(
        "every playbook for the support family has a condition" in w for w in report["warnings"]
    )


def test_a_broken_library_is_a_problem_naming_file_id_and_field(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "team"
    write(folder, "escalate.yml", playbook(id="escalate-ticket", title="x" * 81))
    set_actions(spec_path, playbooks="team", extend_builtin=True)
    code, report = check_json(capsys)
    assert code == 2
    assert report["ok"] is False
    assert report["problems"] == [
        f"{folder / 'escalate.yml'}: escalate-ticket: title: "
        "81 characters, a Slack button holds at most 75"
    ]


def test_a_condition_on_a_feature_the_catalog_lacks_is_a_problem(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "team", "pb.yml", playbook(when="open_tikets >= 3"))
    set_actions(spec_path, playbooks="team", extend_builtin=True)
    code, report = check_json(capsys)
    assert code == 2
    assert "unknown feature 'open_tikets' (did you mean 'open_tickets'?)" in report["problems"][0]


def test_an_unmigrated_database_is_a_problem_saying_what_to_run(
    spec_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{empty}")
    assert run(["check"]) == 2
    out = capsys.readouterr().out
    assert "atrisk db upgrade" in out
    assert "Not ready: 1 problem." in out


def test_a_database_file_that_does_not_exist_is_not_created(
    spec_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "nowhere.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    code, report = check_json(capsys)
    assert code == 2
    assert "run `atrisk db upgrade`" in report["problems"][0]
    assert not missing.exists()


def test_an_invalid_spec_is_refused_with_exit_2(
    spec_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    del data["feedback"]
    spec_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert run(["check"]) == 2
    assert "feedback is required" in capsys.readouterr().err


def test_slack_settings_are_reported_without_their_values(
    spec_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret-value")
    assert run(["check"]) == 0
    out = capsys.readouterr().out
    assert "Slack: configured (http)" in out
    assert "very-secret" not in out and "signing-secret-value" not in out


def test_a_bot_token_without_a_way_to_receive_clicks_is_a_warning(
    spec_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-bot-token")
    code, report = check_json(capsys)
    assert code == 0
    assert report["slack"] == {"configured": True, "mode": "incomplete"}
    assert len(report["warnings"]) == 2
    assert "not-a-bot-token" not in json.dumps(report)
