"""Read-only queries behind ``/atrisk`` and the App Home, scoped by the CSMs' emails.

``csm_emails`` None means every account (admins and analysts); a collection limits rows to
the accounts those CSMs own. Each query returns at most ``limit`` rows so an answer stays
small however many accounts there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, defer

from storage.models import (
    Account,
    Action,
    Alert,
    ModelVersion,
    Score,
    ScoringRun,
    TeamMember,
)

_S = TypeVar("_S", bound="Select[*tuple[Any, ...]]")


def _scoped(stmt: _S, column: Any, csm_emails: Collection[str] | None) -> _S:
    return stmt if csm_emails is None else stmt.where(column.in_(sorted(csm_emails)))


# ---------------------------------------------------------------- team


def team(session: Session) -> list[TeamMember]:
    """Everyone in the team table (small: one row per person)."""
    return list(session.scalars(select(TeamMember).order_by(TeamMember.email)))


def team_names(session: Session) -> dict[str, str]:
    """Each team member's name by lowered email (the last by email where two emails differ
    only in case), read as plain columns: what answers show in place of a CSM's email."""
    stmt = select(TeamMember.email, TeamMember.name).order_by(TeamMember.email)
    return {email.lower(): name for email, name in session.execute(stmt)}


# ---------------------------------------------------------------- runs and model


def last_run(session: Session) -> ScoringRun | None:
    """The most recently started run, whatever its result."""
    stmt = select(ScoringRun).order_by(ScoringRun.started_at.desc(), ScoringRun.id.desc()).limit(1)
    return session.scalars(stmt).first()


