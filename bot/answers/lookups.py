"""What ``/atrisk`` and the App Home show, always scoped to the person asking.

The caller is found by ``team.slack_user_id``: a CSM sees their own accounts, a manager their
CSMs' accounts (and their own), admins and analysts every account. Scores are those
``bot.daily.fallback.serving`` names: the latest fresh run, or the last good one with the
"Model paused" banner while the model is disabled or in fallback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.answers.name_index import close_matches, fold, names_of
from bot.answers.roster import Member, Roster, roster_of
from bot.daily.fallback import Serving, serving
from bot.daily.portfolio import standing_of
from bot.errors import AtriskError
from playbooks import NOT_A_RISK_TITLE, dismissal_label
from scoring.reasons import SHOWN_REASONS, reasons_of
from storage.models import Account, Action, Alert, Play, Score
from storage.repositories import read_models as q
from storage.repositories.plays import open_plays

if TYPE_CHECKING:
    from bot.ports import Root

MATCH_LIMIT = 8
FUZZY_MATCH = 0.85  # a fuzzy match this close counts as the account asked for
FUZZY_SUGGEST = 0.6  # closer than this is worth a "did you mean"
FUZZY_POOL = 500  # candidates (most trigrams of the query shared) compared by similarity
ALL_ROLES = frozenset({"admin", "analyst"})


class QueryRefused(AtriskError):
    """A question the caller may not ask, or about someone atrisk does not know."""


@dataclass(frozen=True)
class Caller:
    """Who asked, and which CSMs' accounts they may see (``None``: every account)."""

    slack_user_id: str
    email: str
    name: str
    role: str
    csm_emails: frozenset[str] | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scope_label(self) -> str:
        if self.csm_emails is None:
            return "all accounts"
        return "your team's accounts" if self.role == "manager" else "your accounts"


@dataclass(frozen=True)
class Acted:
    """Someone acted on the account's latest alert: who (name or Slack id), what, when."""

    who: str | None
    who_slack_id: str | None
    what: str
    on: dt.date


@dataclass(frozen=True)
class AccountLine:
    account_id: str
    name: str
    csm: str
    risk: float | None = None
    previous_risk: float | None = None
    reasons: tuple[str, ...] = ()
    arr: float | None = None
    segment: str | None = None
    renewal_date: dt.date | None = None
    alerted_on: dt.date | None = None
    acted: Acted | None = None
    churned_on: dt.date | None = None
    flagged: bool | None = None  # None: not scored
    created_on: dt.date | None = None
    portfolio: tuple[int, int, float] | None = None  # rank, size, median risk of the CSM's

    @property
    def top_reason(self) -> str | None:
        return self.reasons[0] if self.reasons else None


@dataclass(frozen=True)
class TopAnswer:
    """A queue of accounts: ``lines`` shown of ``at_risk`` flagged in scope, whose ARR sums to
    ``arr_at_risk``; ``unacted`` of them were alerted with nobody acting yet."""

    label: str
    lines: tuple[AccountLine, ...]
    served: Serving
    at_risk: int = 0
    arr_at_risk: float = 0.0
    unacted: int = 0
    sort: str = "risk"
    only_unacted: bool = False


@dataclass(frozen=True)
class LookupAnswer:
    query: str
    served: Serving
    account: AccountLine | None = None
    matches: tuple[AccountLine, ...] = ()
    suggestions: tuple[str, ...] = ()
    did_you_mean: str | None = None  # the command a mistyped subcommand was close to


# ---------------------------------------------------------------- caller and served scores


def _reports(team: Sequence[Member], manager_email: str) -> set[str]:
    """Everyone below ``manager_email`` (their CSMs, and their managers' CSMs)."""
    below: set[str] = set()
    frontier = {manager_email.lower()}
    while frontier:
        found = {
            m.email
            for m in team
            if (m.manager_email or "").lower() in frontier and m.email not in below
        }
        below |= found
        frontier = {e.lower() for e in found}
    return below


def _caller(team: Roster, slack_user_id: str) -> Caller | None:
    member = team.by_slack_id.get(slack_user_id)
    if member is None:
        return None
    role = (member.role or "").strip().lower()
    scope: frozenset[str] | None
    if role in ALL_ROLES:
        scope = None
    elif role == "manager":
        emails = _reports(team.members, member.email) | {member.email}
        scope = frozenset(emails | {e.lower() for e in emails})
    else:
        scope = frozenset({member.email, member.email.lower()})
    return Caller(slack_user_id, member.email, member.name, role, scope)


def caller_in(session: Session, slack_user_id: str) -> Caller | None:
    """The team member with this Slack id and their scope, or None when unknown (from the
    process's roster: worked out once per person and ingest)."""
    team = roster_of(session)
    return team.derived(("caller", slack_user_id), lambda: _caller(team, slack_user_id))


def resolve_caller(ctx: Root, slack_user_id: str) -> Caller | None:
    with ctx.uow() as uow:
        return caller_in(uow.session, slack_user_id)


# ---------------------------------------------------------------- account lines


def acted_line(alert: Alert, action: Action, names: dict[str, str]) -> Acted:
    """Who did what on the alert, and when; ``names`` maps team emails to names."""
    if action.kind == "dismissal":
        what = f"{NOT_A_RISK_TITLE} ({dismissal_label(action.dismiss_reason or 'other')})"
    else:
        what = playbook_title(alert, action.playbook_id or "")
    who = names.get((action.user_email or "").lower())
    on = action.acted_at.date() if action.acted_at else alert.as_of
    return Acted(who, action.slack_user_id, what, on)


