"""A throwaway application store for ``bench_slash``: N scored accounts, a team, posted alerts.

PostgreSQL gets a database of its own (dropped afterwards) filled with ``COPY``; SQLite a file
in a temporary folder filled with ``executemany``. Names are deterministic so the benchmark can
ask for an account by its exact name, a prefix of it, or a misspelling of it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from storage.db import make_engine

TODAY = dt.date.today()
CSMS_PER_MANAGER = 20
ACCOUNTS_PER_CSM = 500
SUFFIXES = ("GmbH", "Inc", "Ltd", "SAS")


def account_name(i: int) -> str:
    """The name the seed gives account ``i`` (``Company 42 SAS``)."""
    return f"Company {i} {SUFFIXES[i % len(SUFFIXES)]}"


@contextmanager
def throwaway_store(backend: str, pg_url: str) -> Iterator[str]:
    """The URL of an empty application store on ``backend`` (``sqlite`` or ``postgresql``)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="atrisk_bench_") as folder:
            yield f"sqlite:///{Path(folder) / 'atrisk.db'}"
        return
    name = f"atrisk_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _json(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


def bulk_insert(engine: Engine, table: str, columns: Sequence[str], rows: Iterator[tuple]) -> None:
    """Append ``rows`` to ``table``: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            cur = raw.cursor()
            marks = ", ".join("?" for _ in columns)
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                (tuple(_sqlite(v) for v in row) for row in rows),
            )
        raw.commit()
    finally:
        raw.close()


def _sqlite(value: Any) -> Any:
    """Values as SQLAlchemy stores them in SQLite (ISO text for dates, JSON as text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def seed(engine: Engine, n_accounts: int, rng: random.Random) -> dict[str, Any]:
    """Accounts, team, a live model, two runs of scores and posted alerts; who is who."""
    n_csms = max(1, n_accounts // ACCOUNTS_PER_CSM)
    n_managers = max(1, n_csms // CSMS_PER_MANAGER)
    team: list[tuple[str, str, str, str | None, str]] = [
        ("admin@x.io", "Admin", "admin", None, "U0ADMIN000")
    ]
    team += [
        (f"m{m}@x.io", f"Manager {m}", "manager", None, f"U0M{m:07d}") for m in range(n_managers)
    ]
    team += [
        (f"c{c}@x.io", f"CSM {c}", "csm", f"m{c % n_managers}@x.io", f"U0C{c:07d}")
        for c in range(n_csms)
    ]
    bulk_insert(
        engine, "team", ("email", "name", "role", "manager_email", "slack_user_id"), iter(team)
    )
    bulk_insert(
        engine,
        "accounts",
        (
            "account_id",
            "name",
            "csm_email",
            "segment",
            "arr",
            "seats",
            "created_at",
            "renewal_date",
        ),
        (
            (
                f"A{i:06d}",
                account_name(i),
                f"c{i % n_csms}@x.io",
                "SMB",
                float(rng.randint(5, 500) * 1000),
                20,
                dt.date(2023, 1, 1),
                TODAY + dt.timedelta(days=rng.randint(1, 365)),
            )
            for i in range(n_accounts)
        ),
    )
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        model_id = conn.execute(
            text(
                "insert into model_versions (version, state, created_at, trained_as_of, "
                "feature_source, features, params, metrics, artifact, artifact_sha256, extras) "
                "values ('bench.1', 'live', :now, :d, 'builtin', '[]', '{}', "
                "'{\"roc_auc\": 0.8}', 'x', :sha, '{}') returning id"
            ),
            {"d": TODAY, "sha": "0" * 64, "now": now},
        ).scalar_one()
        runs = []
        for day in (TODAY - dt.timedelta(days=7), TODAY):
            runs.append(
                conn.execute(
                    text(
                        "insert into scoring_runs (as_of, started_at, status, trigger, "
                        "model_version_id, n_scored, n_flagged, n_alerts, fallback, warnings) "
                        "values (:d, :now, 'succeeded', 'bench', :m, :n, 0, 0, false, '[]') "
                        "returning id"
                    ),
                    {"d": day, "m": model_id, "n": n_accounts, "now": now},
                ).scalar_one()
            )
    reasons = json.dumps(
        [
            {
                "feature": "f",
                "family": "usage",
                "value": 1,
                "contribution": 0.3,
                "text": "Usage fell 40 % in the last 14 days",
            }
        ]
    )
    for run_id, day in zip(runs, (TODAY - dt.timedelta(days=7), TODAY), strict=True):
        bulk_insert(
            engine,
            "scores",
            (
                "run_id",
                "account_id",
                "model_version_id",
                "as_of",
                "shadow",
                "risk",
                "flagged",
                "reasons",
            ),
            (
                (run_id, f"A{i:06d}", model_id, day, False, r, r > 0.95, reasons)
                for i, r in ((i, rng.random()) for i in range(n_accounts))
            ),
        )
    alerts = rng.sample(range(n_accounts), min(n_accounts, 2000))
    playbooks = json.dumps(
        [{"id": "exec-sponsor-call", "title": "Exec sponsor call", "follow_up_days": 14}]
    )
    bulk_insert(
        engine,
        "alerts",
        (
            "alert_key",
            "account_id",
            "as_of",
            "run_id",
            "model_version_id",
            "csm_email",
            "risk",
            "reasons",
            "playbooks",
            "fallback",
            "status",
            "attempts",
            "created_at",
            "posted_at",
            "posted_channel",
            "posted_ts",
        ),
        (
            (
                f"A{i:06d}:{TODAY}",
                f"A{i:06d}",
                TODAY,
                runs[1],
                model_id,
                f"c{i % n_csms}@x.io",
                0.9,
                reasons,
                playbooks,
                False,
                "posted",
                1,
                now,
                now,
                "C0BENCH001",
                f"{1000 + i}.000100",
            )
            for i in alerts
        ),
    )
    with engine.begin() as conn:
        conn.execute(text("analyze"))
        ids = [r for (r,) in conn.execute(text("select id from alerts order by id"))]
    return {
        "admin": "U0ADMIN000",
        "managers": [t[4] for t in team if t[2] == "manager"],
        "csms": [t[4] for t in team if t[2] == "csm"],
        "users": [t[4] for t in team],
        "alerts": [str(i) for i in ids],
    }
