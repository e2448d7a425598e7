"""Worlds shared by the generator's own tests (made once per session: each takes about 1-2 s)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.worlds import World, WorldConfig, make_world
from tests.worlds.symptoms import symptoms, weekly_dates


@pytest.fixture(scope="session")
def world() -> World:
    """The default company: 300 accounts, 18 months, seed 7."""
    return make_world(WorldConfig())


@pytest.fixture(scope="session")
def leaky_world() -> World:
    """The default company with churned accounts' renewal_date = churned_at."""
    return make_world(WorldConfig(renewal_leak=True))


@pytest.fixture(scope="session")
def world_symptoms(world: World) -> pd.DataFrame:
    """Weekly observable symptoms and 30-day labels of the default company."""
    return symptoms(world, weekly_dates(world))
