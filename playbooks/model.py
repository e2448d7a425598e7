"""What a playbook is: one customer-success action a CSM can take from an alert."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from playbooks.conditions import Condition

# "profile": an account whose risk comes from its attributes alone (no signal to act on)
FAMILIES: tuple[str, ...] = (
    "adoption",
    "integrations",
    "support",
    "usage",
    "commercial",
    "profile",
)
#: the reason families of lead scoring (``entity: lead``): sales plays answer these
LEAD_FAMILIES: tuple[str, ...] = ("intent", "engagement", "trial", "buying_group")
#: which families a library of each entity's playbooks may list and should cover
ENTITY_FAMILIES: dict[str, tuple[str, ...]] = {"account": FAMILIES, "lead": LEAD_FAMILIES}
STYLES: tuple[str, ...] = ("primary", "danger")
FOLLOW_UP_TYPES: tuple[str, ...] = ("notify_channel", "thread_reminder")
# Words a follow-up text may use; filled in by whoever sends it.
PLACEHOLDERS: tuple[str, ...] = ("account", "csm", "playbook", "why")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

Style = Literal["primary", "danger"]


@dataclass(frozen=True)
class FollowUp:
    """Something that happens after the CSM picks the playbook.

    ``notify_channel`` posts ``text`` to ``channel`` at once (e.g. an escalation channel);
    ``thread_reminder`` replies in the alert's thread ``after_days`` later.
    """

    type: Literal["notify_channel", "thread_reminder"]
    text: str
    channel: str | None = None
    after_days: int | None = None

    def render(self, values: Mapping[str, str]) -> str:
        """The text with ``{account}``, ``{csm}``, ``{playbook}``, ``{why}`` filled in.

        Unknown or missing words are left as written; values are inserted verbatim, so
        escaping for Slack stays the sender's job.
        """
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.text)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "text": self.text}
        if self.channel is not None:
            out["channel"] = self.channel
        if self.after_days is not None:
            out["after_days"] = self.after_days
        return out


@dataclass(frozen=True)
class Playbook:
    """One validated playbook from the library."""

    id: str
    title: str
    description: str
    families: tuple[str, ...]
    follow_up_days: int
    priority: int = 0
    style: Style | None = None
    condition: Condition | None = None
    follow_ups: tuple[FollowUp, ...] = ()
    source: str = field(default="", compare=False)  # the file it came from, for messages

    @property
    def when(self) -> str | None:
        """The condition as written in the file (None when the playbook always applies)."""
        return None if self.condition is None else self.condition.text

    def applies(self, values: Mapping[str, object]) -> bool:
        """True when there is no condition, or the condition holds for these feature values."""
        return self.condition is None or self.condition.holds(values)
