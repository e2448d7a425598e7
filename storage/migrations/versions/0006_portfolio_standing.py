"""scores and alerts: where the account stands among its CSM's active accounts

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("scores", "alerts")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("portfolio_rank", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("portfolio_size", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("portfolio_median_risk", sa.Float(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("portfolio_median_risk")
            batch_op.drop_column("portfolio_size")
            batch_op.drop_column("portfolio_rank")
