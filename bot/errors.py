"""The application's error tree (see the package docstring)."""

from __future__ import annotations


class AtriskError(Exception):
    """An expected error whose message a person can act on."""

    exit_code = 2


class SpecError(AtriskError):
    """``atrisk.yml`` is invalid: the message names the field and why it matters."""


class SettingsError(AtriskError):
    """An environment variable is missing or invalid."""


class RunFailed(AtriskError):
    """A run started and failed."""

    exit_code = 1
