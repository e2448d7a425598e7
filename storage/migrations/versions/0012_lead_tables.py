"""source tables of the lead entity: leads and lead_activity

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.String(length=128), nullable=False),
        sa.Column("company", sa.String(length=512), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=True),
        sa.Column("segment", sa.String(length=128), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Date(), nullable=False),
        sa.Column("converted_at", sa.Date(), nullable=True),
        sa.Column("disqualified_at", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_leads")),
    )
    op.create_index(op.f("ix_leads_company"), "leads", ["company"], unique=False)
    op.create_index(op.f("ix_leads_owner_email"), "leads", ["owner_email"], unique=False)
    op.create_index(op.f("ix_leads_converted_at"), "leads", ["converted_at"], unique=False)
    op.create_table(
        "lead_activity",
        sa.Column("lead_id", sa.String(length=128), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("lead_id", "ts", "type", name=op.f("pk_lead_activity")),
    )
    op.create_index("ix_lead_activity_ts", "lead_activity", ["ts"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lead_activity_ts", table_name="lead_activity")
    op.drop_table("lead_activity")
    op.drop_index(op.f("ix_leads_converted_at"), table_name="leads")
    op.drop_index(op.f("ix_leads_owner_email"), table_name="leads")
    op.drop_index(op.f("ix_leads_company"), table_name="leads")
    op.drop_table("leads")
