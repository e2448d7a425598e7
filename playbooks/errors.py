"""The playbooks error tree (see the package docstring)."""

from __future__ import annotations


class PlaybookError(Exception):
    """Base of every expected playbook error."""

    exit_code = 2


class LibraryInvalid(PlaybookError):
    """One or more playbooks failed validation; the message lists each problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ConditionInvalid(PlaybookError):
    """A ``when`` condition is not valid: the message says what and at which column."""


class DismissalInvalid(PlaybookError):
    """A "Not a risk" answer names an unknown reason, or "Other" without any text."""
