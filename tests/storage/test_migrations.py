"""Alembic owns the schema: an empty database upgrades to head on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from storage.db import make_engine
from storage.errors import SchemaNotReady
from storage.migrate import current_revision, head_revision, require_head, upgrade
from storage.models import Base


def test_an_empty_database_upgrades_to_head_with_every_table(engine):
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrading_twice_is_harmless(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_a_database_never_upgraded_is_refused_with_the_command_to_run(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}", create=True)
    with pytest.raises(SchemaNotReady, match="atrisk db upgrade"):
        require_head(engine)
