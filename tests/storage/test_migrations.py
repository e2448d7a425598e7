"""Alembic owns the schema: an empty database upgrades to head on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import make_engine
from storage.errors import SchemaNotReady
from storage.migrate import current_revision, head_revision, require_head, upgrade
from storage.models import Base


def test_an_empty_database_upgrades_to_head_with_every_table(engine):
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


# SQLite cannot reflect the expression indexes (lower(name)), so autogenerate skips them there
@pytest.mark.filterwarnings("ignore:autogenerate skipping", "ignore:Skipped unsupported reflection")
def test_the_models_describe_the_migrated_schema_so_autogenerate_finds_nothing_to_change(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_importing_the_models_defines_every_table_on_one_metadata():
    from storage.lead_models import Lead, LeadActivity

    assert Lead.metadata is Base.metadata and LeadActivity.metadata is Base.metadata
    assert {"leads", "lead_activity", "accounts", "alerts", "scores"} <= set(Base.metadata.tables)


def test_upgrading_twice_is_harmless(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_a_database_never_upgraded_is_refused_with_the_command_to_run(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}", create=True)
    with pytest.raises(SchemaNotReady, match="atrisk db upgrade"):
        require_head(engine)