def playbook_title(alert: Alert, playbook_id: str) -> str:
    """The title the alert offered for ``playbook_id`` (the id itself when not offered)."""
    for choice in alert.playbooks or []:
        if isinstance(choice, dict) and choice.get("id") == playbook_id:
            return str(choice.get("title") or playbook_id)
    return playbook_id


def portfolio_of(row: Score | Alert) -> tuple[int, int, float] | None:
    """Rank, size and median risk of the CSM's accounts stored with a score or an alert."""
    standing = standing_of(row)
    return (standing.rank, standing.size, standing.median_risk) if standing else None


def reason_texts(reasons: Any) -> tuple[str, ...]:
    """The first three reasons stored on a score or an alert, as text."""
    return tuple(r.text for r in reasons_of(reasons) if r.text)[:SHOWN_REASONS]


def lines_for(
    session: Session, served: Serving, accounts: Sequence[Account], scores: dict[str, Score]
) -> list[AccountLine]:
    """One line per account: its served risk, the change since the run before, who acted."""
    ids = [a.account_id for a in accounts]
    previous: dict[str, float] = {}
    if served.scored_on is not None:
        before = q.run_before(session, as_of=served.scored_on)
        if before is not None:
            previous = q.risks_for(session, run_id=before.id, account_ids=ids)
    alerts = q.latest_posted_alerts(session, account_ids=ids)
    playing = {p.account_id: p for p in open_plays(session, account_ids=ids)}
    names = roster_of(session).names
    lines = []
    for account in accounts:
        score = scores.get(account.account_id)
        alert, action = alerts.get(account.account_id, (None, None))
        lines.append(
            AccountLine(
                account_id=account.account_id,
                name=account.name,
                csm=names.get(account.csm_email.lower(), account.csm_email),
                risk=score.risk if score else None,
                previous_risk=previous.get(account.account_id),
                reasons=reason_texts(score.reasons if score else None),
                arr=account.arr,
                segment=account.segment,
                renewal_date=account.renewal_date,
                alerted_on=alert.as_of if alert else None,
                acted=_acted(alert, action, playing.get(account.account_id), names),
                churned_on=account.churned_at,
                flagged=score.flagged if score else None,
                created_on=account.created_at,
                portfolio=portfolio_of(score) if score else None,
            )
        )
    return lines


def _acted(
    alert: Alert | None, action: Action | None, play: Play | None, names: dict[str, str]
) -> Acted | None:
    """The action on the latest alert; else the play open on the account (someone acted)."""
    if alert is not None and action is not None:
        return acted_line(alert, action, names)
    if play is not None:
        who = names.get((play.owner_email or "").lower())
        return Acted(who, play.owner_slack_id, play.title, play.opened_on)
    return None


# ---------------------------------------------------------------- one account by name or id


def _fuzzy(query: str, names: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Account ids whose name or id is a near-certain match, and names worth suggesting."""
    keys: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    for account_id, name in names:
        for key in (fold(name), fold(account_id)):
            keys.setdefault(key, set()).add(account_id)
            shown.setdefault(key, name)
    close = close_matches(fold(query), list(keys), n=5, cutoff=FUZZY_SUGGEST)
    strong: list[str] = []
    for key, similarity in close:
        if similarity >= FUZZY_MATCH:
            strong += sorted(keys[key] - set(strong))
    suggestions = list(dict.fromkeys(shown[k] for k, _ in close))
    return strong, suggestions[:3]


def lookup(
    ctx: Root, caller: Caller, query: str, *, today: dt.date, did_you_mean: str | None = None
) -> LookupAnswer:
    """``/atrisk <name or id>``: exact, then contained, then fuzzy (rapidfuzz) matches in scope.

    An exact name or id is an index look-up; the other two are narrowed by the process's
    ``NameIndex`` rather than by reading every account. ``did_you_mean`` (a command the text
    was a typo of) rides along to the answer."""
    hint = did_you_mean
    with ctx.uow() as uow:
        s = uow.session
        served = serving(s, today)
        scope = caller.csm_emails
        found = q.accounts_exact(s, query=query, csm_emails=scope, limit=MATCH_LIMIT)
        names = names_of(s) if not found else None
        if names is not None:
            # the name without its accents or case (``societe generale``), then the ids
            # whose folded name holds the text (None: too many to list)
            same = names.equal(query, scope, MATCH_LIMIT)
            found = list(q.accounts_by_id(s, account_ids=same).values())
        if names is not None and not found:
            ids = names.containing(query, scope)
            found = q.accounts_containing(
                s, query=query, csm_emails=scope, limit=MATCH_LIMIT, among=ids
            )
        suggestions: list[str] = []
        if not found and names is not None:
            grams = q.trigrams(fold(query), most=len(query))  # all of them: memory is cheap
            candidates = names.sharing_trigrams(grams, scope, FUZZY_POOL)
            strong, suggestions = _fuzzy(query, candidates)
            found = list(q.accounts_by_id(s, account_ids=strong[:MATCH_LIMIT]).values())
        if not found:
            return LookupAnswer(query, served, suggestions=tuple(suggestions), did_you_mean=hint)
        scores: dict[str, Score] = {}
        if served.run_id is not None:
            ids = [a.account_id for a in found]
            scores = q.scores_for(s, run_id=served.run_id, account_ids=ids)
        found.sort(key=lambda a: -(scores[a.account_id].risk if a.account_id in scores else -1))
        lines = lines_for(s, served, found, scores)
    if len(lines) == 1:
        return LookupAnswer(query, served, account=lines[0], did_you_mean=hint)
    return LookupAnswer(query, served, matches=tuple(lines), did_you_mean=hint)
