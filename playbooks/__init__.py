"""Playbooks: the YAML library of customer-success actions and the engine that picks them.

Pure: nothing here reads the environment, the database or Slack. ``load_library`` reads
YAML files; ``choose`` ranks the playbooks that fit an account's reasons.

Errors (``playbooks.errors``)::

    PlaybookError              expected (exit code 2)
    ├── LibraryInvalid         a playbook file is broken: names the file, the playbook id, the field
    ├── ConditionInvalid       a ``when`` condition does not parse
    └── DismissalInvalid       a "Not a risk" answer with an unknown reason or "Other" without text
"""

from playbooks.conditions import Condition, parse_condition
from playbooks.dismissal import (
    DISMISSAL_REASONS,
    NOT_A_RISK_ID,
    NOT_A_RISK_TITLE,
    DismissalReason,
    dismissal_label,
    validate_dismissal,
)
from playbooks.engine import Choice, choose
from playbooks.loader import Library, builtin_folder, load_library
from playbooks.model import FAMILIES, FollowUp, Playbook

__all__ = [
    "DISMISSAL_REASONS",
    "FAMILIES",
    "NOT_A_RISK_ID",
    "NOT_A_RISK_TITLE",
    "Choice",
    "Condition",
    "DismissalReason",
    "FollowUp",
    "Library",
    "Playbook",
    "builtin_folder",
    "choose",
    "dismissal_label",
    "load_library",
    "parse_condition",
    "validate_dismissal",
]
