"""Warnings after a load: data that is valid but will not do what its owner expects.

Read from the stored tables inside the ingest's transaction, so an incremental extract is
judged together with what earlier ingests left:

* active accounts whose CSM is not in the team table (their alerts go to the default channel);
* people missing from a re-ingested team export who still own active accounts;
* churned accounts whose usage goes on well after ``churned_at`` (never scored: came back?);
* open leads whose owner is not in the team table (their alerts go to the default channel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection, func, select

from storage.ingest.coerce import Typed
from storage.lead_models import Lead
from storage.models import Account, TeamMember, Usage

#: usage this long after ``churned_at`` is more than a contract running out
CAME_BACK_AFTER = dt.timedelta(days=30)
SHOWN = 5


def warnings_after_load(conn: Connection, tables: Mapping[str, Typed]) -> list[str]:
    """Every warning for what is stored now (``tables``: what this ingest brought)."""
    out: list[str] = []
    if {"accounts", "team"} & set(tables):
        owners = _owners(conn)
        team = set(conn.execute(select(TeamMember.email)).scalars())
        out += _csms_not_in_team(owners, team)
        if "team" in tables and "email" in tables["team"].frame.columns:
            exported = set(tables["team"].frame["email"].dropna())
            out += _owners_left_the_export(owners, team - exported)
    if {"accounts", "usage"} & set(tables):
        out += _came_back(conn)
    if {"leads", "team"} & set(tables):
        team = set(conn.execute(select(TeamMember.email)).scalars())
        out += _lead_owners_not_in_team(_lead_owners(conn), team)
    return out


def _lead_owners(conn: Connection) -> dict[str, tuple[int, str]]:
    """Owner email → (open leads, an example lead id)."""
    rows = conn.execute(
        select(Lead.owner_email, func.count(), func.min(Lead.lead_id))
        .where(Lead.converted_at.is_(None), Lead.disqualified_at.is_(None))
        .group_by(Lead.owner_email)
    ).all()
    return {str(email): (int(n), str(example)) for email, n, example in rows}


def _lead_owners_not_in_team(owners: dict[str, tuple[int, str]], team: set[str]) -> list[str]:
    unknown = sorted(e for e in owners if e not in team)
    if not unknown:
        return []
    n = sum(owners[e][0] for e in unknown)
    named = [f"{e} ({owners[e][0]} leads, e.g. {owners[e][1]})" for e in unknown]
    return [
        f"leads.owner_email: {n} open leads name an owner who is not in the team table, so "
        f"their alerts go to the default channel: {_listed(named)}. Add the SDRs and AEs to "
        "the team export, or correct owner_email."
    ]


def _owners(conn: Connection) -> dict[str, tuple[int, str]]:
    """CSM email → (active accounts, an example account id)."""
    rows = conn.execute(
        select(Account.csm_email, func.count(), func.min(Account.account_id))
        .where(Account.churned_at.is_(None))
        .group_by(Account.csm_email)
    ).all()
    return {str(email): (int(n), str(example)) for email, n, example in rows}


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def _csms_not_in_team(owners: dict[str, tuple[int, str]], team: set[str]) -> list[str]:
    unknown = sorted(e for e in owners if e not in team)
    if not unknown:
        return []
    n = sum(owners[e][0] for e in unknown)
    named = [f"{e} ({owners[e][0]} accounts, e.g. {owners[e][1]})" for e in unknown]
    return [
        f"accounts.csm_email: {n} active accounts name a CSM who is not in the team table, so "
        f"their alerts go to the default channel: {_listed(named)}. Add them to the team "
        "export, or correct csm_email."
    ]


def _owners_left_the_export(owners: dict[str, tuple[int, str]], dropped: set[str]) -> list[str]:
    gone = sorted(e for e in dropped if e in owners)
    if not gone:
        return []
    named = [f"{e} ({owners[e][0]} accounts)" for e in gone]
    return [
        f"team: {len(gone)} people who still own active accounts are not in this team export: "
        f"{_listed(named)}. Their stored rows are kept, so their alerts still reach them; if "
        "they left, give their accounts a new csm_email."
    ]


def _came_back(conn: Connection) -> list[str]:
    rows = conn.execute(
        select(Account.account_id, Account.churned_at, func.max(Usage.date))
        .join(Usage, Usage.account_id == Account.account_id)
        .where(
            Account.churned_at.is_not(None),
            Usage.date > Account.churned_at,
            Usage.events > 0,
        )
        .group_by(Account.account_id, Account.churned_at)
        .order_by(Account.account_id)
    ).all()
    back = [
        f"{account} (churned {_day(churned)}, usage until {_day(last)})"
        for account, churned, last in rows
        if _day(last) - _day(churned) > CAME_BACK_AFTER
    ]
    if not back:
        return []
    return [
        f"accounts.churned_at: {len(back)} churned accounts have usage more than "
        f"{CAME_BACK_AFTER.days} days after churned_at, as if they came back: {_listed(back)}. "
        "A churned account is never scored: if the customer came back, empty churned_at (or "
        "give the new contract its own account_id); if the usage is wrong, fix the usage export."
    ]


def _day(value: object) -> dt.date:
    """A date as the database returns it (SQLite may give ``YYYY-MM-DD`` text from MAX)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
