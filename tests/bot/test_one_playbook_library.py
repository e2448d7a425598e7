"""Every entry point loads the playbook library the same way: what ``atrisk check`` refuses,
``atrisk serve`` and the daily run refuse too, with the same message."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from bot.bootstrap import Context, default_spec_path
from bot.cli import run
from bot.settings import Settings
from bot.slack.app import create_app
from playbooks.errors import LibraryInvalid
from tests.playbooks.factories import playbook, write

MESSAGE = "unknown feature 'open_tikets' (did you mean 'open_tickets'?)"


@pytest.fixture
def misspelt_library(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A spec whose team playbook names a feature the catalog does not have."""
    write(tmp_path / "team", "pb.yml", playbook(when="open_tikets >= 3"))
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    data["actions"]["playbooks"] = "team"
    spec_path = tmp_path / "atrisk.yml"
    spec_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("ATRISK_SPEC", str(spec_path))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ATRISK_OUTBOX_DIR", str(tmp_path / "outbox"))
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return spec_path


def test_check_refuses_a_playbook_naming_an_unknown_feature(
    misspelt_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["check"]) == 2
    assert MESSAGE in capsys.readouterr().out


def test_the_slack_app_refuses_the_same_playbook_with_the_same_message(
    misspelt_library: Path,
) -> None:
    ctx = Context(settings=Settings(slack_signing_secret="s"), spec_path=misspelt_library)
    with pytest.raises(LibraryInvalid, match=re.escape(MESSAGE)):
        create_app(ctx, client=None, verify_token=False)


def test_the_daily_run_refuses_the_same_playbook_with_the_same_message(
    misspelt_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["run", "--as-of", dt.date(2024, 12, 2).isoformat()])
    assert code == 2
    assert MESSAGE in capsys.readouterr().err
