"""Who may act on an alert or a play, and whether a click belongs to the message it came from.

The account's CSM (a lead's owner, an SDR or AE), the managers above them and admins may
act; anyone else is told whose account (lead) it is, or that it has no owner (then only an
admin may act), and nothing is recorded. A click is honoured only on the alert's own message
(the channel and ts atrisk stored when it posted it, and the message's metadata when Slack
sends it): a button value naming another alert changes nothing.

Errors: ``NotYours`` (someone else's account), ``NotThisMessage`` (a button that did not come
from the alert's message), both ``AtriskError``s answered with an ephemeral sentence.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.answers.lookups import caller_in
from bot.errors import AtriskError
from storage.models import Alert, TeamMember
from storage.product import LEAD
from storage.repositories import actions as repo

NOT_OURS = "This button was not made by atrisk; nothing was changed."
#: roles that act on their own alerts: CSMs own accounts, SDRs and AEs own leads
OWNER_ROLES = ("csm", "manager", "sdr", "ae")


class NotYours(AtriskError):
    """The clicker is neither the account's CSM (the lead's owner), one of their managers, nor
    an admin."""


class NotThisMessage(AtriskError):
    """The click's alert is not the one the message it came from carries."""


@dataclass(frozen=True)
class Where:
    """Where a click came from: the message's channel and ts, and the alert id its metadata
    names (None for any of them Slack did not send in a shape atrisk reads)."""

    channel: str | None
    ts: str | None
    metadata_alert: int | None = None


def csm_email_of(session: Session, alert: Alert) -> str | None:
    """Whose the alert is: its own owner, else the owner of its account or lead, looked up
    in the alert's product only (a lead and an account may share an id)."""
    if alert.csm_email:
        return alert.csm_email
    if alert.product == LEAD:
        lead = repo.get_lead(session, lead_id=alert.account_id)
        return lead.owner_email if lead else None
    account = repo.get_account(session, account_id=alert.account_id)
    return account.csm_email if account else None


def check_allowed(session: Session, alert: Alert, slack_user_id: str) -> TeamMember | None:
    """The clicker's team row when they may act on ``alert``'s account; ``NotYours`` if not."""
    csm = csm_email_of(session, alert)
    caller = caller_in(session, slack_user_id)
    if caller is not None and (
        caller.is_admin or (caller.role in OWNER_ROLES and _in(csm, caller.csm_emails))
    ):
        return repo.member_by_email(session, email=caller.email)
    lead = alert.product == LEAD
    what = "lead" if lead else "account"
    if not csm:
        column = "`owner_email` in the leads table" if lead else "`csm_email` in the accounts table"
        raise NotYours(
            f"This {what} has no {'owner' if lead else 'CSM'}: only an admin can act on it "
            f"until one is set ({column}). Nothing was recorded."
        )
    owner = repo.member_by_email(session, email=csm)
    name = owner.name if owner else ("another rep" if lead else "another CSM")
    raise NotYours(
        f"This is {name}'s {what}: only {name}, their manager or an admin can act on it. "
        "Nothing was recorded."
    )


def _in(email: str | None, scope: Collection[str] | None) -> bool:
    if not email or scope is None:
        return False
    return email in scope or email.lower() in scope


def check_message(alert: Alert, where: Where, *, also: Collection[str | None] = ()) -> None:
    """Refuse a click whose message is not the alert's own (or one of ``also``, the play's
    thread replies)."""
    if where.metadata_alert is not None and where.metadata_alert != alert.id:
        raise NotThisMessage(NOT_OURS)
    if alert.posted_channel is None or alert.posted_ts is None:
        raise NotThisMessage(NOT_OURS)
    own = {alert.posted_ts, *(ts for ts in also if ts)}
    if where.channel != alert.posted_channel or where.ts not in own:
        raise NotThisMessage(NOT_OURS)
