"""Errors of the synthetic company generator."""

from __future__ import annotations


class SynthError(ValueError):
    """A synthetic company cannot be made or written as asked; the message says what to change.

    ``exit_code`` is the CLI's for bad input (2).
    """

    exit_code = 2
