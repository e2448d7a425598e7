"""The input contract as data: which source tables exist, their columns, types and rules.

Everything that reads, checks or loads source tables is driven by ``TABLES``; the prose version
is docs/input-contract.md. String lengths come from the storage models, so a value that the
database would reject is refused up front with a message instead of failing midway.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

from storage.models import Base

Kind = Literal["str", "email", "enum", "float", "int", "date", "timestamp", "label"]

ACCOUNTS = "accounts"
DEFAULT_REQUIRED: tuple[str, ...] = ("accounts", "team", "usage", "integration_runs", "tickets")
#: who a person in ``team`` is: CSMs own accounts, SDRs and AEs own leads
ROLES: tuple[str, ...] = ("csm", "manager", "analyst", "admin", "sdr", "ae")
LEADS = "leads"
#: the tables a lead-scoring product (``entity: lead``) needs
LEAD_REQUIRED: tuple[str, ...] = ("leads", "lead_activity", "team")
#: what a lead did, in ``lead_activity.type``
ACTIVITY_TYPES: tuple[str, ...] = (
    "web_visit",
    "pricing_page",
    "email_open",
    "email_reply",
    "demo_request",
    "meeting",
    "trial_signup",
    "trial_event",
)
FEATURES_TABLE = "account_features"
#: A timestamp or date up to this far ahead of now is accepted (naive local times read as UTC).
FUTURE_TOLERANCE = dt.timedelta(days=1)
INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class Column:
    """One contract column: its kind and the rules its values must follow."""

    name: str
    kind: Kind
    required: bool = False
    min_value: float | None = None
    max_value: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_text: str = ""
    not_future: bool = False
    max_length: int | None = None
    #: the value must be an IANA time zone name (``zoneinfo``'s list)
    time_zone: bool = False


@dataclass(frozen=True)
class Table:
    """One source table: its columns, its unique key and how it relates to accounts."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    may_be_empty: bool = True
    references_accounts: bool = False
    references_leads: bool = False
    #: (earlier, later, rule text): when both are set, ``later`` may not precede ``earlier``.
    ordered: tuple[tuple[str, str, str], ...] = ()
    #: every column not listed is kept as a feature (``account_features``)
    open_columns: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _with_lengths(table: str, columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """Copy each text column's maximum length from the storage model of ``table``."""
    model = Base.metadata.tables[table]
    out = []
    for col in columns:
        length = getattr(model.c[col.name].type, "length", None)
        if col.kind in ("str", "email", "enum") and length:
            col = replace(col, max_length=int(length))
        out.append(col)
    return tuple(out)


_TABLES = (
    Table(
        "accounts",
        (
            Column("account_id", "str", required=True),
            Column("name", "str", required=True),
            Column("csm_email", "email", required=True),
            Column("segment", "str"),
            Column("plan", "str"),
            Column("arr", "float", min_value=0),
            Column("seats", "int", min_value=0, max_value=INT_MAX),
            Column("created_at", "date", required=True),
            Column("renewal_date", "date"),
            Column("churned_at", "date"),
        ),
        key=("account_id",),
        may_be_empty=False,
        ordered=(("created_at", "churned_at", "churn before they were created"),),
    ),
    Table(
        "team",
        (
            Column("email", "email", required=True),
            Column("name", "str", required=True),
            Column("role", "enum", required=True, choices=ROLES),
            Column("manager_email", "email"),
            Column(
                "slack_user_id",
                "str",
                pattern=r"[UW][A-Z0-9]+",
                pattern_text="not a Slack user id (U… or W…)",
            ),
            Column(
                "slack_channel",
                "str",
                pattern=r"(?:[CG][A-Z0-9]+|#[^\s#]+)",
                pattern_text="not a Slack channel (an id C… or #name)",
            ),
            Column("timezone", "str", time_zone=True),
        ),
        key=("email",),
    ),
    Table(
        "usage",
        (
            Column("account_id", "str", required=True),
            Column("date", "date", required=True, not_future=True),
            Column("feature", "str", required=True),
            Column("active_users", "int", required=True, min_value=0, max_value=INT_MAX),
            Column("events", "int", required=True, min_value=0, max_value=INT_MAX),
        ),
        key=("account_id", "date", "feature"),
        references_accounts=True,
    ),
    Table(
        "integration_runs",
        (
            Column("account_id", "str", required=True),
            Column("ts", "timestamp", required=True, not_future=True),
            Column("integration", "str", required=True),
            Column("status", "enum", required=True, choices=("success", "failure")),
            Column("error", "str"),
        ),
        key=("account_id", "ts", "integration"),
        references_accounts=True,
    ),
    Table(
        "tickets",
        (
            Column("ticket_id", "str", required=True),
            Column("account_id", "str", required=True),
            Column("opened_at", "timestamp", required=True, not_future=True),
            Column("first_response_at", "timestamp", not_future=True),
            Column("closed_at", "timestamp", not_future=True),
            Column("priority", "enum", choices=("low", "normal", "high", "urgent")),
            Column("csat", "int", min_value=1, max_value=5),
        ),
        key=("ticket_id",),
        references_accounts=True,
        ordered=(("opened_at", "closed_at", "close before they open"),),
    ),
    Table(
        LEADS,
        (
            Column("lead_id", "str", required=True),
            Column("company", "str", required=True),
            Column("owner_email", "email", required=True),
            Column("source", "str"),
            Column("segment", "str"),
            Column("employees", "int", min_value=0, max_value=INT_MAX),
            Column("created_at", "date", required=True, not_future=True),
            Column("converted_at", "date", not_future=True),
            Column("disqualified_at", "date", not_future=True),
        ),
        key=("lead_id",),
        may_be_empty=False,
        ordered=(
            ("created_at", "converted_at", "convert before they were created"),
            ("created_at", "disqualified_at", "are disqualified before they were created"),
        ),
    ),
    Table(
        "lead_activity",
        (
            Column("lead_id", "str", required=True),
            Column("ts", "timestamp", required=True, not_future=True),
            Column("type", "enum", required=True, choices=ACTIVITY_TYPES),
            Column("detail", "str"),
        ),
        key=("lead_id", "ts", "type"),
        references_leads=True,
    ),
    Table(
        FEATURES_TABLE,
        (
            Column("account_id", "str", required=True),
            Column("as_of", "date", required=True, not_future=True),
            Column("churned_within_horizon", "label"),
        ),
        key=("account_id", "as_of"),
        references_accounts=True,
        open_columns=True,
    ),
)

TABLES: dict[str, Table] = {
    t.name: replace(t, columns=_with_lengths(t.name, t.columns)) for t in _TABLES
}

#: Load order: accounts first, so a reader of the database never sees events without them.
LOAD_ORDER: tuple[str, ...] = tuple(TABLES)

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize_column(name: str) -> str:
    """``" Account ID"`` → ``account_id``: headers are matched without case, BOM or spaces."""
    return _SEPARATORS.sub("_", name.replace("\ufeff", "").strip().lower())


def event_date_columns() -> list[tuple[str, str]]:
    """(table, column) pairs whose newest value tells how recent an extract is."""
    return [
        (t.name, c.name)
        for t in TABLES.values()
        if t.references_accounts or t.references_leads
        for c in t.columns
        if c.not_future
    ]
