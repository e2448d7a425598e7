"""Every expected error of atrisk, listed once.

An expected error carries a message a person can act on and an ``exit_code`` (2 bad input or
usage, 1 a run that started and failed). The edges (CLI, Slack listeners, scheduler) catch
``expected_errors()`` and show the message; anything else is unexpected: logged with its
stack by one handler per edge, and the person sees one line.

::

    AtriskError (bot)                    exit 2
    ├── SpecError                        atrisk.yml is invalid (names the field)
    ├── SettingsError                    an environment variable is missing or invalid
    └── RunFailed                        a run started and failed         exit 1
    StorageError (storage)               exit 2
    ├── SchemaNotReady                   no tables yet, or behind the migrations
    ├── ExportTargetUnusable             `atrisk export --to` cannot write there
    └── ContractViolation                source data breaks the input contract (.problems)
    ScoringError (scoring)               exit 2
    ├── NotEnoughSignal                  too few labels or positives, a single class
    ├── FeatureSpecError                 a feature is missing or unusable
    └── ArtifactTampered                 a model artifact fails its SHA-256
    PlaybookError (playbooks)            exit 2
    ├── LibraryInvalid                   playbooks failed validation (.problems)
    ├── ConditionInvalid                 a ``when`` condition is not valid
    └── DismissalInvalid                 a "Not a risk" answer is incomplete
    SynthError (synth)                   exit 2: a synthetic company cannot be made as asked
"""

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


def expected_errors() -> tuple[type[Exception], ...]:
    """Every package's expected-error base (the tree above)."""
    from playbooks.errors import PlaybookError
    from scoring.errors import ScoringError
    from storage.errors import StorageError
    from synth.errors import SynthError

    return (AtriskError, StorageError, ScoringError, PlaybookError, SynthError)


def exit_code_of(exc: BaseException) -> int | None:
    """The CLI exit code for an expected error, or None for an unexpected one."""
    if isinstance(exc, expected_errors()):
        return int(getattr(exc, "exit_code", 2))
    return None
