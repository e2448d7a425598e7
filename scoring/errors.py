"""The scoring error tree (see the package docstring)."""

from __future__ import annotations


class ScoringError(Exception):
    """Base of every expected scoring error."""

    exit_code = 2


class NotEnoughSignal(ScoringError):
    """The data cannot support a model: too few labels, positives or a single class."""


class FeatureSpecError(ScoringError):
    """A feature is missing, all-null, or otherwise unusable."""


class ArtifactTampered(ScoringError):
    """A model artifact does not match its recorded SHA-256."""
