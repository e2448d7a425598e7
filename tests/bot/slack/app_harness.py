"""The real Slack app served over HTTP on 127.0.0.1, its Web API calls going to the double.

``running_app`` yields a ``Harness`` that sends signed commands, clicks, modal submissions
and events, and waits for the lazy work to reach the double. ``seed`` writes a small
company straight into the database: a manager with two CSMs, a CSM on another team, an
analyst, an admin, scored accounts and one posted alert per CSM.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.blockkit.alerts import render_alert
from bot.bootstrap import Context, default_spec_path
from bot.delivery.alert_views import load_alert_view
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.server import EVENTS_PATH, HttpServer, wsgi_app
from scoring.model_metrics import Gate, ModelMetrics, PeriodMetrics
from storage.models import (
    Account,
    Action,
    Alert,
    ModelVersion,
    Score,
    ScoringRun,
    TeamMember,
)
from tests.bot.slack import signing
from tests.bot.slack.slack_double import SlackDouble

TRAINED_METRICS = ModelMetrics(
    test=PeriodMetrics(rows=600, positives=60, roc_auc=0.83, pr_auc=0.41),
    baseline_test=PeriodMetrics(rows=600, positives=60, roc_auc=0.74, pr_auc=0.3),
    gate=Gate(passed=True, why="ROC AUC 0.830 vs baseline 0.740"),
)
"""What training stores on the live model (the shape ``atrisk train`` writes)."""

TOKEN = "xoxb-test"
NOW = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)  # a Tuesday
TODAY = NOW.date()
PREVIOUS_DAY = TODAY - dt.timedelta(days=7)

MANAGER, JANE, OMAR, ZOE = "U0MANAGER1", "U0JANE0001", "U0OMAR0001", "U0ZOE00001"
ANALYST, ADMIN, STRANGER = "U0ANALYST1", "U0ADMIN001", "U0STRANGER"
JANE_CHANNEL, ZOE_CHANNEL = "C0JANECHAN", "C0ZOECHANN"

PLAYBOOKS: list[dict[str, Any]] = [
    {
        "id": "integration-health-check",
        "title": "Integration health check",
        "style": "primary",
        "why": "14 failed syncs",
        "follow_up_days": 12,
        "description": "Walk through failing syncs with the admin.",
    },
    {
        "id": "exec-sponsor-call",
        "title": "Exec sponsor call",
        "style": None,
        "why": "renewal soon",
        "follow_up_days": 21,
        "description": "Call the sponsor.",
    },
]


def reason(text: str, family: str = "integrations") -> dict[str, Any]:
    return {"feature": "f", "family": family, "value": 1, "contribution": 0.2, "text": text}


@dataclass
class Harness:
    ctx: Context
    double: SlackDouble
    server: HttpServer
    alerts: dict[str, int]
    pools: list[ThreadPoolExecutor] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url + EVENTS_PATH

    # ------------------------------------------------------------ requests

    def post(
        self, body: str, *, age: float = 0, content_type: str = signing.FORM
    ) -> signing.Answer:
        signed = signing.signed_headers(body, age=age, content_type=content_type)
        return signing.post(self.url, body, signed)

    def command(self, text: str, *, user: str) -> tuple[signing.Answer, str]:
        """Send ``/atrisk text``; returns the ack and the response_url the answer goes to."""
        response_url = self.double.response_url()
        body = signing.command_body(text, user_id=user, response_url=response_url)
        return self.post(body), response_url

    def answer(self, text: str, *, user: str) -> dict[str, Any]:
        """The one response ``/atrisk text`` sends to its response_url."""
        ack, url = self.command(text, user=user)
        assert ack.status == 200, ack
        return self.wait_for_response(url)

    def wait_for_response(self, url: str, timeout: float = 10) -> dict[str, Any]:
        wait_until(lambda: self.double.responses(url), timeout)
        [response] = self.double.responses(url)
        return response

    def offer(self, alert: str, playbook_id: str) -> None:
        """Add the library's playbook ``playbook_id`` to the buttons ``alert`` offers."""
        found = self.ctx.playbooks.get(playbook_id)
        assert found is not None, playbook_id
        with self.ctx.uow() as uow:
            row = uow.session.get(Alert, self.alerts[alert])
            offered = {"id": found.id, "title": found.title, "style": None, "why": "test"}
            if all(p.get("id") != found.id for p in row.playbooks or []):
                row.playbooks = [*(row.playbooks or []), offered]
            uow.commit()

    def click(
        self,
        action_id: str,
        value: dict[str, Any],
        *,
        user: str,
        alert: str = "acme",
        age: float = 0,
        raw_value: str | None = None,
        message_ts: str | None = None,
    ) -> tuple[signing.Answer, str]:
        """Click a button on ``alert``'s message (or on its thread reply at ``message_ts``);
        ``raw_value`` sends that exact text as the button's value."""
        alert_id = self.alerts[alert]
        with self.ctx.uow() as uow:
            row = uow.session.get(Alert, alert_id)
            assert row is not None
            channel, ts = row.posted_channel, row.posted_ts
        response_url = self.double.response_url()
        payload = signing.block_action(
            action_id=action_id,
            value=raw_value if raw_value is not None else json.dumps(value),
            user_id=user,
            user_name=user.lower(),
            channel=channel or "",
            ts=message_ts or ts or "",
            response_url=response_url,
        )
        return self.post(signing.payload_body(payload), age=age), response_url

    def click_playbook(self, *, user: str = JANE, n: int = 0, alert: str = "acme", age: float = 0):
        value = {"alert": self.alerts[alert], "playbook": PLAYBOOKS[n]["id"]}
        return self.click(f"atrisk.playbook.{n}", value, user=user, alert=alert, age=age)

    def event(self, event: dict[str, Any]) -> signing.Answer:
        return self.post(signing.event_body(event), content_type="application/json")

    def finish(self) -> None:
        """Stop serving and wait until every lazy listener has run to its end."""
        self.server.stop()
        for pool in self.pools:  # bolt's pool first: it hands lazy work to the work pool
            pool.shutdown(wait=True)

    # ------------------------------------------------------------ what happened

    def actions(self) -> list[Action]:
        with self.ctx.uow() as uow:
            rows = list(uow.session.scalars(select(Action).order_by(Action.id)))
            uow.session.expunge_all()
            return rows

    def count(self, model: type) -> int:
        with self.ctx.uow() as uow:
            return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def text_of(answer: dict[str, Any]) -> str:
    """An answer's whole payload as one string, non-ASCII kept (to look for words in)."""
    return json.dumps(answer, ensure_ascii=False)


