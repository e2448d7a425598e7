"""Harbor Data: an independent synthetic company for testing atrisk against the input contract.

The world is written only from the input contract, the spec and the feature names, so it
carries none of the product generator's assumptions. Public API:

- `WorldConfig`, `make_world(cfg) -> World` (typed contract frames plus ground truth);
- `World.driver_of(account_id)`, `World.tables()`;
- `write_csv(world, folder)`, `write_parquet(world, folder)`;
- `make_account_features(world_or_cfg)`: a telecom-style "bring your own features" table.
"""

from tests.worlds.byo import make_account_features
from tests.worlds.catalog import DRIVERS, FEATURE_NAMES, INTEGRATIONS, KEY_FEATURES
from tests.worlds.config import WorldConfig
from tests.worlds.export import write_csv, write_parquet
from tests.worlds.harbor import TABLES, World, make_world

__all__ = [
    "DRIVERS",
    "FEATURE_NAMES",
    "INTEGRATIONS",
    "KEY_FEATURES",
    "TABLES",
    "World",
    "WorldConfig",
    "make_account_features",
    "make_world",
    "write_csv",
    "write_parquet",
]
