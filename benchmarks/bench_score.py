"""Daily scoring at scale: features → risk → reasons for the flagged → persisted, on SQLite.

Sets up a temporary SQLite file with a synthetic company (``--accounts``, a few months of
events) and a live model trained on a smaller company, then runs ``atrisk score`` (the
service, without posting) in a fresh process so its peak memory is its own. Prints one JSON
object: seconds, peak RSS and the counts.
    python -m benchmarks.bench_score [--accounts 100000] [--months 4] [--train-accounts 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

END = dt.date(2026, 11, 1)


def _load_company(url: str, accounts: int, months: int, seed: int) -> dict[str, Any]:
    """Generate the company and bulk-load its tables (the ingest is benchmarked elsewhere) into
    the database at ``url``, which the benchmark also names as the source engine."""
    from benchmarks.bench_features import _arrow
    from storage.db import make_engine
    from storage.ingest.load import load_table
    from storage.migrate import upgrade
    from synth import generate

    t0 = time.perf_counter()
    tables = generate(accounts=accounts, months=months, seed=seed, end=END).tables
    generated = time.perf_counter() - t0
    engine = make_engine(url, create=True)
    upgrade(engine)
    t0 = time.perf_counter()
    dates = {
        "accounts": ("created_at", "renewal_date", "churned_at"),
        "usage": ("date",),
    }
    with engine.begin() as conn:
        for name in ("team", "accounts", "usage", "integration_runs", "tickets"):
            load_table(conn, name, _arrow(tables[name], dates.get(name, ())))
    engine.dispose()
    return {
        "generate_seconds": round(generated, 1),
        "load_seconds": round(time.perf_counter() - t0, 1),
        "rows": {k: len(tables[k]) for k in ("usage", "integration_runs", "tickets")},
    }


def _register_model(url: str, accounts: int, seed: int) -> dict[str, Any]:
    """Train on a smaller company of the same kind and register the model as live."""
    from benchmarks.bench_explain import trained_result
    from bot.bootstrap import Context, default_spec_path
    from bot.lifecycle.training import register
    from bot.settings import Settings

    t0 = time.perf_counter()
    result, _ = trained_result(accounts, 14, seed + 1)
    ctx = Context(
        settings=Settings(database_url=url, atrisk_source_url=url), spec_path=default_spec_path()
    )
    report = register(ctx, result, as_of=END, warnings=[])
    ctx.close()
    return {"model": report.version, "train_seconds": round(time.perf_counter() - t0, 1)}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ``ru_maxrss`` would include the parent's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def worker(url: str, outbox: str) -> None:
    """Score once and print seconds and peak RSS (this process only)."""
    from bot.bootstrap import Context, default_spec_path
    from bot.daily.scoring_run import run_scoring
    from bot.settings import Settings

    ctx = Context(
        settings=Settings(database_url=url, atrisk_source_url=url, atrisk_outbox_dir=Path(outbox)),
        spec_path=default_spec_path(),
    )
    t0, c0 = time.perf_counter(), time.process_time()
    report = run_scoring(ctx, as_of=END, trigger="bench", post=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    ctx.close()
    print(
        json.dumps(
            {
                "score_seconds": round(seconds, 1),
                "score_cpu_seconds": round(cpu, 1),
                "peak_rss_mb": peak_rss_mb(),
                "scored": report.n_scored,
                "flagged": report.n_flagged,
                "alerts": report.n_alerts,
                "drifted_features": len(report.drifted),
                "steps_seconds": report.timings,
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=4)
    ap.add_argument("--train-accounts", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", default=None, help="keep the database in this folder (and reuse it)")
    ap.add_argument("--worker", nargs=2, metavar=("URL", "OUTBOX"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "bench.db"
        url = f"sqlite:///{db}"
        out: dict[str, Any] = {"accounts": args.accounts, "months": args.months}
        if not (args.keep and db.exists()):  # a kept database is scored again as it is
            out["setup"] = _load_company(url, args.accounts, args.months, args.seed)
            out["setup"].update(_register_model(url, args.train_accounts, args.seed))
        cmd = [sys.executable, "-m", "benchmarks.bench_score", "--worker", url, f"{tmp}/outbox"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"scoring failed:\n{done.stderr[-3000:]}")
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
        out["targets"] = {"seconds": 90, "peak_rss_mb": 4096}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
