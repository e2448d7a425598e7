"""indexes behind /atrisk: accounts by name or id ignoring case, a run's flagged scores

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-30 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # `/atrisk acme corp`: an exact name or id, any case, is one index look-up
    op.create_index("ix_accounts_name_lower", "accounts", [sa.text("lower(name)")])
    op.create_index("ix_accounts_id_lower", "accounts", [sa.text("lower(account_id)")])
    # the at-risk queue reads a run's flagged scores, riskiest first, without the other 95 %;
    # partial, so its statistics count flagged scores only (the planner then reads a team's
    # flagged scores from it, and one CSM's few hundred accounts through their CSM instead)
    op.create_index(
        "ix_scores_run_flagged_risk",
        "scores",
        ["run_id", "risk"],
        sqlite_where=sa.text("flagged = 1"),
        postgresql_where=sa.text("flagged"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite plans by the statistics ANALYZE leaves; without them it would read a whole
        # run's flagged scores for one CSM's 500 accounts (PostgreSQL's autovacuum analyzes)
        op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("ix_scores_run_flagged_risk", table_name="scores")
    op.drop_index("ix_accounts_id_lower", table_name="accounts")
    op.drop_index("ix_accounts_name_lower", table_name="accounts")
