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
