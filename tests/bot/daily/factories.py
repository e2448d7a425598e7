"""Small stand-ins for the other parts' outputs: accounts and events, models, runs, a poster."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.bootstrap import Context, default_spec_path
from bot.daily.decide import ScoringResult
from bot.daily.scoring_frames import flagged_accounts
from bot.errors import RunFailed
from bot.settings import Settings
from bot.spec import load_spec
from storage.models import (
    Account,
    Alert,
    DriftStat,
    ModelVersion,
    Score,
    ScoringRun,
    TeamMember,
    Usage,
)

AS_OF = dt.date(2025, 1, 15)
PLAYBOOK = {
    "id": "integration-health-check",
    "title": "Integration health check",
    "style": "primary",
    "why": "fits the top reason",
    "follow_up_days": 7,
    "description": "Walk through failing syncs with the admin.",
}
CSMS = ("jane@example.com", "omar@example.com")
CHANNELS = {"jane@example.com": "C0JANE001", "omar@example.com": "C0OMAR001"}


def make_ctx(
    db_url: str,
    tmp_path: Path,
    *,
    token: str | None = None,
    api_url: str | None = None,
    **spec_changes: dict[str, Any],
) -> Context:
    """A context on ``db_url`` with the example spec, sections changed as given.

    Without ``token`` posting is a dry run into ``tmp_path/outbox``. No holdout unless asked,
    so counts of posted alerts are exact.
    """
    settings = Settings(
        database_url=db_url,
        atrisk_outbox_dir=tmp_path / "outbox",
        slack_bot_token=token,
        slack_api_url=api_url or "http://127.0.0.1:9/api/",
        slack_signing_secret=None,
        slack_app_token=None,
    )
    ctx = Context(settings=settings, spec_path=default_spec_path())
    spec = load_spec(default_spec_path())
    spec_changes.setdefault("feedback", {"holdout_share": 0.0})
    for section, values in spec_changes.items():
        setattr(spec, section, getattr(spec, section).model_copy(update=values))
    spec.base_dir = tmp_path
    ctx.spec = spec  # type: ignore[misc]
    return ctx


def account_ids(n: int) -> list[str]:
    return [f"A{i:03d}" for i in range(1, n + 1)]


def reason(i: int) -> dict[str, Any]:
    return {
        "feature": "integration_failures_14d",
        "family": "integrations",
        "value": i,
        "contribution": 0.3,
        "text": f"{i} failed Salesforce syncs in the last 14 days",
    }


def seed_world(ctx: Context, *, n: int = 12, last_event: dt.date | None = None) -> list[str]:
    """``n`` active accounts over two CSMs (each with a channel) and a usage event per account."""
    last_event = last_event or AS_OF - dt.timedelta(days=1)
    ids = account_ids(n)
    with ctx.uow() as uow:
        s = uow.session
        for j, email in enumerate(CSMS):
            s.add(
                TeamMember(
                    email=email,
                    name=email.split("@")[0].title(),
                    role="csm",
                    slack_user_id=f"U0CSM{j}",
                    slack_channel=CHANNELS[email],
                )
            )
        for i, aid in enumerate(ids):
            s.add(
                Account(
                    account_id=aid,
                    name=f"Account {aid}",
                    csm_email=CSMS[i % 2],
                    arr=1000.0 * (i + 1),
                    created_at=dt.date(2023, 1, 1),
                )
            )
            s.add(
                Usage(account_id=aid, date=last_event, feature="Reports", active_users=3, events=9)
            )
        uow.commit()
    copy_to_source(ctx)
    return ids


def copy_to_source(ctx: Context) -> None:
    """What an ingest does with a separate source engine: the contract's rows stored there too."""
    if ctx.source_engine is ctx.engine:
        return
    with ctx.engine.connect() as app, ctx.source_engine.begin() as src:
        for model in (TeamMember, Account, Usage):
            rows = [dict(r._mapping) for r in app.execute(select(model.__table__))]
            src.execute(model.__table__.delete())
            if rows:
                src.execute(model.__table__.insert(), rows)


def add_model(ctx: Context, version: str = "2025-01-01.1", state: str = "live") -> int:
    with ctx.uow() as uow:
        m = ModelVersion(
            version=version,
            state=state,
            trained_as_of=dt.date(2025, 1, 1),
            artifact="tree",
            artifact_sha256="0" * 64,
        )
        uow.session.add(m)
        uow.commit()
        return m.id


def add_run(
    ctx: Context,
    as_of: dt.date,
    model_id: int,
    risks: dict[str, float],
    *,
    flagged: int = 4,
    drift: dict[str, float] | None = None,
    alerts: bool = True,
    status: str = "succeeded",
    features: dict[str, dict[str, Any]] | None = None,
) -> int:
    """A succeeded run like the scorer's: scores, drift rows, pending alerts for the flagged."""
    order = sorted(risks, key=lambda a: -risks[a])
    with ctx.uow() as uow:
        s = uow.session
        run = ScoringRun(
            as_of=as_of,
            status=status,
            trigger="test",
            model_version_id=model_id,
            n_scored=len(risks),
            n_flagged=min(flagged, len(risks)),
            finished_at=dt.datetime.now(dt.UTC),
        )
        s.add(run)
        s.flush()
        for rank, aid in enumerate(order, start=1):
            s.add(
                Score(
                    run_id=run.id,
                    account_id=aid,
                    model_version_id=model_id,
                    as_of=as_of,
                    risk=risks[aid],
                    flagged=rank <= flagged,
                    rank=rank,
                    reasons=[reason(rank)] if rank <= flagged else [],
                    features=(features or {}).get(aid) if rank <= flagged else None,
                )
            )
        for row in drift_rows(drift):
            s.add(DriftStat(run_id=run.id, **row))
        if alerts:
            for aid in order[:flagged]:
                acct = s.get(Account, aid)
                s.add(
                    Alert(
                        alert_key=f"{aid}:{as_of.isoformat()}",
                        account_id=aid,
                        as_of=as_of,
                        run_id=run.id,
                        model_version_id=model_id,
                        csm_email=acct.csm_email if acct else None,
                        channel=CHANNELS[acct.csm_email] if acct else None,
                        risk=risks[aid],
                        reasons=[reason(1)],
                        playbooks=[PLAYBOOK],
                        status="pending",
                    )
                )
        run.n_alerts = min(flagged, len(risks)) if alerts else 0
        uow.commit()
        return run.id


