"""The storage error tree (see the package docstring)."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every expected storage error; its message is meant for a person."""

    exit_code = 2


class SchemaNotReady(StorageError):
    """The database has no tables yet, or is behind the code's migrations."""


class ContractViolation(StorageError):
    """Source data breaks the input contract; ``problems`` lists every broken rule."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class DatabaseUnavailable(StorageError):
    """The database cannot be used; the message names the URL (no password) and the fix."""


class BadDatabaseUrl(DatabaseUnavailable):
    """The URL is not a database URL, or names a database kind whose driver is missing."""


class DatabaseMissing(DatabaseUnavailable):
    """There is no database at the URL (a SQLite file or folder, a PostgreSQL database)."""


class DatabaseUnreachable(DatabaseUnavailable):
    """The server does not answer, or refuses the login."""


class ConnectionLost(DatabaseUnavailable):
    """An open connection was cut mid-way; nothing half-done was kept, so a rerun is safe."""

    exit_code = 1


class ExportTargetUnusable(StorageError):
    """``atrisk export --to``: the folder cannot be written, or the database cannot take the
    tables; the message names the target (no password) and what to do."""
