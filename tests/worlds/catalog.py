"""Harbor Data, a fictional data-operations SaaS: its product, integrations, plans and CS team.

Everything here is static description; nothing is random. The lifecycle and event modules
draw accounts and their behaviour from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

DRIVERS: tuple[str, ...] = ("none", "adoption", "integrations", "support")
"""The latent true driver of an account's churn risk (index = code used in arrays)."""


@dataclass(frozen=True)
class Feature:
    """A product feature: how often an adopter uses it and how many of its users touch it."""

    name: str
    key: bool  # listed in contract.key_features
    daily_use: float  # chance an adopter uses it on a weekday
    user_share: float  # share of the day's active users that use it
    events_per_user: float
    optional: float  # chance a healthy account ever adopts it (1.0 = everyone)
    adopt_days: float  # mean days after sign-up until first use


FEATURES: tuple[Feature, ...] = (
    Feature("Workspaces", False, 0.96, 0.92, 3.0, 1.0, 0.5),
    Feature("Pipelines", True, 0.82, 0.55, 6.0, 1.0, 8.0),
    Feature("Alerts", True, 0.70, 0.35, 2.0, 1.0, 15.0),
    Feature("Data Catalog", True, 0.50, 0.30, 4.0, 1.0, 25.0),
    Feature("Audit Log", True, 0.30, 0.08, 2.0, 1.0, 35.0),
    Feature("Exports", True, 0.45, 0.20, 1.5, 1.0, 20.0),
    Feature("Lineage", False, 0.35, 0.15, 2.0, 0.5, 60.0),
    Feature("Notebooks", False, 0.40, 0.25, 5.0, 0.4, 90.0),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
KEY_FEATURES: tuple[str, ...] = tuple(f.name for f in FEATURES if f.key)


@dataclass(frozen=True)
class Integration:
    """A connector that syncs on a fixed UTC schedule, and how it fails."""

    name: str
    share: float  # chance an account connects it
    hours: tuple[int, ...]  # UTC hours of the daily runs
    broken_error: str  # error while the connection is broken
    offset: str  # how the exporter writes its timestamps: "Z", "+HH:MM", "-HH:MM" or ""


INTEGRATIONS: tuple[Integration, ...] = (
    Integration("hubspot", 0.55, (7,), "401 Unauthorized: OAuth token revoked", "Z"),
    Integration("snowflake", 0.45, (2, 14), "Warehouse HARBOR_WH is suspended", "+01:00"),
    Integration("zendesk", 0.35, (5,), "403 Forbidden: API access disabled", ""),
    Integration("netsuite", 0.25, (9,), "SSS_REQUEST_LIMIT_EXCEEDED; login failed", "-08:00"),
    Integration("bigquery", 0.20, (3, 15), "Permission bigquery.tables.get denied", "Z"),
)
TRANSIENT_ERRORS: tuple[str, ...] = (
    "timeout after 300 s",
    "429 Too Many Requests",
    "connection reset by peer",
    "",  # some connectors fail without a message
)


@dataclass(frozen=True)
class Segment:
    """A customer segment: its size in seats and the plans and terms it buys."""

    name: str
    share: float
    seats_median: float
    plans: tuple[tuple[str, float], ...]
    terms: tuple[tuple[int, float], ...]  # (term in months, probability)


SEGMENTS: tuple[Segment, ...] = (
    Segment("Startup", 0.35, 12, (("Launch", 0.7), ("Grow", 0.3)), ((1, 0.6), (12, 0.4))),
    Segment(
        "Scale-up",
        0.30,
        45,
        (("Grow", 0.6), ("Scale", 0.4)),
        ((1, 0.2), (12, 0.7), (24, 0.1)),
    ),
    Segment(
        "Corporate",
        0.25,
        220,
        (("Scale", 0.4), ("Enterprise", 0.6)),
        ((12, 0.5), (24, 0.3), (36, 0.2)),
    ),
    Segment("Public Sector", 0.10, 120, (("Enterprise", 1.0),), ((12, 0.3), (36, 0.7))),
)
PRICE_PER_SEAT: dict[str, float] = {
    "Launch": 240.0,
    "Grow": 420.0,
    "Scale": 610.0,
    "Enterprise": 880.0,
}
TERM_LABEL: dict[int, str] = {1: "monthly", 12: "annual", 24: "24 months", 36: "36 months"}
TERM_HAZARD: dict[int, float] = {1: 1.4, 12: 1.0, 24: 0.75, 36: 0.6}

# name | email as the HR system spells it | role | manager's email | Slack user id | channel
TEAM_TABLE = """
Lena Fischer|Lena.Fischer@HarborData.io|manager||U07LENAF1S|#cs-leads-emea
Daniel Cho|daniel.cho@harbordata.io|manager||U07DCH0MGR|C07AMERLEAD
Maya Okafor|Maya.Okafor@HarborData.io|csm|lena.fischer@harbordata.io|U07M4YA0KF|C07CSMAYA01
Jonas Lindqvist|jonas.lindqvist@harbordata.io|csm|Lena.Fischer@HarborData.io|U07J0NASL1|#cs-jonas
Priya Raman|PRIYA.RAMAN@harbordata.io|csm|lena.fischer@harbordata.io|W01PRIYA7R|C07PRIYA9Q2
Tomás Herrera|tomas.herrera@harbordata.io|csm|daniel.cho@harbordata.io|U07T0MASH3|G07PRIVTOM1
Aiko Tanaka|aiko.tanaka@HarborData.io|csm|daniel.cho@harbordata.io|U07A1K0TNK|#cs-aiko
Sam O'Brien|sam.obrien@harbordata.io|csm|Daniel.Cho@harbordata.io|U07SAM0BRN|
Grace Mbeki|Grace.Mbeki@harbordata.io|csm|daniel.cho@harbordata.io|U07GRACEMB|C07GRACE4K1
Rafael Souza|rafael.souza@harbordata.io|analyst|lena.fischer@harbordata.io|U07RAFS0UZ|
IT Admin|it-admin@harbordata.io|admin|||
"""
TEAM: tuple[tuple[str, ...], ...] = tuple(
    tuple(line.split("|")) for line in TEAM_TABLE.strip().splitlines()
)
CSM_WEIGHTS: tuple[float, ...] = (1.2, 1.0, 1.0, 0.9, 1.0, 0.8, 1.1)
DEPARTED_CSM = "Nora.Kim@harbordata.io"  # owns a few accounts but has left the team table

NAME_HEADS: tuple[str, ...] = (
    "Northwind", "Bluefin", "Kestrel", "Ironbark", "Lumen", "Quarry", "Saltmarsh", "Tidewater",
    "Copperleaf", "Meridian", "Oakridge", "Pinecrest", "Redwood", "Silverline", "Harrow",
    "Ember", "Granite", "Juniper", "Larkspur", "Marlow", "Nimbus", "Orchard", "Pebble", "Rook",
)  # fmt: skip
NAME_TAILS: tuple[str, ...] = (
    "Logistics", "Analytics", "Health", "Foods", "Capital", "Energy", "Robotics", "Media",
    "Insurance", "Freight", "Labs", "Retail", "Systems", "Partners", "Bio", "Mobility",
)  # fmt: skip
AWKWARD_NAMES: tuple[str, ...] = (
    "Baker & Rowe Logistics",
    "Smith, Jones & Partners",
    "<Acme> Labs",
    'The "Quoted" Company',
    "Café Zürich AG",
    "R&D <EU> GmbH",
    "日本データ株式会社",
    "O'Hara & Sons",
)


def team_frame() -> pd.DataFrame:
    """The `team` table: CSMs, two managers, an analyst and an admin.

    One CSM has no channel, one manager and two CSMs name their channel as `#name`, one uses
    a private `G…` channel and one an Enterprise Grid `W…` user id.
    """
    rows = [
        {
            "email": email,
            "name": name,
            "role": role,
            "manager_email": manager or None,
            "slack_user_id": user or None,
            "slack_channel": channel or None,
        }
        for name, email, role, manager, user, channel in TEAM
    ]
    return pd.DataFrame(rows).astype("str")


def csm_emails() -> tuple[str, ...]:
    """The CSMs' emails, in the order of `CSM_WEIGHTS`."""
    return tuple(email for _, email, role, *_ in TEAM if role == "csm")
