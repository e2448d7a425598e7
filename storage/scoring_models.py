"""The scoring tables: trained models, scoring runs, their scores and drift, on the same
metadata as the rest (``storage.base``); ``storage.models`` names them too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow
from storage.product import ProductScoped


class ModelVersion(ProductScoped, Base):
    """A trained model: metrics, parameters, features, training window, and its text artifact.

    The LightGBM model is kept in its text format in ``artifact`` with ``artifact_sha256``,
    checked on every load; never pickled. Calibration and baseline are JSON in ``extras``.
    """

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # candidate|shadow|live|retired
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    trained_as_of: Mapped[dt.date] = mapped_column(Date)
    train_start: Mapped[dt.date | None] = mapped_column(Date)
    train_end: Mapped[dt.date | None] = mapped_column(Date)
    feature_source: Mapped[str] = mapped_column(String(32), default="builtin")
    features: Mapped[list[Any]] = mapped_column(JSON, default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data_fingerprint: Mapped[str | None] = mapped_column(String(64))
    artifact: Mapped[str] = mapped_column(Text)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)


class ScoringRun(ProductScoped, Base):
    """One scoring of every active account for an ``as_of`` date (the daily job or ``score``)."""

    __tablename__ = "scoring_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed
    trigger: Mapped[str] = mapped_column(String(32), default="cli")
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"))
    n_scored: Mapped[int] = mapped_column(Integer, default=0)
    n_flagged: Mapped[int] = mapped_column(Integer, default=0)
    n_alerts: Mapped[int] = mapped_column(Integer, default=0)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    fallback_cause: Mapped[str | None] = mapped_column(Text)
    served_from_run_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Score(ProductScoped, Base):
    """A calibrated risk for one account in one run, by one model (live or shadow)."""

    __tablename__ = "scores"

    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    risk: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    rank: Mapped[int | None] = mapped_column(Integer)
    # [{"family", "feature", "value", "contribution", "text"}], for flagged accounts
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the account's feature values on the scored day, for flagged live scores only: a day
    # served from this run later chooses playbooks (``when:`` conditions) with them
    features: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # where the account stands among its CSM's active accounts scored in the run (live only):
    # 1 = riskiest of ``portfolio_size``, and the median risk of those accounts
    portfolio_rank: Mapped[int | None] = mapped_column(Integer)
    portfolio_size: Mapped[int | None] = mapped_column(Integer)
    portfolio_median_risk: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_scores_account_as_of", "account_id", "as_of"),
        Index("ix_scores_as_of_risk", "as_of", "risk"),
        Index(
            "ix_scores_run_flagged_queue",
            "run_id",
            "risk",
            "account_id",
            "as_of",
            "shadow",
            "flagged",
            "product",
            sqlite_where=text("flagged = 1"),
            postgresql_where=text("flagged"),
        ),
    )


class DriftStat(Base):
    """Population stability index of one feature between training reference and a run."""

    __tablename__ = "drift_stats"

    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id"), primary_key=True)
    feature: Mapped[str] = mapped_column(String(128), primary_key=True)
    psi: Mapped[float] = mapped_column(Float)
    drifted: Mapped[bool] = mapped_column(Boolean, default=False)
    # the feature's share of the model on the run's accounts, 0 when it moves by construction
    # (None: measured before weights were recorded)
    weight: Mapped[float | None] = mapped_column(Float, nullable=True)
