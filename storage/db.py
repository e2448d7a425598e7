"""Engines and sessions for SQLite and PostgreSQL, with the settings each needs.

An engine never creates a database unless asked (``create=True``: only ``atrisk db upgrade``
and the demo do): a misspelt SQLite path is refused instead of becoming an empty file. Errors
about the connection itself (a bad URL, nothing listening, a missing file, a connection cut
mid-run) are raised as ``storage.errors.DatabaseUnavailable`` with a message for a person.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from storage import connection
from storage.errors import ConnectionLost
from storage.product import INFO_KEY

log = logging.getLogger(__name__)


def _normalized(u: URL) -> URL:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(
    url: str, *, create: bool = False, label: str = "the database URL", **kwargs: Any
) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout.

    ``create``: a SQLite file that does not exist yet may be created (else it is refused).
    ``label`` names where the URL came from in messages, e.g. ``DATABASE_URL``.
    """
    written = connection.parse(url, label)  # messages show the URL as it was written
    parsed = _normalized(written)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as e:
        raise connection.no_driver(written, label, e) from None
    except ArgumentError as e:
        raise connection.parse_refused(written, label, e) from None
    event.listen(engine, "handle_error", _explainer(written, label))
    if sqlite:
        _sqlite_setup(engine, parsed, create=create)
    return engine


def _explainer(url: URL, label: str) -> Any:
    def explain(context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:  # the pool reconnects on its own
            return None
        explained = connection.explain(
            context.original_exception,
            url,
            label,
            connected=context.connection is not None,
            disconnect=context.is_disconnect,
        )
        if isinstance(explained, ConnectionLost):  # the stack is for the log, not the person
            log.error("%s", explained, exc_info=context.original_exception, stack_info=True)
        return explained

    return explain


def _sqlite_setup(engine: Engine, url: URL, *, create: bool) -> None:
    file = connection.sqlite_file(url)
    read_write_only = file is not None and not create and not url.query.get("uri")

    @event.listens_for(engine, "do_connect")
    def _open_existing(
        _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        # mode=rw: SQLite opens the file but never creates it
        if read_write_only and file is not None:
            cargs[0] = f"{file.absolute().as_uri()}?mode=rw"
            cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if file is not None:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def session_factory(engine: Engine, *, product: str | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``; with ``product`` they see and write only that product's rows
    (``storage.product``)."""
    info = {INFO_KEY: product} if product else {}
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
