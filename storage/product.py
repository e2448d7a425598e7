"""Which product (entity) a row of the application state belongs to: churn or leads.

A churn spec and a lead spec may share one application database. The product's own rows —
model versions, scoring runs, scores and alerts — carry a ``product``
column (``account`` for churn, ``lead`` for leads; rows older than the column are churn's).
A session made for a product (``session_factory(engine, product=...)`` puts it in
``Session.info``) sees only that product's rows: every ORM SELECT, UPDATE and DELETE gets
``product = …`` on each scoped table it touches (SQLAlchemy's ``with_loader_criteria``, the
documented pattern for rows shared by several tenants), and every object it adds is stamped
with the product. Core INSERTs of many rows call ``stamp_rows``. A query that must see every
product (version names are unique across products) passes
``execution_options(all_products=True)``; so does a button click, which names its alert by
id whichever product posted it. Actions, plays and outcomes belong to their alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    with_loader_criteria,
)

ACCOUNT = "account"
LEAD = "lead"
PRODUCTS = (ACCOUNT, LEAD)
INFO_KEY = "product"
ALL_PRODUCTS = "all_products"


class ProductScoped:
    """Mixin of the tables whose rows belong to one product."""

    product: Mapped[str] = mapped_column(
        String(16), default=ACCOUNT, server_default=ACCOUNT, index=True
    )


def product_of(session: Session) -> str | None:
    """The product a session is scoped to, or None (it sees every product's rows)."""
    value = session.info.get(INFO_KEY)
    return str(value) if value else None


def stamp_rows(session: Session, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` for a Core INSERT, each with the session's product (when it has one)."""
    product = product_of(session)
    if product is None:
        return list(rows)
    return [{**r, "product": r.get("product") or product} for r in rows]


@event.listens_for(Session, "do_orm_execute")
def _only_this_product(state: ORMExecuteState) -> None:
    product = product_of(state.session)
    if product is None or state.execution_options.get(ALL_PRODUCTS):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                ProductScoped,
                lambda cls: cls.product == product,
                include_aliases=True,
            )
        )


@event.listens_for(Session, "before_flush")
def _stamp_new(session: Session, _flush_context: Any, _instances: Any) -> None:
    product = product_of(session)
    if product is None:
        return
    for obj in session.new:
        if isinstance(obj, ProductScoped) and not getattr(obj, "product", None):
            obj.product = product
