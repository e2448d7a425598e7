"""Plays: what a click opens on an account, and what is done with it afterwards.

Choosing a playbook opens a ``playbook`` play (owner, steps, due date, reminder day, outcome
check day); "Not a risk" opens a ``dismissal`` play that the daily run honours until risk rises
by ``surface.risk_rise_margin``. ``carry_out`` posts the steps in the alert's thread and the
playbook's ``notify_channel`` follow-ups (with a link to the alert). Buttons on the steps and
the reminder mark a play done, snooze it, or undo the click within ``UNDO_MINUTES``.

Errors: ``PlayNotFound``, ``TooLateToUndo`` (``AtriskError``), and ``permissions``' own.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.blockkit import plays as render
from bot.errors import AtriskError
from bot.feedback.permissions import Where, check_allowed, check_message, csm_email_of
from bot.ports import Message, SlackCallFailed
from playbooks import NOT_A_RISK_TITLE, Library, dismissal_label
from playbooks.loader import library_for
from storage.models import Action, Alert, Play, TeamMember
from storage.product import LEAD
from storage.repositories import actions as actions_repo
from storage.repositories import plays as repo
from storage.repositories.alert_outbox import lead_facts

if TYPE_CHECKING:
    from bot.ports import Root

log = logging.getLogger(__name__)

UNDO_MINUTES = 15  # a click can be undone this long after it was made


class PlayNotFound(AtriskError):
    """A play button names a play this deployment does not have."""


class TooLateToUndo(AtriskError):
    """The undo window has passed."""


def _offered(alert: Alert, playbook_id: str) -> dict[str, object]:
    for choice in alert.playbooks or []:
        if isinstance(choice, dict) and choice.get("id") == playbook_id:
            return choice
    return {}


def open_play(
    session: Session,
    *,
    alert: Alert,
    action: Action,
    member: TeamMember | None,
    library: Library,
    today: dt.date,
) -> Play:
    """The play the action opens (added to the session, not committed). The owner is whoever
    clicked when the team table knows them, else the account's CSM."""
    owner_email = member.email if member else csm_email_of(session, alert)
    owner = actions_repo.member_by_email(session, email=owner_email) if owner_email else None
    common = {
        "alert_id": alert.id,
        "account_id": alert.account_id,
        "owner_email": owner_email,
        "owner_slack_id": owner.slack_user_id if owner else action.slack_user_id,
        "risk": alert.risk,
        "opened_at": action.acted_at,
        "opened_on": today,
    }
    if action.kind == "dismissal":
        label = dismissal_label(action.dismiss_reason or "other")
        return repo.add_play(
            session, kind="dismissal", title=f"{NOT_A_RISK_TITLE}: {label}", **common
        )
    playbook_id = action.playbook_id or ""
    offered = _offered(alert, playbook_id)
    found = library_for(library, alert.product).get(playbook_id)
    title = str(offered.get("title") or (found.title if found else playbook_id))
    steps = str(offered.get("description") or (found.description if found else "")) or None
    due = action.follow_up_on
    remind_after = next(
        (f.after_days for f in (found.follow_ups if found else ()) if f.after_days), None
    )
    remind = today + dt.timedelta(days=remind_after) if remind_after else due
    return repo.add_play(
        session,
        kind="playbook",
        playbook_id=playbook_id,
        title=title,
        steps=steps,
        due_on=due,
        remind_on=remind,
        check_on=due,
        **common,
    )


def play_view(session: Session, play: Play) -> render.PlayView:
    """The play as its messages show it: the account's name, or a lead's company."""
    alert = actions_repo.get_alert(session, alert_id=play.alert_id)
    if alert is not None and alert.product == LEAD:
        facts = lead_facts(session, lead_id=play.account_id, as_of=alert.as_of)
        name = str(facts.get("company") or play.account_id)
    else:
        account = actions_repo.get_account(session, account_id=play.account_id)
        name = account.name if account else play.account_id
    owner = actions_repo.member_by_email(session, email=play.owner_email or "")
    return render.PlayView(
        play_id=play.id,
        account_name=name,
        title=play.title,
        steps=play.steps,
        owner_name=owner.name if owner else "the CSM",
        opened_on=play.opened_on,
        due_on=play.due_on,
        check_on=play.check_on,
    )


def fill_values(session: Session, play: Play, alert: Alert) -> dict[str, str]:
    """What a follow-up's ``{account}``, ``{csm}``, ``{playbook}``, ``{why}`` stand for."""
    view = play_view(session, play)
    csm = actions_repo.member_by_email(session, email=csm_email_of(session, alert) or "")
    return {
        "account": view.account_name,
        "csm": csm.name if csm else view.owner_name,
        "playbook": play.title,
        "why": str(_offered(alert, play.playbook_id or "").get("why") or "risk rose"),
    }


