"""The at-risk queue behind ``/atrisk``, ``/atrisk top 25 by arr``, ``/atrisk unacted``,
``/atrisk csm …`` and ``/atrisk team``, always within the caller's scope.

"At risk" is the served run's flagged accounts (``scores.flagged``: above the alert line);
"ARR at risk" sums their ARR; "nobody acted" means the latest posted alert has no action and
no play is open on the account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.answers.flagged_set import flagged_in
from bot.answers.handled_set import handling_of
from bot.answers.lookups import Caller, QueryRefused, TopAnswer, lines_for
from bot.answers.people import find_person
from bot.answers.roster import roster_of
from bot.daily.fallback import Serving, serving
from storage.repositories import read_models as q

if TYPE_CHECKING:
    from bot.ports import Root


@dataclass(frozen=True)
class CsmLoad:
    """One CSM's share of the queue: flagged accounts, their ARR, alerted with nobody acting."""

    csm: str
    at_risk: int
    arr_at_risk: float
    unacted: int


@dataclass(frozen=True)
class TeamAnswer:
    label: str
    served: Serving
    csms: tuple[CsmLoad, ...] = ()


def _queue(
    session: Session,
    label: str,
    scope: Collection[str] | None,
    today: dt.date,
    *,
    limit: int,
    sort: str,
    unacted: bool,
) -> TopAnswer:
    served = serving(session, today)
    if served.run_id is None or served.scored_on is None:
        return TopAnswer(label, (), served, sort=sort, only_unacted=unacted)
    run_id, as_of = served.run_id, served.scored_on
    flagged = flagged_in(session, run_id=run_id, as_of=as_of, csm_emails=scope)
    handled = handling_of(session, (f.account_id for f in flagged))
    nobody = {a for a, h in handled.items() if not h.acted}
    shown = [f for f in flagged if f.account_id in nobody] if unacted else list(flagged)
    if sort == "arr":
        shown.sort(key=lambda f: (-(f.arr or 0.0), -f.risk, f.account_id))
    ids = [f.account_id for f in shown[:limit]]
    accounts = q.accounts_by_id(session, account_ids=ids)
    scores = q.scores_for(session, run_id=served.run_id, account_ids=ids)
    lines = lines_for(session, served, [accounts[a] for a in ids], scores)
    return TopAnswer(
        label,
        tuple(lines),
        served,
        at_risk=len(flagged),
        arr_at_risk=sum(f.arr or 0.0 for f in flagged),
        unacted=len(nobody),
        sort=sort,
        only_unacted=unacted,
    )


def top_accounts(
    ctx: Root,
    caller: Caller,
    *,
    today: dt.date,
    limit: int = 10,
    sort: str = "risk",
    unacted: bool = False,
) -> TopAnswer:
    """``/atrisk [top N] [unacted] [by risk|arr]``: the caller's at-risk queue."""
    with ctx.uow() as uow:
        return _queue(
            uow.session,
            caller.scope_label,
            caller.csm_emails,
            today,
            limit=limit,
            sort=sort,
            unacted=unacted,
        )


def csm_accounts(
    ctx: Root, caller: Caller, *, user_id: str | None, name: str | None, today: dt.date
) -> TopAnswer:
    """``/atrisk csm @user|name|part of a name``: that person's queue, if the caller may see
    it; ``QueryRefused`` otherwise (see ``find_person``)."""
    with ctx.uow() as uow:
        person = find_person(roster_of(uow.session).members, caller, user_id, name)
        if caller.csm_emails is not None and person.email not in caller.csm_emails:
            raise QueryRefused(
                f"{person.name}'s accounts are outside what you can see: "
                "a manager sees their own CSMs, a CSM their own accounts."
            )
        label = "your accounts" if person.email == caller.email else f"{person.name}'s accounts"
        scope = {person.email, person.email.lower()}
        return _queue(uow.session, label, scope, today, limit=10, sort="risk", unacted=False)


def team_summary(ctx: Root, caller: Caller, *, today: dt.date) -> TeamAnswer:
    """``/atrisk team``: per CSM in scope, most ARR at risk first."""
    with ctx.uow() as uow:
        s = uow.session
        served = serving(s, today)
        if served.run_id is None or served.scored_on is None:
            return TeamAnswer(caller.scope_label, served)
        run_id, as_of, scope = served.run_id, served.scored_on, caller.csm_emails
        flagged = flagged_in(s, run_id=run_id, as_of=as_of, csm_emails=scope)
        handled = handling_of(s, (f.account_id for f in flagged))
        names = roster_of(s).names
    load: dict[str, list[float]] = {}
    for f in flagged:
        row = load.setdefault(names.get(f.csm_email.lower(), f.csm_email), [0, 0.0, 0])
        h = handled.get(f.account_id)
        row[0] += 1
        row[1] += f.arr or 0.0
        row[2] += 1 if h is not None and not h.acted else 0
    csms = [CsmLoad(csm, int(n), arr, int(u)) for csm, (n, arr, u) in load.items()]
    csms.sort(key=lambda c: (-c.arr_at_risk, c.csm))
    return TeamAnswer(caller.scope_label, served, tuple(csms))