def wait_until(predicate: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def settings_for(db_url: str, double: SlackDouble, **overrides: Any) -> Settings:
    """Settings for the app under test; ``overrides`` replace any of them."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "atrisk_spec": default_spec_path(),
        "slack_bot_token": TOKEN,
        "slack_signing_secret": signing.SECRET,
        "slack_app_token": None,
        "slack_api_url": double.url,
    }
    return Settings(**{**values, **overrides})


@contextlib.contextmanager
def running_app(
    db_url: str, double: SlackDouble, *, seeded: bool = True, **settings: Any
) -> Iterator[Harness]:
    """The app served by waitress on a free port, seeded unless ``seeded`` is False;
    ``settings`` override the test settings (e.g. ``slack_max_body_bytes``)."""
    ctx = Context(settings=settings_for(db_url, double, **settings))
    client = WebClient(token=TOKEN, base_url=double.url, timeout=5)
    alerts = seed(ctx, client) if seeded else {}
    pools = [ThreadPoolExecutor(32), ThreadPoolExecutor(4)]
    app = create_app(
        ctx,
        client=client,
        clock=lambda: NOW,
        verify_token=False,
        listener_pool=pools[0],
        work=pools[1],
    )
    wsgi = wsgi_app(app, ctx)
    max_body = ctx.settings.slack_max_body_bytes
    server = HttpServer(wsgi, host="127.0.0.1", port=0, poll_seconds=0.05, max_body=max_body)
    try:
        yield Harness(ctx, double, server.start(), alerts, pools)
    finally:
        server.stop()
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        ctx.close()


# ---------------------------------------------------------------- the seeded company


def _team() -> list[TeamMember]:
    def member(email: str, name: str, role: str, slack: str, manager: str | None = None):
        channel = {JANE: JANE_CHANNEL, ZOE: ZOE_CHANNEL}.get(slack)
        return TeamMember(
            email=email,
            name=name,
            role=role,
            manager_email=manager,
            slack_user_id=slack,
            slack_channel=channel,
        )

    return [
        member("maria@example.com", "Maria Manager", "manager", MANAGER),
        member("jane@example.com", "Jane Doe", "csm", JANE, "maria@example.com"),
        member("omar@example.com", "Omar Khan", "csm", OMAR, "maria@example.com"),
        member("zoe@example.com", "Zoe Park", "csm", ZOE, "other.boss@example.com"),
        member("ana@example.com", "Ana Lyst", "analyst", ANALYST),
        member("adam@example.com", "Adam Admin", "admin", ADMIN),
    ]


# account id, name, CSM, risk now, risk a week ago
ACCOUNTS = [
    ("acme", "Acme Corp", "jane@example.com", 0.81, 0.52),
    ("globex", "Globex & Sons <Ltd>", "jane@example.com", 0.44, 0.47),
    ("initech", "Initech", "omar@example.com", 0.67, None),
    ("umbrella", "Umbrella Health", "zoe@example.com", 0.91, 0.90),
    ("hooli", "Hooli", "zoe@example.com", 0.12, 0.10),
]


def seed(ctx: Context, client: WebClient) -> dict[str, int]:
    """The company above, two scoring runs, and posted alerts for Acme (Jane) and Umbrella (Zoe)."""
    with ctx.uow() as uow:
        s = uow.session
        s.add_all(_team())
        for account_id, name, csm, _, _ in ACCOUNTS:
            s.add(
                Account(
                    account_id=account_id,
                    name=name,
                    csm_email=csm,
                    segment="Mid-market",
                    plan="pro",
                    arr=48_000.0,
                    seats=40,
                    created_at=dt.date(2023, 1, 1),
                    renewal_date=TODAY + dt.timedelta(days=45),
                )
            )
        model = ModelVersion(
            version="2026-03-01.1",
            state="live",
            trained_as_of=dt.date(2026, 3, 1),
            metrics=TRAINED_METRICS.to_json(),
            artifact="tree",
            artifact_sha256="0" * 64,
        )
        s.add(model)
        s.flush()
        runs = {}
        for day in (PREVIOUS_DAY, TODAY):
            run = ScoringRun(as_of=day, status="succeeded", model_version_id=model.id, n_scored=5)
            run.finished_at = dt.datetime.combine(day, dt.time(6, 5), tzinfo=dt.UTC)
            s.add(run)
            s.flush()
            runs[day] = run.id
        for account_id, _, _, risk, before in ACCOUNTS:
            for day, value in ((TODAY, risk), (PREVIOUS_DAY, before)):
                if value is None:
                    continue
                s.add(
                    Score(
                        run_id=runs[day],
                        account_id=account_id,
                        model_version_id=model.id,
                        as_of=day,
                        risk=value,
                        flagged=value > 0.6,
                        reasons=[reason(f"{account_id}: 14 failed Salesforce syncs")],
                    )
                )
        alerts = {}
        for account_id, csm, channel, risk in (
            ("acme", "jane@example.com", JANE_CHANNEL, 0.81),
            ("umbrella", "zoe@example.com", ZOE_CHANNEL, 0.91),
        ):
            alert = Alert(
                alert_key=f"{account_id}:{TODAY}",
                account_id=account_id,
                as_of=TODAY,
                run_id=runs[TODAY],
                model_version_id=model.id,
                csm_email=csm,
                channel=channel,
                risk=risk,
                previous_risk=0.5,
                arr=48_000.0,
                reasons=[reason("14 failed Salesforce syncs in the last 14 days")],
                playbooks=PLAYBOOKS,
                status="posted",
                posted_at=NOW - dt.timedelta(hours=6),
            )
            s.add(alert)
            s.flush()
            alerts[account_id] = alert.id
        uow.commit()
    for alert_id in alerts.values():
        _post(ctx, client, alert_id)
    return alerts


def _post(ctx: Context, client: WebClient, alert_id: int) -> None:
    """Post the alert into the double as the outbox would, and store where it went."""
    with ctx.uow() as uow:
        view = load_alert_view(uow.session, alert_id=alert_id)
        alert = uow.session.get(Alert, alert_id)
        assert view is not None and alert is not None
        posted = client.chat_postMessage(channel=alert.channel or "", **render_alert(view))
        alert.posted_channel, alert.posted_ts = posted["channel"], posted["ts"]
        uow.commit()
