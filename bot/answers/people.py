"""Who ``/atrisk csm …`` means: by Slack mention, email, full name, part of a name, or a
near spelling — searched among the people the caller may see first.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.answers.lookups import FUZZY_MATCH, Caller, QueryRefused
from bot.answers.name_index import close_matches, fold
from bot.answers.roster import Member


def _visible(caller: Caller, member: Member) -> bool:
    scope = caller.csm_emails
    return scope is None or member.email in scope or member.email.lower() in scope


def _named(people: Sequence[Member], wanted: str) -> list[Member]:
    """Exact email or name; else names containing ``wanted`` or emails starting with it;
    else names a near spelling away (similarity ≥ ``FUZZY_MATCH``). Names and emails are
    compared folded (``bot.answers.name_index.fold``: ``jose`` is José, ``Łukasz`` Lukasz)."""
    exact = [m for m in people if wanted in (fold(m.email), fold(m.name))]
    if exact:
        return exact
    part = [m for m in people if wanted in fold(m.name) or fold(m.email).startswith(wanted)]
    if part:
        return part
    names = {fold(m.name): m for m in people}
    return [names[c] for c, _ in close_matches(wanted, list(names), n=3, cutoff=FUZZY_MATCH)]


def find_person(
    team: Sequence[Member], caller: Caller, user_id: str | None, name: str | None
) -> Member:
    """The one team member meant; ``QueryRefused`` (a sentence for the caller) when nobody,
    several people, or someone outside the caller's scope is meant."""
    if user_id:
        for m in team:
            if m.slack_user_id == user_id:
                return m
        raise QueryRefused(
            f"{name or 'That person'} is not in atrisk's team table, so has no accounts here."
        )
    wanted = fold(" ".join((name or "").split()))
    found = _named([m for m in team if _visible(caller, m)], wanted) if wanted else []
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        names = ", ".join(sorted(m.name for m in found)[:5])
        raise QueryRefused(f"“{name}” could be {names}: say which, with more of the name.")
    outside = [m for m in team if wanted in (fold(m.email), fold(m.name))]
    if outside:
        return outside[0]  # csm_accounts explains that it is outside the caller's scope
    raise QueryRefused(
        f"Nobody called “{name}” is in atrisk's team table. "
        "Try `/atrisk csm @name` with their Slack handle, or their email."
    )
