"""The team table, read once per process and ingest: who asks ``/atrisk`` and what they see.

Every question starts by finding the caller by Slack id and, for a manager, everyone below
them; every answer shows CSM names in place of emails. Read as ORM objects, that cost about
2 ms of CPU per question on a team of 200. The team changes with an ingest (written in the
transaction that records the ingest run), so the process keeps plain rows keyed like the name
index (``name_index.version``: the newest ingest run, the first and last account id and the
number of people): someone an ingest adds or changes is known at the next question. Each
caller's scope is worked out once per roster.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.answers.name_index import version
from storage.held import HeldPerEngine
from storage.models import TeamMember

T = TypeVar("T")


@dataclass(frozen=True)
class Member:
    """One person in the team table, as ``/atrisk`` needs them."""

    email: str
    name: str
    role: str | None
    manager_email: str | None
    slack_user_id: str | None


@dataclass(frozen=True)
class Roster:
    """Everyone in the team table ordered by email, with ``names`` (each name by lowered
    email, the last by email where two emails differ only in case) and ``by_slack_id``."""

    members: tuple[Member, ...]
    names: dict[str, str]
    by_slack_id: dict[str, Member]
    _derived: dict[Hashable, object] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, members: list[Member]) -> Roster:
        by_slack_id: dict[str, Member] = {}
        for m in members:  # the first by email, as a scan of the table would find
            if m.slack_user_id is not None:
                by_slack_id.setdefault(m.slack_user_id, m)
        names = {m.email.lower(): m.name for m in members}
        return cls(tuple(members), names, by_slack_id)

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` worked out once per roster under ``key`` (a caller's scope, say)."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]  # type: ignore[return-value]


_held: HeldPerEngine[Roster] = HeldPerEngine()


def roster_of(session: Session) -> Roster:
    """The process's copy of the session database's team table, read again after an ingest
    (or when the number of people changes)."""

    def build() -> Roster:
        stmt = select(
            TeamMember.email,
            TeamMember.name,
            TeamMember.role,
            TeamMember.manager_email,
            TeamMember.slack_user_id,
        ).order_by(TeamMember.email)
        return Roster.of([Member(*row) for row in session.execute(stmt)])

    return _held.get(session.get_bind().engine, version(session), build)


def forget() -> None:
    """Drop every roster held (tests)."""
    _held.forget()
