"""Model versions: the registry table's reads and state changes.

States: ``candidate`` (trained, not promoted), ``shadow`` (scored beside live, never
posted), ``live`` (the one that alerts; at most one), ``retired``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ModelVersion

STATES = ("candidate", "shadow", "live", "retired")


def list_versions(session: Session) -> list[ModelVersion]:
    """Every model version, newest first."""
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


def version_names(session: Session) -> list[str]:
    """Every product's version names (a name is unique across products)."""
    stmt = select(ModelVersion.version).execution_options(all_products=True)
    return list(session.scalars(stmt))


def get_version(session: Session, *, version: str) -> ModelVersion | None:
    return session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()


def get_by_id(session: Session, *, model_id: int) -> ModelVersion | None:
    return session.get(ModelVersion, model_id)


def in_state(session: Session, *, state: str) -> ModelVersion | None:
    """The newest version in ``state`` (``live`` and ``shadow`` hold at most one each)."""
    stmt = (
        select(ModelVersion)
        .where(ModelVersion.state == state)
        .order_by(ModelVersion.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def kinds_by_id(session: Session, *, ids: list[int]) -> dict[int, str]:
    """``{id: kind}`` (``lightgbm``, ``logistic`` or ``rules``, from the row's extras)."""
    if not ids:
        return {}
    rows = session.execute(
        select(ModelVersion.id, ModelVersion.extras).where(ModelVersion.id.in_(set(ids)))
    )
    return {int(r.id): str((r.extras or {}).get("kind") or "lightgbm") for r in rows}


def add_version(session: Session, **fields: Any) -> ModelVersion:
    """Stage a new model version row (the caller commits)."""
    row = ModelVersion(**fields)
    session.add(row)
    session.flush()
    return row


def set_state(session: Session, row: ModelVersion, *, state: str, note: str | None = None) -> None:
    if state not in STATES:
        raise ValueError(f"unknown model state {state!r}; valid: {', '.join(STATES)}")
    row.state = state
    if note:
        row.note = f"{row.note}\n{note}" if row.note else note
