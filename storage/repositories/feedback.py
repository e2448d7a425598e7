"""Reads and writes for the feedback loop: matured alerts, outcomes, and the report's frames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import Account, Action, Alert, DriftStat, Outcome, Score, ScoringRun, TeamMember
from storage.product import ACCOUNT


def alerts_awaiting_outcome(session: Session, *, matured_before: dt.date) -> list[Alert]:
    """Posted or held-out alerts from before ``matured_before`` that have no outcome yet."""
    stmt = (
        select(Alert)
        .outerjoin(Outcome, Outcome.alert_id == Alert.id)
        .where(Alert.status.in_(("posted", "held_out")))
        .where(Alert.as_of <= matured_before)
        .where(Outcome.id.is_(None))
        .order_by(Alert.id)
    )
    return list(session.scalars(stmt))


def outcomes_to_announce(session: Session) -> list[tuple[Outcome, Alert]]:
    """Outcomes of posted alerts not yet announced in the alert's thread."""
    stmt = (
        select(Outcome, Alert)
        .join(Alert, Alert.id == Outcome.alert_id)
        .where(Outcome.thread_posted.is_(False))
        .where(Alert.status == "posted")
        .where(Alert.posted_ts.is_not(None))
        .order_by(Outcome.id)
    )
    return [(o, a) for o, a in session.execute(stmt).all()]


def action_for(session: Session, alert_id: int) -> Action | None:
    return session.scalars(select(Action).where(Action.alert_id == alert_id)).first()


@dataclass(frozen=True)
class ReportFrames:
    alerts: pd.DataFrame
    actions: pd.DataFrame
    outcomes: pd.DataFrame
    team: pd.DataFrame
    accounts: pd.DataFrame
    scores: pd.DataFrame
    drift: pd.DataFrame


def _frame(engine: Engine, stmt: object, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()  # type: ignore[call-overload]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def load_report_frames(
    engine: Engine, *, since: dt.date | None = None, product: str = ACCOUNT
) -> ReportFrames:
    """Everything the adoption-rate report needs, as frames (alerts since ``since``), of one
    product's alerts, actions, outcomes, scores and drift (``storage.product``).

    An alert that follows an open play (``follows_alert_id``) updates the play's message rather
    than asking the CSM anything new, so it is left out: adoption, action rates and lift count
    each alert a CSM was asked to act on once.
    """
    a = select(
        Alert.id,
        Alert.as_of,
        Alert.account_id,
        Alert.csm_email,
        Alert.status,
        Alert.risk,
        Alert.created_at,
        Alert.posted_at,
        Alert.fallback,
        Alert.arr,
        Alert.reasons,
        Alert.playbooks,
    ).where(Alert.follows_alert_id.is_(None), Alert.product == product)
    if since is not None:
        a = a.where(Alert.as_of >= since)
    alerts = _frame(
        engine,
        a,
        [
            "id",
            "as_of",
            "account_id",
            "csm_email",
            "status",
            "risk",
            "created_at",
            "posted_at",
            "fallback",
            "arr",
            "reasons",
            "playbooks",
        ],
    )
    actions = _frame(
        engine,
        select(
            Action.id,
            Action.alert_id,
            Action.kind,
            Action.playbook_id,
            Action.dismiss_reason,
            Action.user_email,
            Action.acted_at,
        )
        .join(Alert, Alert.id == Action.alert_id)
        .where(Alert.product == product),
        ["id", "alert_id", "kind", "playbook_id", "dismiss_reason", "user_email", "acted_at"],
    )
    outcomes = _frame(
        engine,
        select(
            Outcome.alert_id,
            Outcome.state,
            Outcome.acted,
            Outcome.held_out,
            Outcome.arr_before,
            Outcome.arr_after,
            Outcome.observed_on,
        )
        .join(Alert, Alert.id == Outcome.alert_id)
        .where(Alert.product == product),
        ["alert_id", "state", "acted", "held_out", "arr_before", "arr_after", "observed_on"],
    )
    team = _frame(
        engine,
        select(TeamMember.email, TeamMember.name, TeamMember.role, TeamMember.manager_email),
        ["email", "name", "role", "manager_email"],
    )
    accounts = _frame(
        engine,
        select(Account.account_id, Account.name, Account.segment, Account.churned_at),
        ["account_id", "name", "segment", "churned_at"],
    )
    scores = _frame(
        engine,
        select(Score.account_id, Score.as_of, Score.risk)
        .join(ScoringRun, ScoringRun.id == Score.run_id)
        .where(
            Score.shadow.is_(False),
            ScoringRun.status == "succeeded",
            ScoringRun.fallback.is_(False),
            ScoringRun.product == product,
        ),
        ["account_id", "as_of", "risk"],
    )
    latest = select(ScoringRun.id).where(
        ScoringRun.status == "succeeded", ScoringRun.product == product
    )
    latest = latest.order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc()).limit(1)
    drift = _frame(
        engine,
        select(DriftStat.feature, DriftStat.psi, DriftStat.drifted).where(
            DriftStat.run_id.in_(latest.scalar_subquery())
        ),
        ["feature", "psi", "drifted"],
    )
    return ReportFrames(alerts, actions, outcomes, team, accounts, scores, drift)


def treated_accounts(session: Session) -> pd.DataFrame:
    """Every alert with a playbook chosen: ``account_id`` and ``acted_on`` (the alert's day)."""
    rows = session.execute(
        select(Alert.account_id, Alert.as_of)
        .join(Action, Action.alert_id == Alert.id)
        .where(Action.kind == "playbook")
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["account_id", "acted_on"])
