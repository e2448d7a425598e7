"""Shared fixtures: migrated, empty databases on SQLite and PostgreSQL.

``db_url`` is parametrized over both back ends. PostgreSQL is the server named by
``ATRISK_TEST_PG_URL`` (default: 127.0.0.1:5432, user postgres, database test). When it cannot
be reached the PostgreSQL half is skipped with a one-line reason, except under ``CI=true``,
where a skipped PostgreSQL test is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.db import make_engine
from storage.migrate import upgrade

PG_URL = os.environ.get("ATRISK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_unavailable() -> str | None:
    try:
        eng = make_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except Exception as e:  # any driver error means "not reachable" here
        return f"PostgreSQL at {PG_URL} is not reachable ({type(e).__name__})"
    return None


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head, dropped at the end."""
    reason = _pg_unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI requires PostgreSQL", pytrace=False)
        pytest.skip(reason)
    name = f"atrisk_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "select tablename from pg_tables where schemaname = 'public' "
                "and tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite database file for this test."""
    path = tmp_path / "atrisk.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty PostgreSQL database for this test (tables truncated before it)."""
    url: str = request.getfixturevalue("_pg_database")
    _truncate_all(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: the test runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def copy_database(src: Path, dst: Path) -> None:
    """Copy a SQLite application database and the embedded source file beside it, if any."""
    shutil.copy(src, dst)
    beside = src.with_name(src.stem + ".sources.duckdb")
    if beside.exists():
        shutil.copy(beside, dst.with_name(dst.stem + ".sources.duckdb"))


def ingest_beside(folder: Path, engine: Engine, **options: object) -> object:
    """``ingest`` the way ``atrisk ingest`` does: the source tables into the source engine."""
    from storage.ingest import ingest
    from storage.source_engine import default_source_url, make_source_engine, prepare_embedded

    url = default_source_url(engine.url.render_as_string(hide_password=False))
    if url is None:
        return ingest(folder, engine, **options)  # type: ignore[arg-type]
    source = make_source_engine(url)
    prepare_embedded(source)
    try:
        return ingest(folder, engine, source_engine=source, **options)  # type: ignore[arg-type]
    finally:
        source.dispose()
