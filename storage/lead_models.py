"""The source tables of a lead product (``entity: lead``): leads and what they did.

Declared on the same metadata as ``storage.models`` (``storage.base.Base``), so one Alembic
history owns both; see docs/lead-scoring.md for the columns' meaning.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Lead(Base):
    """A sales lead: one person at a company, owned by an SDR or AE (``entity: lead``)."""

    __tablename__ = "leads"

    lead_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    company: Mapped[str] = mapped_column(String(512), index=True)
    owner_email: Mapped[str] = mapped_column(String(320), index=True)
    source: Mapped[str | None] = mapped_column(String(128))
    segment: Mapped[str | None] = mapped_column(String(128))
    employees: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.date] = mapped_column(Date)
    converted_at: Mapped[dt.date | None] = mapped_column(Date, index=True)
    disqualified_at: Mapped[dt.date | None] = mapped_column(Date)


class LeadActivity(Base):
    """One thing a lead did: a visit, an email reply, a demo request, a trial event, …"""

    __tablename__ = "lead_activity"

    lead_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(32), primary_key=True)
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_lead_activity_ts", "ts"),)
