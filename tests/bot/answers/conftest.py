"""A context on a fresh store (SQLite and PostgreSQL) and the first CSM of the seeded team
(``tests.bot.daily.factories.seed_world``), as the answers' tests ask for them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answers import lookups
from bot.bootstrap import Context
from tests.bot.daily.factories import make_ctx


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(db_url, tmp_path)
    yield c
    c.close()


def jane(ctx: Context) -> lookups.Caller:
    """The first CSM of the seeded team (Slack id ``U0CSM0``)."""
    caller = lookups.resolve_caller(ctx, "U0CSM0")
    assert caller is not None
    return caller
