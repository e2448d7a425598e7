"""Fixtures for the Slack side: a running Web API double, a client pointed at it, and a
context (settings, spec, database) with pending alerts to post."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.bootstrap import Context, default_spec_path
from bot.settings import Settings
from storage.models import Account, Alert, ModelVersion, TeamMember
from tests.bot.slack.slack_double import SlackDouble

TEST_TOKEN = "xoxb-test"
AS_OF = dt.date(2024, 12, 2)

SeedAlerts = Callable[..., list[int]]


@pytest.fixture
def slack_double() -> Iterator[SlackDouble]:
    """A started Slack Web API double that accepts the bot token ``xoxb-test``."""
    with SlackDouble(TEST_TOKEN) as double:
        yield double


@pytest.fixture
def slack_client(slack_double: SlackDouble) -> WebClient:
    """A ``WebClient`` talking to the double with no retry handlers (slack_sdk's default one
    would resend a request whose answer was lost, posting a message twice)."""
    return WebClient(token=TEST_TOKEN, base_url=slack_double.url, timeout=5, retry_handlers=[])


def make_context(db_url: str, outbox: Path, api_url: str | None) -> Context:
    """A context on ``db_url``; with ``api_url`` it posts there, without it is a dry run."""
    settings = Settings(
        database_url=db_url,
        atrisk_outbox_dir=outbox,
        slack_bot_token=TEST_TOKEN if api_url else None,
        slack_api_url=api_url or "http://127.0.0.1:9/api/",
        slack_signing_secret=None,
        slack_app_token=None,
    )
    return Context(settings=settings, spec_path=default_spec_path())


@pytest.fixture
def outbox_ctx(db_url: str, slack_double: SlackDouble, tmp_path: Path) -> Iterator[Context]:
    """A context that posts to the double, on SQLite and on PostgreSQL."""
    ctx = make_context(db_url, tmp_path / "outbox", slack_double.url)
    yield ctx
    ctx.close()


@pytest.fixture
def dry_ctx(sqlite_url: str, tmp_path: Path) -> Iterator[Context]:
    """A context without a bot token: posting is a dry run into ``tmp_path/outbox``."""
    ctx = make_context(sqlite_url, tmp_path / "outbox", None)
    yield ctx
    ctx.close()


def seed_alerts(
    ctx: Context,
    n: int,
    *,
    channels: int = 1,
    as_of: dt.date = AS_OF,
    name: str = "Account {i}",
    fallback: bool = False,
) -> list[int]:
    """``n`` pending alerts spread over ``channels`` CSMs (one channel each); their ids."""
    with ctx.uow() as uow:
        s = uow.session
        version = ModelVersion(
            version=f"v-{as_of}",
            state="live",
            trained_as_of=as_of,
            artifact="tree",
            artifact_sha256="0" * 64,
        )
        s.add(version)
        for c in range(channels):
            s.merge(
                TeamMember(
                    email=f"csm{c}@example.com",
                    name=f"CSM {c}",
                    role="csm",
                    slack_user_id=f"U0CSM{c:05d}",
                    slack_channel=f"#cs-{c}",
                )
            )
        s.flush()
        alerts = []
        for i in range(n):
            c = i % channels
            s.add(
                Account(
                    account_id=f"A{as_of:%m%d}-{i:05d}",
                    name=name.format(i=i),
                    csm_email=f"csm{c}@example.com",
                    segment="Mid-market",
                    arr=1000.0 * (i + 1),
                    created_at=dt.date(2022, 1, 1),
                    renewal_date=as_of + dt.timedelta(days=40),
                )
            )
            alert = Alert(
                alert_key=f"A{as_of:%m%d}-{i:05d}:{as_of}",
                account_id=f"A{as_of:%m%d}-{i:05d}",
                as_of=as_of,
                csm_email=f"csm{c}@example.com",
                channel=f"#cs-{c}",
                model_version_id=version.id,
                risk=0.5 + i % 40 / 100,
                previous_risk=None,
                reasons=[
                    {
                        "feature": "sync_failures",
                        "family": "integrations",
                        "value": 3,
                        "contribution": 0.2,
                        "text": f"{i % 9 + 1} failed syncs in 14 days",
                    }
                ],
                playbooks=[
                    {
                        "id": "integration-health",
                        "title": "Integration health check",
                        "style": None,
                        "why": "syncs fail",
                        "follow_up_days": 14,
                        "description": "",
                    }
                ],
                fallback=fallback,
                status="pending",
            )
            s.add(alert)
            alerts.append(alert)
        s.flush()
        ids = [a.id for a in alerts]
        uow.commit()
    return ids


@pytest.fixture
def seed() -> SeedAlerts:
    return seed_alerts
