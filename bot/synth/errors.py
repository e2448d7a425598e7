"""Errors of the synthetic company generator (part of the ``bot.errors`` tree)."""

from __future__ import annotations

from bot.errors import AtriskError


class SynthError(AtriskError):
    """A synthetic company cannot be made or written as asked; the message says what to change."""
