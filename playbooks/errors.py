"""The playbooks error tree (see the package docstring)."""

from __future__ import annotations


class PlaybookError(Exception):
    """Base of every expected playbook error."""

    exit_code = 2


class LibraryInvalid(PlaybookError):
    """One or more playbooks failed validation; the message lists each problem."""