def drift_rows(drift: dict[str, float] | None, weight: float = 0.25) -> list[dict[str, Any]]:
    """Drift rows for ``{feature: PSI}``, each feature a quarter of the model unless told."""
    return [
        {"feature": f, "psi": p, "drifted": p > 0.25, "weight": weight}
        for f, p in (drift or {}).items()
    ]


def risks_for(ids: list[str], top: float = 0.9) -> dict[str, float]:
    return {aid: round(top - 0.05 * i, 3) for i, aid in enumerate(ids)}


def scoring_result(
    as_of: dt.date,
    model_id: int,
    risks: dict[str, float],
    *,
    flagged: int = 4,
    drift: dict[str, float] | None = None,
    features: dict[str, dict[str, Any]] | None = None,
) -> ScoringResult:
    """What the model would return for ``risks``: the riskiest ``flagged`` flagged, with a
    reason each (and ``features`` values where given)."""
    order = sorted(risks, key=lambda a: -risks[a])
    rows = [
        {
            "account_id": aid,
            "model_version_id": model_id,
            "as_of": as_of,
            "shadow": False,
            "risk": risks[aid],
            "flagged": rank <= flagged,
            "rank": rank,
            "reasons": [reason(rank)] if rank <= flagged else [],
            "features": (features or {}).get(aid, {"integration_failures_14d": rank})
            if rank <= flagged
            else None,
        }
        for rank, aid in enumerate(order, start=1)
    ]
    return ScoringResult(
        as_of=as_of,
        model_version_id=model_id,
        model_version="2025-01-01.1",
        scores=rows,
        drift=drift_rows(drift),
        flagged=flagged_accounts(rows),
        n_scored=len(rows),
    )


@dataclass
class FakeScorer:
    """Stands in for ``compute_scoring``: scores every account with the live model, or fails.

    Like the real one it writes nothing: the daily job writes what it returns.
    """

    flagged: int = 4
    drift: dict[str, float] | None = None
    fail: str | None = None
    delay: float = 0.0
    calls: list[dt.date] = field(default_factory=list)

    def __call__(self, ctx: Context, as_of: dt.date) -> ScoringResult:
        self.calls.append(as_of)
        time.sleep(self.delay)
        if self.fail:
            raise RunFailed(self.fail)
        with ctx.uow() as uow:
            model_id = uow.session.scalars(
                select(ModelVersion.id).where(ModelVersion.state == "live")
            ).one()
            ids = sorted(uow.session.scalars(select(Account.account_id)))
        return scoring_result(
            as_of, model_id, risks_for(ids), flagged=self.flagged, drift=self.drift
        )


class Crash(BaseException):
    """The process dies half-way through posting (not an ``Exception``: nothing catches it)."""


@dataclass
class FakePoster:
    """Marks pending alerts posted one by one, as the outbox does.

    ``crash_after`` raises ``Crash`` after that many posts; ``kill_after`` ends the process on
    the spot (``os._exit``: no cleanup, no ``finally``), as a SIGKILL would.
    """

    crash_after: int | None = None
    kill_after: int | None = None
    posted: list[str] = field(default_factory=list)

    def __call__(self, ctx: Context) -> None:
        with ctx.uow() as uow:
            ids = list(
                uow.session.scalars(
                    select(Alert.id).where(Alert.status == "pending").order_by(Alert.id)
                )
            )
        for n, alert_id in enumerate(ids):
            if self.crash_after is not None and n == self.crash_after:
                raise Crash(f"killed after {n} alerts")
            if self.kill_after is not None and n == self.kill_after:
                os._exit(137)
            with ctx.uow() as uow:
                alert = uow.session.get(Alert, alert_id)
                assert alert is not None and alert.status == "pending"
                alert.status, alert.attempts = "posted", alert.attempts + 1
                alert.posted_at = dt.datetime.now(dt.UTC)
                self.posted.append(alert.alert_key)
                uow.commit()


@dataclass
class OpsRecorder:
    """``notify_ops(ctx, key, text, about=…)`` keeping one message per key, as Slack's does."""

    messages: dict[str, str] = field(default_factory=dict)
    about: dict[str, str | None] = field(default_factory=dict)
    calls: int = 0

    def __call__(self, ctx: Context, key: str, text: str, *, about: str | None = None) -> bool:
        self.calls += 1
        if key in self.messages:
            return False
        self.messages[key], self.about[key] = text, about
        return True

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self.messages if k.startswith(prefix))
