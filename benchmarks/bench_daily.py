"""The daily job's own overhead at scale: fallback serving, matured accuracy, the job lock.

Prints one JSON object with the seconds each step took on a temporary SQLite file:
    python -m benchmarks.bench_daily [--accounts 100000] [--flagged-share 0.05]
Scoring itself (features, LightGBM, SHAP) is timed by ``bench_features`` and friends; here the
model is not run: a disabled model serves last week's flagged accounts, and the live model's
ROC AUC is read from four matured runs of every account.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from bot.bootstrap import Context, default_spec_path
from bot.daily.job import run_daily
from bot.lifecycle import model_state
from bot.lifecycle.accuracy import live_accuracy
from bot.settings import Settings
from bot.spec import load_spec
from storage import job_lock
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Account, ModelVersion, Score, ScoringRun, TeamMember, Usage

AS_OF = dt.date(2025, 6, 2)
CHUNK = 20_000


def _insert(ctx: Context, table: Any, rows: list[dict[str, Any]]) -> None:
    with ctx.engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[i : i + CHUNK])


def seed(ctx: Context, n: int, flagged_share: float, rng: np.random.Generator) -> None:
    """``n`` accounts over 50 CSMs, a live model, four matured runs and last week's run."""
    csms = [f"csm{i}@example.com" for i in range(50)]
    _insert(
        ctx,
        TeamMember,
        [
            {"email": e, "name": e, "role": "csm", "slack_channel": f"C0CSM{i:04d}"}
            for i, e in enumerate(csms)
        ],
    )
    ids = [f"A{i:07d}" for i in range(n)]
    churn_day = AS_OF - dt.timedelta(days=40)
    churned = rng.random(n) < 0.08
    _insert(
        ctx,
        Account,
        [
            {
                "account_id": a,
                "name": f"Account {a}",
                "csm_email": csms[i % 50],
                "arr": 1000.0,
                "created_at": dt.date(2023, 1, 1),
                "churned_at": churn_day if churned[i] else None,
            }
            for i, a in enumerate(ids)
        ],
    )
    _insert(
        ctx,
        Usage,
        [
            {
                "account_id": a,
                "date": AS_OF - dt.timedelta(days=1),
                "feature": "Reports",
                "active_users": 1,
                "events": 1,
            }
            for a in ids
        ],
    )
    with ctx.uow() as uow:
        model = ModelVersion(
            version="bench.1",
            state="live",
            trained_as_of=dt.date(2025, 1, 1),
            artifact="-",
            artifact_sha256="0" * 64,
        )
        uow.session.add(model)
        uow.commit()
        model_id = model.id
    days = [AS_OF - dt.timedelta(days=d) for d in (58, 51, 44, 37, 7)]
    k = int(n * flagged_share)
    for day in days:
        with ctx.uow() as uow:
            run = ScoringRun(as_of=day, status="succeeded", model_version_id=model_id, n_scored=n)
            uow.session.add(run)
            uow.commit()
            run_id = run.id
        risk = np.clip(rng.normal(0.2, 0.1, n) + churned * 0.15, 0.001, 0.999)
        order = np.argsort(-risk)
        rank = np.empty(n, dtype=int)
        rank[order] = np.arange(1, n + 1)
        reason = [{"feature": "f", "family": "usage", "value": 1, "contribution": 0.1, "text": "x"}]
        _insert(
            ctx,
            Score,
            [
                {
                    "run_id": run_id,
                    "account_id": a,
                    "model_version_id": model_id,
                    "as_of": day,
                    "risk": float(risk[i]),
                    "flagged": bool(rank[i] <= k),
                    "rank": int(rank[i]),
                    "reasons": reason if rank[i] <= k else [],
                }
                for i, a in enumerate(ids)
            ],
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--flagged-share", type=float, default=0.05)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1)
    out: dict[str, Any] = {"accounts": args.accounts, "flagged_share": args.flagged_share}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url, create=True)
        upgrade(engine)
        engine.dispose()
        settings = Settings(database_url=url, atrisk_outbox_dir=Path(tmp) / "outbox")
        ctx = Context(settings=settings, spec_path=default_spec_path())
        ctx.spec = load_spec(default_spec_path())  # type: ignore[misc]
        t = time.perf_counter()
        seed(ctx, args.accounts, args.flagged_share, rng)
        out["seed_seconds"] = round(time.perf_counter() - t, 2)

        t = time.perf_counter()
        with ctx.uow() as uow:
            reading = live_accuracy(uow.session, ctx.spec, AS_OF)
        out["accuracy_seconds"] = round(time.perf_counter() - t, 3)
        out["accuracy_scores"] = reading.n
        out["roc_auc"] = round(reading.value or float("nan"), 3)

        model_state.announce = lambda *a, **k: None  # type: ignore[assignment]  # no ops channel
        with ctx.uow() as uow:
            model_state.set_state(uow.session, "disabled", "benchmark", "bench")
            uow.commit()
        t = time.perf_counter()
        report = run_daily(ctx, AS_OF, post=False)
        out["fallback_serving_seconds"] = round(time.perf_counter() - t, 3)
        out["fallback_alerts"] = report.n_alerts
        out["fallback_alert_statuses"] = report.alerts

        t = time.perf_counter()
        for i in range(200):
            held = job_lock.claim(ctx.engine, "bench", str(i))
            assert held is not None
            job_lock.finish(ctx.engine, held)
        out["job_lock_claim_finish_ms"] = round((time.perf_counter() - t) / 200 * 1000, 2)
        ctx.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
