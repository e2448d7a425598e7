"""plays: what a click opened on an account; alerts.follows_alert_id and since_text

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plays",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("playbook_id", sa.String(length=128), nullable=True),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("steps", sa.Text(), nullable=True),
        sa.Column("owner_email", sa.String(length=320), nullable=True),
        sa.Column("owner_slack_id", sa.String(length=32), nullable=True),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("remind_on", sa.Date(), nullable=True),
        sa.Column("check_on", sa.Date(), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("steps_ts", sa.String(length=32), nullable=True),
        sa.Column("reminder_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="fk_plays_alert_id_alerts"),
        sa.PrimaryKeyConstraint("id", name="pk_plays"),
        sa.UniqueConstraint("alert_id", name="uq_plays_alert_id"),
    )
    op.create_index("ix_plays_account_id", "plays", ["account_id"])
    op.create_index("ix_plays_owner_email", "plays", ["owner_email"])
    op.create_index("ix_plays_status", "plays", ["status"])
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follows_alert_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("since_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("since_text")
        batch_op.drop_column("follows_alert_id")
    op.drop_index("ix_plays_status", table_name="plays")
    op.drop_index("ix_plays_owner_email", table_name="plays")
    op.drop_index("ix_plays_account_id", table_name="plays")
    op.drop_table("plays")
