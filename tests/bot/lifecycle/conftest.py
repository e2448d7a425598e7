"""A small synthetic company in a migrated database, a spec for it, and contexts on both.

The company (400 accounts, 9 months) is generated and ingested once per session into a
SQLite template; each test gets its own copy. ``spec_file`` writes the example spec with a
few fields changed, so tests can train on a short history with few churned accounts.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.bootstrap import Context, default_spec_path
from bot.settings import Settings
from storage.db import make_engine
from synth import generate, write_company
from tests.conftest import copy_database, ingest_beside

END = dt.date(2026, 11, 1)  # the company's data runs up to the day before
EARLY = END - dt.timedelta(days=60)  # a training day whose 30-day outcomes have matured by END
SMALL = {
    "training": {"min_positives": 10, "history_days": 200},
    "feedback": {"holdout_share": 0.0},
    "surface": {"daily_cap_per_csm": 1000},  # every flagged account gets a pending alert
}


def spec_file(folder: Path, changes: dict[str, Any] | None = None) -> Path:
    """The example spec with ``SMALL`` and ``changes`` merged in, written to ``folder``."""
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    for section, values in {**SMALL, **(changes or {})}.items():
        data.setdefault(section, {}).update(values)
    path = folder / "atrisk.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def make_ctx(url: str, folder: Path, changes: dict[str, Any] | None = None) -> Context:
    path = spec_file(folder, changes)
    settings = Settings(
        database_url=url,
        atrisk_spec=path,
        atrisk_outbox_dir=folder / "outbox",
        slack_bot_token=None,
    )
    return Context(settings=settings, spec_path=path)


@pytest.fixture(scope="session")
def company_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("company")
    write_company(generate(accounts=400, months=9, seed=3, end=END), folder)
    (folder / "ground_truth.csv").unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="session")
def _company_db(
    company_dir: Path, _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("company-db") / "company.db"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ingest_beside(company_dir, engine)
    engine.dispose()
    return path


@pytest.fixture
def company_url(_company_db: Path, tmp_path: Path) -> str:
    """A migrated SQLite database holding the small company (a fresh copy per test)."""
    path = tmp_path / "atrisk.db"
    copy_database(_company_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def ctx(company_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(company_url, tmp_path)
    yield c
    c.close()


def use_env(monkeypatch: pytest.MonkeyPatch, url: str, folder: Path, **changes: Any) -> Path:
    """Point ``bot.cli.run`` at ``url`` with a spec in ``folder``; returns the spec path."""
    path = spec_file(folder, changes or None)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ATRISK_SPEC", str(path))
    monkeypatch.setenv("ATRISK_OUTBOX_DIR", str(folder / "outbox"))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    return path


@pytest.fixture(scope="session")
def _trained_db(_company_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The company with one live model trained on it (trained once per session)."""
    from bot.lifecycle.training import train_model

    folder = tmp_path_factory.mktemp("trained")
    path = folder / "trained.db"
    copy_database(_company_db, path)
    c = make_ctx(f"sqlite:///{path}", folder)
    report = train_model(c)
    c.close()
    assert report.state == "live", report.why
    return path


@pytest.fixture
def trained_url(_trained_db: Path, tmp_path: Path) -> str:
    """A fresh copy of the company database with a live model."""
    path = tmp_path / "atrisk.db"
    copy_database(_trained_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def trained_ctx(trained_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(trained_url, tmp_path)
    yield c
    c.close()


@pytest.fixture(scope="session")
def _shadowed_db(_trained_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained company with a second model in shadow beside the live one."""
    from bot.lifecycle.training import train_model

    folder = tmp_path_factory.mktemp("shadowed")
    path = folder / "shadowed.db"
    copy_database(_trained_db, path)
    c = make_ctx(f"sqlite:///{path}", folder)
    report = train_model(c)
    c.close()
    assert report.state == "shadow", report.why
    return path


@pytest.fixture
def shadowed_url(_shadowed_db: Path, tmp_path: Path) -> str:
    """A fresh copy of the company database with a live and a shadow model."""
    path = tmp_path / "atrisk.db"
    copy_database(_shadowed_db, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _shadowed_early_db(_company_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The company with a live and a shadow model both trained 60 days before its data ends,
    so the days since then can be scored without a model that knows their future."""
    from bot.lifecycle.training import train_model

    folder = tmp_path_factory.mktemp("shadowed-early")
    path = folder / "shadowed-early.db"
    copy_database(_company_db, path)
    c = make_ctx(f"sqlite:///{path}", folder)
    states = [train_model(c, as_of=EARLY).state for _ in range(2)]
    c.close()
    assert states == ["live", "shadow"], states
    return path


@pytest.fixture
def shadowed_early_url(_shadowed_early_db: Path, tmp_path: Path) -> str:
    """A fresh copy of the company with live and shadow models trained on ``EARLY``."""
    path = tmp_path / "atrisk.db"
    copy_database(_shadowed_early_db, path)
    return f"sqlite:///{path}"
