"""Record what someone did with an alert, exactly once, and say how the message should read.

A click on a playbook button or a "Not a risk" answer becomes the alert's one ``Action``
(``actions.alert_id`` is unique): the first click wins; a repeated, concurrent or replayed
click records nothing and gets the action already there. The clicker is recorded as
themselves (Slack id and, if the team table knows them, their email). Only the account's
CSM, their managers and admins may act, and only on the alert's own message
(``bot.feedback.permissions``); a recorded action opens the account's play
(``bot.feedback.plays``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.answers.lookups import Acted, acted_line, playbook_title
from bot.blockkit.alerts import ActedView
from bot.blockkit.any_alert import AnyAlertView
from bot.delivery.alert_views import load_alert_view
from bot.errors import AtriskError
from bot.feedback.permissions import Where, check_allowed, check_message
from bot.feedback.plays import open_play
from playbooks import NOT_A_RISK_TITLE, Library, dismissal_label
from playbooks.loader import library_for
from storage.models import Action, Alert, TeamMember
from storage.repositories import actions as repo

if TYPE_CHECKING:
    from bot.ports import Root


class AlertNotFound(AtriskError):
    """A click refers to an alert that is not in the database (e.g. another deployment's)."""


class PlaybookNotOffered(AtriskError):
    """A click names a playbook that neither the alert nor the library knows."""


@dataclass(frozen=True)
class Clicker:
    """Who clicked, as Slack tells us."""

    slack_user_id: str
    slack_name: str | None = None


@dataclass(frozen=True)
class ActionResult:
    """The alert's one action after a click: whether this click recorded it, and the views."""

    recorded: bool
    acted: Acted
    alert: AnyAlertView
    done: ActedView
    channel: str | None
    ts: str | None
    play_id: int | None = None


def _follow_up_days(alert: Alert, playbook_id: str, library: Library) -> int:
    """Days until the outcome check, as offered on the alert (else from the library of the
    alert's product). Raises ``PlaybookNotOffered`` for a playbook the alert did not offer
    (a stale or forged button), so nothing is recorded."""
    for choice in alert.playbooks or []:
        if isinstance(choice, dict) and choice.get("id") == playbook_id:
            days = choice.get("follow_up_days")
            if isinstance(days, int):
                return days
            found = library_for(library, alert.product).get(playbook_id)
            return found.follow_up_days if found else 0
    raise PlaybookNotOffered(
        f"The playbook “{playbook_id[:80]}” is not one this alert offers; nothing was "
        "recorded. Choose one of the buttons on the alert."
    )


def _view(session: Session, alert: Alert) -> AnyAlertView:
    view = load_alert_view(session, alert_id=alert.id)
    if view is None:
        raise AlertNotFound(f"Alert {alert.id} is not known to this atrisk deployment.")
    return view


def _result(
    session: Session,
    alert: Alert,
    mine: Action | None,
    member: TeamMember | None,
    clicker: Clicker,
) -> ActionResult:
    """What the message shows: ``mine`` when this click recorded it, else the action there."""
    action = mine or repo.action_for(session, alert_id=alert.id)
    if action is None:  # only possible if the row was deleted between insert and read
        raise AlertNotFound(f"The action on alert {alert.id} could not be read back.")
    if mine is None and action.user_email:
        member = repo.member_by_email(session, email=action.user_email)
    names = {member.email.lower(): member.name} if member else {}
    acted = acted_line(alert, action, names)
    if acted.who is None and action.slack_user_id == clicker.slack_user_id:
        acted = replace(acted, who=clicker.slack_name)
    done = ActedView(
        user_name=acted.who or "Someone",
        playbook_title=playbook_title(alert, action.playbook_id or "") or NOT_A_RISK_TITLE,
        follow_up_on=action.follow_up_on,
        dismissed=action.kind == "dismissal",
        dismiss_reason=_dismiss_words(action),
    )
    view = _view(session, alert)
    recorded = mine is not None
    return ActionResult(recorded, acted, view, done, alert.posted_channel, alert.posted_ts)


def _record(
    session: Session,
    alert: Alert,
    clicker: Clicker,
    library: Library,
    today: dt.date,
    **fields: object,
) -> ActionResult:
    """Insert the alert's action unless it has one, open its play, commit, and describe it."""
    member = repo.member_by_slack_id(session, slack_user_id=clicker.slack_user_id)
    mine = Action(
        alert_id=alert.id,
        slack_user_id=clicker.slack_user_id,
        user_email=member.email if member else None,
        **fields,
    )
    new_id = repo.insert_action_once(
        session,
        alert_id=alert.id,
        kind=str(fields["kind"]),
        slack_user_id=mine.slack_user_id,
        user_email=mine.user_email,
        acted_at=mine.acted_at,
        playbook_id=mine.playbook_id,
        dismiss_reason=mine.dismiss_reason,
        dismiss_text=mine.dismiss_text,
        follow_up_on=mine.follow_up_on,
    )
    play_id = None
    if new_id is not None:
        mine.id = new_id
        play = open_play(
            session, alert=alert, action=mine, member=member, library=library, today=today
        )
        play_id = play.id
    session.commit()
    result = _result(session, alert, mine if new_id is not None else None, member, clicker)
    return replace(result, play_id=play_id)


def _dismiss_words(action: Action) -> str | None:
    if action.kind != "dismissal":
        return None
    label = dismissal_label(action.dismiss_reason or "other")
    return f"{label} — {action.dismiss_text}" if action.dismiss_text else label


def _alert(session: Session, alert_id: int, clicker: Clicker, where: Where) -> Alert:
    """The alert, once the click is known to come from its message and from someone who may
    act on its account."""
    alert = repo.get_alert(session, alert_id=alert_id)
    if alert is None:
        raise AlertNotFound(
            f"Alert {alert_id} is not known to this atrisk deployment; nothing was recorded."
        )
    check_message(alert, where)
    check_allowed(session, alert, clicker.slack_user_id)
    return alert


def record_playbook(
    ctx: Root,
    *,
    alert_id: int,
    playbook_id: str,
    clicker: Clicker,
    where: Where,
    library: Library,
    now: dt.datetime,
    today: dt.date,
) -> ActionResult:
    """Record the playbook chosen on an alert, unless the alert already has an action.
    Raises ``NotYours``, ``NotThisMessage``, ``AlertNotFound`` or ``PlaybookNotOffered``."""
    with ctx.uow() as uow:
        alert = _alert(uow.session, alert_id, clicker, where)
        days = _follow_up_days(alert, playbook_id, library)
        return _record(
            uow.session,
            alert,
            clicker,
            library,
            today,
            kind="playbook",
            playbook_id=playbook_id,
            acted_at=now,
            follow_up_on=today + dt.timedelta(days=days) if days > 0 else None,
        )


def record_dismissal(
    ctx: Root,
    *,
    alert_id: int,
    reason: str,
    note: str | None,
    clicker: Clicker,
    library: Library,
    now: dt.datetime,
    today: dt.date,
) -> ActionResult:
    """Record "Not a risk" with its reason, unless the alert already has an action. The
    form's metadata is not trusted: the message is the alert's own stored one."""
    with ctx.uow() as uow:
        alert = repo.get_alert(uow.session, alert_id=alert_id)
        where = Where(alert.posted_channel, alert.posted_ts) if alert else Where(None, None)
        alert = _alert(uow.session, alert_id, clicker, where)
        return _record(
            uow.session,
            alert,
            clicker,
            library,
            today,
            kind="dismissal",
            dismiss_reason=reason,
            dismiss_text=note,
            acted_at=now,
        )


def existing_action(
    ctx: Root, *, alert_id: int, clicker: Clicker, where: Where
) -> ActionResult | None:
    """The alert's action if it already has one (so "Not a risk" need not open a modal).
    Raises ``NotYours`` or ``NotThisMessage`` before any modal is opened."""
    with ctx.uow() as uow:
        alert = _alert(uow.session, alert_id, clicker, where)
        if repo.action_for(uow.session, alert_id=alert_id) is None:
            return None
        return _result(uow.session, alert, None, None, clicker)


def alert_view(ctx: Root, *, alert_id: int) -> AnyAlertView:
    """The alert as its message shows it (for the modal's title, or to restore it on undo)."""
    with ctx.uow() as uow:
        alert = repo.get_alert(uow.session, alert_id=alert_id)
        if alert is None:
            raise AlertNotFound(f"Alert {alert_id} is not known to this atrisk deployment.")
        return _view(uow.session, alert)
