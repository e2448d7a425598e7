"""covering indexes behind the at-risk queue: a run's flagged scores, accounts' CSM and ARR

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 04:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # `/atrisk` for a manager or an admin reads every flagged score of the run in scope with
    # its account's CSM and ARR: from these two indexes alone, without visiting a score row
    # (each carries its reasons) or an account row (measured at 100k accounts on SQLite: the
    # admin's queue 115 -> 52 ms, a team of 20 CSMs 60 -> 25 ms)
    op.create_index(
        "ix_scores_run_flagged_queue",
        "scores",
        ["run_id", "risk", "account_id", "as_of", "shadow", "flagged", "product"],
        sqlite_where=sa.text("flagged = 1"),
        postgresql_where=sa.text("flagged"),
    )
    op.drop_index("ix_scores_run_flagged_risk", table_name="scores")
    op.create_index("ix_accounts_queue", "accounts", ["account_id", "csm_email", "arr"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("ix_accounts_queue", table_name="accounts")
    op.create_index(
        "ix_scores_run_flagged_risk",
        "scores",
        ["run_id", "risk"],
        sqlite_where=sa.text("flagged = 1"),
        postgresql_where=sa.text("flagged"),
    )
    op.drop_index("ix_scores_run_flagged_queue", table_name="scores")
