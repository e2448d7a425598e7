"""the product (entity) of each row of the app state: churn and leads share one database

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: every row older than this revision is the churn product's
TABLES = ("model_versions", "scoring_runs", "scores", "alerts")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("product", sa.String(length=16), nullable=False, server_default="account")
            )
            batch.create_index(f"ix_{table}_product", ["product"])


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_product")
            batch.drop_column("product")
