"""SQLAlchemy 2.0 typed models: the source tables of the input contract and atrisk's own tables.

Alembic migrations (``storage/migrations``) own the schema; these classes describe it for the
ORM and for ``alembic revision --autogenerate``. Nothing here calls ``create_all``. The lead
tables are in ``storage.lead_models`` and the scoring tables (models, runs, scores, drift) in
``storage.scoring_models``, on the same metadata (``storage.base``); importing this module
defines every table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow
from storage.lead_models import Lead as Lead  # the lead tables, on the same metadata
from storage.lead_models import LeadActivity as LeadActivity
from storage.product import ProductScoped
from storage.scoring_models import DriftStat as DriftStat  # the scoring tables, likewise
from storage.scoring_models import ModelVersion as ModelVersion
from storage.scoring_models import Score as Score
from storage.scoring_models import ScoringRun as ScoringRun

# ---------------------------------------------------------------- source tables (input contract)


class Account(Base):
    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(512))
    csm_email: Mapped[str] = mapped_column(String(320), index=True)
    segment: Mapped[str | None] = mapped_column(String(128))
    plan: Mapped[str | None] = mapped_column(String(128))
    arr: Mapped[float | None] = mapped_column(Float)
    seats: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.date] = mapped_column(Date)
    renewal_date: Mapped[dt.date | None] = mapped_column(Date)
    churned_at: Mapped[dt.date | None] = mapped_column(Date, index=True)

    __table_args__ = (
        Index("ix_accounts_name_lower", func.lower(name)),
        Index("ix_accounts_id_lower", func.lower(account_id)),
        Index("ix_accounts_queue", "account_id", "csm_email", "arr"),
    )


class TeamMember(Base):
    __tablename__ = "team"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # csm | manager | analyst | admin
    manager_email: Mapped[str | None] = mapped_column(String(320), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    slack_channel: Mapped[str | None] = mapped_column(String(128))
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name, e.g. Europe/Berlin


class Usage(Base):
    __tablename__ = "usage"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    feature: Mapped[str] = mapped_column(String(128), primary_key=True)
    active_users: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_usage_date", "date"),)


class IntegrationRun(Base):
    __tablename__ = "integration_runs"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    integration: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # success | failure
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_integration_runs_ts", "ts"),)


class Ticket(Base):
    __tablename__ = "tickets"

    ticket_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    priority: Mapped[str | None] = mapped_column(String(16))  # low | normal | high | urgent
    csat: Mapped[int | None] = mapped_column(Integer)


class AccountFeatureRow(Base):
    """A row of a team's own snapshot feature table (``account_features``), columns kept as JSON."""

    __tablename__ = "account_features"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    churned_within_horizon: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_account_features_as_of", "as_of"),)


class IngestRun(Base):
    """One ``atrisk ingest``: where from, how many rows per table, and the newest data it held."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # succeeded | refused | failed
    row_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data_through: Mapped[dt.date | None] = mapped_column(Date)
    message: Mapped[str | None] = mapped_column(Text)


# ---------------------------------------------------------------- the product's own tables


class Alert(ProductScoped, Base):
    """The outbox: one at-risk account for one day, written ``pending`` with the scores.

    status: pending → posted | failed; or held_out (control group) | suppressed (cap, cooldown).
    ``alert_key`` (account and day) makes a rerun of the day a no-op.
    """

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_key: Mapped[str] = mapped_column(String(256), unique=True)
    account_id: Mapped[str] = mapped_column(String(128), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_runs.id"))
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"))
    csm_email: Mapped[str | None] = mapped_column(String(320), index=True)
    channel: Mapped[str | None] = mapped_column(String(128))
    risk: Mapped[float] = mapped_column(Float)
    previous_risk: Mapped[float | None] = mapped_column(Float)
    arr: Mapped[float | None] = mapped_column(Float)  # the account's ARR when alerted
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    playbooks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[dt.datetime | None]
    posted_channel: Mapped[str | None] = mapped_column(String(64))
    posted_ts: Mapped[str | None] = mapped_column(String(32))
    # set when the alert updates an earlier alert's message (an open play or dismissal there)
    follows_alert_id: Mapped[int | None] = mapped_column(Integer)
    since_text: Mapped[str | None] = mapped_column(Text)  # what changed since that play
    # the account's standing among its CSM's accounts on the scored day (see Score)
    portfolio_rank: Mapped[int | None] = mapped_column(Integer)
    portfolio_size: Mapped[int | None] = mapped_column(Integer)
    portfolio_median_risk: Mapped[float | None] = mapped_column(Float)


class Action(Base):
    """What the CSM did with an alert: a playbook or a dismissal. One per alert."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # playbook | dismissal
    playbook_id: Mapped[str | None] = mapped_column(String(128), index=True)
    dismiss_reason: Mapped[str | None] = mapped_column(String(64))
    dismiss_text: Mapped[str | None] = mapped_column(Text)
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    user_email: Mapped[str | None] = mapped_column(String(320), index=True)
    acted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)


class Play(Base):
    """What an action opened on the account: a playbook being carried out, or a dismissal
    being honoured. One per action (and so per alert); at most one ``open`` per account.

    status: open → done (marked by a person) | expired (not done by its check date plus the
    grace period; a dismissal when risk rose past the margin) | undone (the click was undone).
    """

    __tablename__ = "plays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), unique=True)
    account_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # playbook | dismissal
    playbook_id: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(256))
    steps: Mapped[str | None] = mapped_column(Text)
    owner_email: Mapped[str | None] = mapped_column(String(320), index=True)
    owner_slack_id: Mapped[str | None] = mapped_column(String(32))
    risk: Mapped[float] = mapped_column(Float)  # the alert's risk when it was opened
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    remind_on: Mapped[dt.date | None] = mapped_column(Date)
    check_on: Mapped[dt.date | None] = mapped_column(Date)
    reminded_on: Mapped[dt.date | None] = mapped_column(Date)
    checked_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))
    steps_ts: Mapped[str | None] = mapped_column(String(32))
    reminder_ts: Mapped[str | None] = mapped_column(String(32))


class Outcome(Base):
    """The account's state ``outcome_days`` after an alert (posted or held out)."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), unique=True)
    account_id: Mapped[str] = mapped_column(String(128), index=True)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # retained | churned | downgraded
    arr_before: Mapped[float | None] = mapped_column(Float)
    arr_after: Mapped[float | None] = mapped_column(Float)
    acted: Mapped[bool] = mapped_column(Boolean, default=False)
    held_out: Mapped[bool] = mapped_column(Boolean, default=False)
    thread_posted: Mapped[bool] = mapped_column(Boolean, default=False)


class ModelState(Base):
    """The kill switch: one row, ``active`` | ``disabled`` | ``fallback``, with why."""

    __tablename__ = "model_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(320))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ModelStateEvent(Base):
    """Audit trail of every kill-switch change: who, when, why."""

    __tablename__ = "model_state_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(320))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """A scheduled job for one key (e.g. the day): the unique row makes replicas run it once."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    run_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed
    owner: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime | None]  # the owner's last sign of life while running
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("job", "run_key", name="uq_job_runs_job_run_key"),)


class OpsNotice(Base):
    """An ops-channel message, once per cause: the key dedupes repeated failures."""

    __tablename__ = "ops_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_key: Mapped[str] = mapped_column(String(256), unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|posted|failed
