"""Posting the outbox at Slack's pace: N alerts over C channels against a local Slack double that
refuses (429) more than one message per second per channel.

Prints one JSON object: total seconds, the theoretical minimum (alerts per channel / rate),
their ratio, how many were posted, duplicated and lost, and how many 429s were answered.
    python -m benchmarks.bench_posting [--alerts 500] [--channels 25] [--rate 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bot.bootstrap import Context, default_spec_path
from bot.delivery.post_alerts import post_pending
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Account, Alert, TeamMember
from tests.bot.slack.slack_double import SlackDouble

TOKEN = "xoxb-bench"
AS_OF = dt.date(2024, 12, 2)


def _seed(ctx: Context, alerts: int, channels: int) -> None:
    with ctx.uow() as uow:
        s = uow.session
        for c in range(channels):
            s.add(
                TeamMember(
                    email=f"csm{c}@example.com",
                    name=f"CSM {c}",
                    role="csm",
                    slack_user_id=f"U0CSM{c:05d}",
                    slack_channel=f"#cs-{c}",
                )
            )
        for i in range(alerts):
            c = i % channels
            s.add(
                Account(
                    account_id=f"A{i:06d}",
                    name=f"Account {i}",
                    csm_email=f"csm{c}@example.com",
                    segment="SMB",
                    arr=5000.0,
                    created_at=dt.date(2022, 1, 1),
                )
            )
            s.add(
                Alert(
                    alert_key=f"A{i:06d}:{AS_OF}",
                    account_id=f"A{i:06d}",
                    as_of=AS_OF,
                    csm_email=f"csm{c}@example.com",
                    channel=f"#cs-{c}",
                    risk=0.7,
                    previous_risk=0.5,
                    status="pending",
                    reasons=[
                        {
                            "feature": "f",
                            "family": "usage",
                            "value": 1,
                            "contribution": 0.1,
                            "text": "usage fell 40 % in 14 days",
                        }
                    ],
                    playbooks=[
                        {
                            "id": "usage-review",
                            "title": "Usage review",
                            "style": None,
                            "why": "usage fell",
                            "follow_up_days": 14,
                            "description": "",
                        }
                    ],
                )
            )
        uow.commit()


def run(alerts: int, channels: int, rate: float, db_url: str | None) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        SlackDouble(TOKEN, rate_limit_per_channel=rate) as slack,
    ):
        url = db_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url, create=True)
        upgrade(engine)
        engine.dispose()
        settings = Settings(
            database_url=url,
            slack_bot_token=TOKEN,
            slack_api_url=slack.url,
            atrisk_outbox_dir=Path(tmp) / "outbox",
        )
        ctx = Context(settings=settings, spec_path=default_spec_path())
        _seed(ctx, alerts, channels)
        report = post_pending(ctx, interval=1.0 / rate)
        ctx.close()
        per_key = Counter(
            m["metadata"]["event_payload"]["alert_key"]
            for m in slack.messages()
            if m.get("metadata")
        )
        refused = sum(1 for c in slack.calls_to("chat.postMessage")) - sum(per_key.values())
    minimum = -(-alerts // channels) / rate
    return {
        "alerts": alerts,
        "channels": channels,
        "rate_per_channel": rate,
        "total_seconds": report.seconds,
        "theoretical_min_seconds": minimum,
        "ratio": round(report.seconds / minimum, 3),
        "posted": report.posted,
        "duplicates": sum(n - 1 for n in per_key.values()),
        "lost": alerts - len(per_key),
        "answered_429": refused,
        "left_pending": report.left_pending,
        "failed": report.failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=500)
    parser.add_argument("--channels", type=int, default=25)
    parser.add_argument("--rate", type=float, default=1.0, help="messages per second per channel")
    parser.add_argument(
        "--db", default=None, help="database URL (default: a temporary SQLite file)"
    )
    args = parser.parse_args()
    print(json.dumps(run(args.alerts, args.channels, args.rate, args.db), indent=2))


if __name__ == "__main__":
    main()