def run_before(session: Session, *, as_of: dt.date) -> ScoringRun | None:
    """The newest succeeded run with its own scores strictly before ``as_of``."""
    stmt = (
        select(ScoringRun)
        .where(ScoringRun.status == "succeeded")
        .where(ScoringRun.as_of < as_of)
        .where(ScoringRun.served_from_run_id.is_(None))
        .order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def live_model(session: Session) -> ModelVersion | None:
    """The live model's row, without its artifact (the model text, megabytes for a large
    model, which status, accuracy and the report never show) unless asked for."""
    stmt = (
        select(ModelVersion)
        .where(ModelVersion.state == "live")
        .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        .limit(1)
        .options(defer(ModelVersion.artifact))
    )
    return session.scalars(stmt).first()


# ---------------------------------------------------------------- scores and accounts


def top_scores(
    session: Session,
    *,
    run_id: int,
    as_of: dt.date,
    csm_emails: Collection[str] | None,
    limit: int,
) -> list[tuple[Score, Account]]:
    """The riskiest live (not shadow) scores of one run in scope, riskiest first.

    ``as_of`` (the run's day, which its scores carry) lets the ``(as_of, risk)`` index
    serve the ordering, so the top of 100k scores is read without sorting them all.
    """
    stmt = (
        select(Score, Account)
        .join(Account, Account.account_id == Score.account_id)
        .where(Score.as_of == as_of, Score.run_id == run_id, Score.shadow.is_(False))
        .order_by(Score.risk.desc(), Score.account_id)
        .limit(limit)
    )
    return [(s, a) for s, a in session.execute(_scoped(stmt, Account.csm_email, csm_emails))]


def scores_for(session: Session, *, run_id: int, account_ids: Sequence[str]) -> dict[str, Score]:
    """The run's live scores of ``account_ids`` by account id. ``features`` (a large JSON
    object no answer line shows) is read only if asked for."""
    if not account_ids:
        return {}
    stmt = (
        select(Score)
        .where(Score.run_id == run_id, Score.shadow.is_(False), Score.account_id.in_(account_ids))
        .options(defer(Score.features))
    )
    return {s.account_id: s for s in session.scalars(stmt)}


def risks_for(session: Session, *, run_id: int, account_ids: Sequence[str]) -> dict[str, float]:
    """The run's live risk of each of ``account_ids`` (those it did not score are absent): two
    columns, no score objects, for a line's change since the run before."""
    if not account_ids:
        return {}
    stmt = select(Score.account_id, Score.risk).where(
        Score.run_id == run_id, Score.shadow.is_(False), Score.account_id.in_(account_ids)
    )
    return {a: float(r) for a, r in session.execute(stmt)}


def latest_posted_alerts(
    session: Session, *, account_ids: Sequence[str]
) -> dict[str, tuple[Alert, Action | None]]:
    """Each account's newest posted alert and its action, if any."""
    if not account_ids:
        return {}
    stmt = (
        select(Alert, Action)
        .outerjoin(Action, Action.alert_id == Alert.id)
        .where(Alert.account_id.in_(account_ids), Alert.status == "posted")
        .order_by(Alert.as_of.desc(), Alert.id.desc())
    )
    found: dict[str, tuple[Alert, Action | None]] = {}
    for alert, action in session.execute(stmt):
        found.setdefault(alert.account_id, (alert, action))
    return found


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def accounts_exact(
    session: Session, *, query: str, csm_emails: Collection[str] | None, limit: int
) -> list[Account]:
    """Accounts whose id or name is ``query`` (ignoring case); an exact id is one lookup."""
    exact = session.get(Account, query)
    if exact is not None and (csm_emails is None or exact.csm_email in csm_emails):
        return [exact]
    q = query.lower()
    stmt = (
        select(Account)
        .where(or_(func.lower(Account.account_id) == q, func.lower(Account.name) == q))
        .order_by(Account.name, Account.account_id)
        .limit(limit)
    )
    return list(session.scalars(_scoped(stmt, Account.csm_email, csm_emails)))


def accounts_containing(
    session: Session,
    *,
    query: str,
    csm_emails: Collection[str] | None,
    limit: int,
    among: Sequence[str] | None = None,
) -> list[Account]:
    """Accounts whose name or id contains ``query`` (ignoring case), by name.

    ``among``: the account ids that match (a list an in-memory index found holding the text,
    also without its accents, so the database looks them up instead of reading every account);
    an empty list matches nothing, None reads every account in scope."""
    if among is not None and not among:
        return []
    pattern = _like(query)
    stmt = select(Account).order_by(Account.name, Account.account_id).limit(limit)
    if among is not None:
        stmt = stmt.where(Account.account_id.in_(among))
    else:
        stmt = stmt.where(
            or_(
                func.lower(Account.name).like(pattern, escape="\\"),
                func.lower(Account.account_id).like(pattern, escape="\\"),
            )
        )
    return list(session.scalars(_scoped(stmt, Account.csm_email, csm_emails)))


def trigrams(text: str, most: int = 8) -> list[str]:
    """Up to ``most`` distinct three-letter pieces of ``text`` (lowercased), evenly spread."""
    t = " ".join(text.lower().split())
    grams = list(dict.fromkeys(t[i : i + 3] for i in range(max(0, len(t) - 2))))
    if len(grams) <= most:
        return grams
    step = len(grams) / most
    return [grams[int(i * step)] for i in range(most)]


def accounts_by_id(session: Session, *, account_ids: Sequence[str]) -> dict[str, Account]:
    if not account_ids:
        return {}
    stmt = select(Account).where(Account.account_id.in_(account_ids))
    return {a.account_id: a for a in session.scalars(stmt)}


# ---------------------------------------------------------------- alerts and actions


def _of(stmt: Any, product: str | None) -> Any:
    """``stmt`` over ``product``'s alerts whatever the session's product (None: the session's)."""
    if product is None:
        return stmt
    return stmt.where(Alert.product == product).execution_options(all_products=True)


def open_alerts(
    session: Session,
    *,
    csm_emails: Collection[str] | None,
    since: dt.date,
    limit: int,
    product: str | None = None,
) -> list[tuple[Alert, Account | None]]:
    """Posted alerts from ``since`` on that nobody has acted on yet, riskiest first, of the
    session's product or of ``product``."""
    stmt = (
        select(Alert, Account)
        .outerjoin(Action, Action.alert_id == Alert.id)
        .outerjoin(Account, Account.account_id == Alert.account_id)
        .where(Alert.status == "posted", Alert.as_of >= since, Action.id.is_(None))
        .order_by(Alert.risk.desc(), Alert.id)
        .limit(limit)
    )
    stmt = _of(_scoped(stmt, Alert.csm_email, csm_emails), product)
    return [(al, ac) for al, ac in session.execute(stmt)]


def actions_since(
    session: Session,
    *,
    csm_emails: Collection[str] | None,
    since: dt.datetime,
    limit: int,
    product: str | None = None,
) -> list[tuple[Action, Alert, Account | None]]:
    """Actions taken on alerts in scope from ``since`` on, newest first, of the session's
    product or of ``product``."""
    stmt = (
        select(Action, Alert, Account)
        .join(Alert, Alert.id == Action.alert_id)
        .outerjoin(Account, Account.account_id == Alert.account_id)
        .where(Action.acted_at >= since)
        .order_by(Action.acted_at.desc(), Action.id.desc())
        .limit(limit)
    )
    rows = session.execute(_of(_scoped(stmt, Alert.csm_email, csm_emails), product))
    return [(act, al, ac) for act, al, ac in rows]


def posted_alert_answers(
    session: Session, *, csm_emails: Collection[str] | None, since: dt.date
) -> list[tuple[str | None, dt.date, str | None]]:
    """Posted alerts scored on or after ``since`` in scope: (CSM email, as_of, action kind).

    Alerts that only update an open play's message (``follows_alert_id``) are not counted.
    """
    stmt = (
        select(Alert.csm_email, Alert.as_of, Action.kind)
        .select_from(Alert)
        .outerjoin(Action, Action.alert_id == Alert.id)
        .where(
            and_(Alert.status == "posted", Alert.as_of >= since, Alert.follows_alert_id.is_(None))
        )
    )
    return [(e, d, k) for e, d, k in session.execute(_scoped(stmt, Alert.csm_email, csm_emails))]