def carry_out(ctx: Root, *, play_id: int, library: Library) -> None:
    """Post the steps in the alert's thread and the playbook's escalation posts, at once.
    A Slack failure is logged and leaves the play open (the reminder still follows)."""
    with ctx.uow() as uow:
        s = uow.session
        play = repo.get_play(s, play_id=play_id)
        alert = actions_repo.get_alert(s, alert_id=play.alert_id) if play else None
        if play is None or alert is None or play.kind != "playbook":
            return
        channel, ts = alert.posted_channel, alert.posted_ts
        steps = render.steps_message(play_view(s, play), undo_minutes=UNDO_MINUTES)
        found = library_for(library, alert.product).get(play.playbook_id or "")
        values = fill_values(s, play, alert)
        try:
            if channel and ts:
                posted = ctx.slack.post(
                    Message(channel, steps["text"], steps["blocks"], thread_ts=ts),
                    key=f"play-{play.id}-steps",
                    folder="plays",
                )
                play.steps_ts = posted.ts
                uow.commit()
            for n, follow in enumerate(found.follow_ups if found else ()):
                if follow.type != "notify_channel" or not follow.channel:
                    continue
                text = render.escalation_text(follow.render(values), render.alert_link(channel, ts))
                ctx.slack.post(
                    Message(follow.channel, text), key=f"play-{play.id}-notify-{n}", folder="plays"
                )
        except SlackCallFailed as e:
            log.warning("play %s: a follow-up was not posted: %s", play_id, e.error)


@dataclass(frozen=True)
class PlayClick:
    """What a play button did: the play, its alert, and (for undo) the alert to restore."""

    play_id: int
    alert_id: int
    changed: bool
    words: str
    steps_ts: str | None
    channel: str | None


def _checked(s: Session, play_id: int, user: str, where: Where) -> tuple[Play, Alert]:
    play = repo.get_play(s, play_id=play_id)
    alert = actions_repo.get_alert(s, alert_id=play.alert_id) if play else None
    if play is None or alert is None:
        raise PlayNotFound("This play is not known to this atrisk deployment; nothing changed.")
    check_message(alert, where, also=(play.steps_ts, play.reminder_ts))
    check_allowed(s, alert, user)
    return play, alert


def mark_done(ctx: Root, *, play_id: int, user: str, where: Where, now: dt.datetime) -> PlayClick:
    """Close the play as done (a second click says it already is)."""
    with ctx.uow() as uow:
        play, alert = _checked(uow.session, play_id, user, where)
        changed = repo.close_play(uow.session, play_id=play.id, status="done", at=now, by=user)
        uow.commit()
        uow.session.refresh(play)
        words = f"*{play.title}* is {play.status}."
        return PlayClick(play.id, alert.id, changed, words, play.steps_ts, alert.posted_channel)


def snooze(
    ctx: Root, *, play_id: int, user: str, where: Where, today: dt.date, days: int
) -> PlayClick:
    """Move the reminder (and the due date, if sooner) ``days`` days on."""
    with ctx.uow() as uow:
        play, alert = _checked(uow.session, play_id, user, where)
        if play.status != "open":
            return PlayClick(
                play.id,
                alert.id,
                False,
                f"*{play.title}* is {play.status}.",
                play.steps_ts,
                alert.posted_channel,
            )
        later = today + dt.timedelta(days=days)
        play.remind_on = later
        play.due_on = max(play.due_on or later, later)
        uow.commit()
        words = f"Snoozed: I will remind you on {render.short_date(later)}."
        return PlayClick(play.id, alert.id, True, words, play.steps_ts, alert.posted_channel)


def undo(ctx: Root, *, play_id: int, user: str, where: Where, now: dt.datetime) -> PlayClick:
    """Undo the click: the action is removed, the play is ``undone``, and the alert's message
    can be restored with its buttons. Refused after ``UNDO_MINUTES``."""
    with ctx.uow() as uow:
        s = uow.session
        play, alert = _checked(s, play_id, user, where)
        opened = play.opened_at if play.opened_at.tzinfo else play.opened_at.replace(tzinfo=dt.UTC)
        if play.status != "open":
            return PlayClick(
                play.id,
                alert.id,
                False,
                f"*{play.title}* is {play.status}.",
                play.steps_ts,
                alert.posted_channel,
            )
        if now - opened > dt.timedelta(minutes=UNDO_MINUTES):
            raise TooLateToUndo(
                f"It is too late to undo: a choice can be undone for {UNDO_MINUTES} minutes. "
                "Mark it done, or let it expire."
            )
        if not repo.close_play(s, play_id=play.id, status="undone", at=now, by=user):
            return PlayClick(
                play.id, alert.id, False, "Already closed.", play.steps_ts, alert.posted_channel
            )
        repo.delete_action(s, alert_id=alert.id)
        uow.commit()
        return PlayClick(
            play.id,
            alert.id,
            True,
            f"↩️ *{play.title}* was undone.",
            play.steps_ts,
            alert.posted_channel,
        )
