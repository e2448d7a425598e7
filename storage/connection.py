"""Why a database cannot be used, in one sentence that names the URL (password hidden) and the fix.

``parse`` and ``no_driver`` cover a URL that cannot even make an engine; ``explain`` turns the
driver's error on connect (or a connection lost mid-run) into a ``DatabaseUnavailable``. The
engine calls ``explain`` from its ``handle_error`` event, so every command, job and source
reader gets the same messages (``storage.db.make_engine``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, StatementError

from storage.errors import (
    BadDatabaseUrl,
    ConnectionLost,
    DatabaseMissing,
    DatabaseUnavailable,
    DatabaseUnreachable,
)

EXAMPLES = "sqlite:///path/to/atrisk.db or postgresql://user:password@host:5432/database"
_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")
#: PostgreSQL SQLSTATEs that mean the server ended the session (admin shutdown, crash, …)
_GONE_STATES = ("57P01", "57P02", "57P03", "08000", "08003", "08006")


def shown(url: URL | str) -> str:
    """The URL as it may be printed: the password replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD.sub(r"\1***@", url)


def parse(url: str, label: str) -> URL:
    """``url`` parsed, or ``BadDatabaseUrl`` saying what to write instead."""
    text = url.strip()
    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        pass
    if not text:
        raise BadDatabaseUrl(f"{label} is empty: set it to a database URL such as {EXAMPLES}.")
    looks_like_path = "/" in text or "\\" in text or text.endswith((".db", ".sqlite", ".sqlite3"))
    if looks_like_path and "://" not in text:
        path = Path(text).expanduser()
        return_url = f"sqlite:///{path.as_posix()}"
        raise BadDatabaseUrl(
            f"{label} is {shown(text)!r}, a file path, not a database URL: "
            f"write {return_url} (a SQLite file; an absolute path gives four slashes)."
        )
    raise BadDatabaseUrl(f"{label} {shown(text)!r} is not a database URL: write it as {EXAMPLES}.")


def parse_refused(url: URL, label: str, error: BaseException) -> BadDatabaseUrl:
    """SQLAlchemy parsed the URL but its dialect refuses it (e.g. a host in a SQLite URL)."""
    why = _first_line(error)
    return BadDatabaseUrl(f"{label} {shown(url)} is not usable ({why}): write it as {EXAMPLES}.")


def no_driver(url: URL, label: str, error: BaseException) -> BadDatabaseUrl:
    """The URL names a database kind whose driver is not installed (or not known at all)."""
    kind = url.get_backend_name()
    if isinstance(error, ImportError):
        why = f"needs the {kind} driver, which is not installed ({_first_line(error)})"
        fix = "install it in atrisk's environment, or use"
    else:
        why = f"names a database kind {url.drivername!r} that SQLAlchemy does not know"
        fix = "use"
    return BadDatabaseUrl(f"{label} {shown(url)} {why}: {fix} {EXAMPLES}.")


def sqlite_file(url: URL) -> Path | None:
    """The file behind a SQLite URL (None for an in-memory database)."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
        if not database or database == ":memory:" or url.query.get("mode") == "memory":
            return None
    return Path(database).expanduser()


def explain(
    error: BaseException, url: URL, label: str, *, connected: bool, disconnect: bool
) -> DatabaseUnavailable | None:
    """The person's message for a driver error, or None when it is not about the connection.

    ``connected``: the error came from an open connection (not from opening one);
    ``disconnect``: SQLAlchemy judged that the connection is gone.
    """
    where = f"{label} {shown(url)}"
    state = str(getattr(error, "sqlstate", "") or "")
    if connected:
        if disconnect or state in _GONE_STATES:
            return ConnectionLost(
                f"Lost the connection to the database ({where}) mid-way "
                f"({_first_line(error)}); nothing half-done was kept, a rerun is safe."
            )
        if "file is not a database" in str(error):
            return DatabaseMissing(f"{where}: the file is not a SQLite database. Fix the path.")
        return None
    if url.get_backend_name() == "sqlite":
        return _sqlite_open(error, url, label)
    return _server_connect(error, url, where)


def missing_sqlite_file(url: URL, label: str) -> DatabaseMissing:
    file = sqlite_file(url)
    return DatabaseMissing(
        f"{label} {shown(url)}: there is no database at {file.absolute() if file else '?'}. "
        "Check the path for a typo; to start a new database there, run `atrisk db upgrade`."
    )


def _sqlite_open(error: BaseException, url: URL, label: str) -> DatabaseUnavailable:
    where = f"{label} {shown(url)}"
    file = sqlite_file(url)
    if file is None:
        return DatabaseUnreachable(f"{where}: cannot open it ({_first_line(error)}).")
    folder = file.absolute().parent
    if not folder.is_dir():
        return DatabaseMissing(
            f"{where}: the folder {folder} does not exist. Create it, or fix the path."
        )
    if file.is_dir():
        return DatabaseMissing(f"{where}: {file.absolute()} is a folder, not a database file.")
    if not file.exists():
        return missing_sqlite_file(url, label)
    if not os.access(file, os.R_OK | os.W_OK):
        return DatabaseUnreachable(
            f"{where}: atrisk may not read and write {file.absolute()} (check its permissions)."
        )
    return DatabaseUnreachable(f"{where}: cannot open it ({_first_line(error)}).")


def _server_connect(error: BaseException, url: URL, where: str) -> DatabaseUnavailable:
    text = str(error)
    host = f"{url.host or 'localhost'}:{url.port or 5432}"
    low = text.lower()
    if "connection refused" in low:
        return DatabaseUnreachable(
            f"{where}: nothing answers at {host} (connection refused). "
            "Is the database server running, and are the host and port right?"
        )
    if "resolve host" in low or "translate host name" in low or "name or service" in low:
        return DatabaseUnreachable(
            f"{where}: the host {url.host!r} is not known. Check the host name."
        )
    if "timeout" in low or "timed out" in low:
        return DatabaseUnreachable(
            f"{where}: {host} did not answer in time. Check the host, the port and the firewall."
        )
    if "database" in low and "does not exist" in low:
        return DatabaseMissing(
            f"{where}: the database {url.database!r} does not exist on {host}. "
            f"Create it (e.g. `createdb {url.database}`), or fix the database name."
        )
    if "password" in low or "authentication" in low or ("role" in low and "not exist" in low):
        return DatabaseUnreachable(
            f"{where}: the server refused the login of {url.username!r} "
            f"({_first_line(error)}). Check the user name and password."
        )
    if "could not set lock" in low:
        return DatabaseUnreachable(
            f"{where}: another process is still using {url.database} (an `atrisk ingest` or "
            "the daily run writing it); try again when it has finished."
        )
    return DatabaseUnreachable(f"{where}: cannot connect ({_first_line(error)}).")


def brief(error: BaseException, limit: int = 300) -> str:
    """``Type: first line`` of an error, without the SQL and parameters SQLAlchemy appends."""
    cause = getattr(error, "orig", None) if isinstance(error, StatementError) else None
    shown_error = cause if isinstance(cause, BaseException) else error
    lines = [ln.strip() for ln in str(shown_error).splitlines() if ln.strip()]
    return f"{type(shown_error).__name__}: {lines[0] if lines else ''}".rstrip(": ")[:limit]


def _first_line(error: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's wrapping or the server's FATAL prefix."""
    lines = [ln.strip() for ln in str(error).strip().splitlines() if ln.strip()]
    line = lines[0] if lines else type(error).__name__
    line = re.sub(r"^\([\w.]+\)\s*", "", line)
    line = re.sub(r"^.*failed:\s*(FATAL:\s*)?", "", line)
    return line[:160]
