"""Daily scoring at scale: features → risk → reasons for the flagged → persisted.

One synthetic company (``--accounts``, ``--months`` of events) is generated once and loaded
beside each source engine named in ``--sources`` (side by side in one run, so the ratio is
fair): ``duckdb`` — the embedded DuckDB file beside a SQLite application database (the
default install); ``sqlite`` — the source tables in the SQLite application database itself
(the install before the DuckDB source engine). A live model trained on a smaller company is
registered in each, then ``atrisk score`` (the service, without posting) runs in a fresh process
per engine so its peak memory is its own. Prints one JSON object: seconds, CPU seconds, peak
RSS, counts and the seconds of each step (``steps_seconds``: load_models, features,
score_and_explain, drift, score_rows, write_scores, write_alerts, commit) per engine; the
DuckDB/SQLite ratio of the whole run and of each step; and the machine's load average at the
end (the runs are only comparable on a quiet machine). With ``--keep`` the databases are
kept and reused, and each run's rows are deleted after it, so every run starts from the same
state.
    python -m benchmarks.bench_score [--accounts 100000] [--months 4] [--train-accounts 5000]
        [--sources duckdb,sqlite] [--chunked CHUNK_ACCOUNTS]
``--chunked N`` makes the company N accounts at a time into Parquet files and ingests them into
DuckDB instead (for sizes that do not fit in memory; ``benchmarks.bench_million``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

END = dt.date(2026, 11, 1)


SOURCE_TABLES = ("team", "accounts", "usage", "integration_runs", "tickets")
DATES = {"accounts": ("created_at", "renewal_date", "churned_at"), "usage": ("date",)}


def _generate(accounts: int, months: int, seed: int) -> tuple[dict[str, Any], float]:
    from synth import generate

    t0 = time.perf_counter()
    tables = generate(accounts=accounts, months=months, seed=seed, end=END).tables
    return tables, time.perf_counter() - t0


def _load_company(tables: dict[str, Any], url: str, source_url: str) -> dict[str, Any]:
    """Bulk-load the company's tables (the ingest is benchmarked elsewhere): ``accounts`` and
    ``team`` into the application database at ``url``, every table into ``source_url``."""
    from benchmarks.bench_features import _arrow
    from storage.db import make_engine
    from storage.ingest.load import load_table
    from storage.migrate import upgrade
    from storage.source_engine import make_source_engine, prepare_embedded

    engine = make_engine(url, create=True)
    upgrade(engine)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        names = SOURCE_TABLES if source_url == url else ("team", "accounts")
        for name in names:
            load_table(conn, name, _arrow(tables[name], DATES.get(name, ())))
    engine.dispose()
    if source_url != url:
        source = make_source_engine(source_url)
        prepare_embedded(source)
        with source.begin() as conn:
            for name in SOURCE_TABLES:
                load_table(conn, name, _arrow(tables[name], DATES.get(name, ())))
        source.dispose()
    return {"load_seconds": round(time.perf_counter() - t0, 1)}


def _train(accounts: int, seed: int) -> tuple[Any, float]:
    """A model trained on a smaller company of the same kind (once for every engine)."""
    from benchmarks.bench_explain import trained_result

    t0 = time.perf_counter()
    result, _ = trained_result(accounts, 14, seed + 1)
    return result, time.perf_counter() - t0


def _register_model(url: str, source_url: str, result: Any) -> dict[str, Any]:
    """Register the trained model as live in the application database at ``url``."""
    from bot.bootstrap import Context, default_spec_path
    from bot.lifecycle.training import register
    from bot.settings import Settings

    ctx = Context(
        settings=Settings(database_url=url, atrisk_source_url=source_url),
        spec_path=default_spec_path(),
    )
    report = register(ctx, result, as_of=END, warnings=[])
    ctx.close()
    return {"model": report.version}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ``ru_maxrss`` would include the parent's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def worker(url: str, source_url: str, outbox: str) -> None:
    """Score once and print seconds and peak RSS (this process only)."""
    from bot.bootstrap import Context, default_spec_path
    from bot.daily.scoring_run import run_scoring
    from bot.settings import Settings

    settings = Settings(
        database_url=url, atrisk_source_url=source_url, atrisk_outbox_dir=Path(outbox)
    )
    ctx = Context(settings=settings, spec_path=default_spec_path())
    t0, c0 = time.perf_counter(), time.process_time()
    report = run_scoring(ctx, as_of=END, trigger="bench", post=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    ctx.close()
    forget_runs(url)
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
                "steps_cpu_seconds": report.cpu_timings,
            }
        )
    )


def _upgrade_kept(url: str, source_url: str) -> None:
    """Bring kept databases to this atrisk's schema before timing anything: the application
    database by its migrations, the embedded source file as ``atrisk ingest`` would (a file
    from before keys were dropped from its event tables is rebuilt once, not inside a run)."""
    from storage.db import make_engine
    from storage.migrate import upgrade
    from storage.source_engine import make_source_engine, prepare_embedded

    app = make_engine(url)
    try:
        upgrade(app)
    finally:
        app.dispose()
    source = make_source_engine(source_url)  # nothing to do unless it is an embedded DuckDB
    try:
        prepare_embedded(source)
    finally:
        source.dispose()


def forget_runs(url: str) -> None:
    """Delete every scoring run and what it wrote (scores, drift, alerts) from the application
    database at ``url``, so a kept folder scores the same day again from the same state (no
    alert already taken, no earlier run's scores in the tables)."""
    from sqlalchemy import delete

    from storage.db import make_engine
    from storage.models import Alert, DriftStat, Score, ScoringRun

    engine = make_engine(url)
    with engine.begin() as conn:
        for model in (Alert, Score, DriftStat, ScoringRun):
            conn.execute(delete(model.__table__))
    engine.dispose()


STEPS = (
    "load_models",
    "features",
    "score_and_explain",
    "drift",
    "score_rows",
    "write_scores",
    "write_alerts",
    "commit",
)


def _step_ratios(duck: dict[str, Any], lite: dict[str, Any]) -> dict[str, float]:
    """DuckDB ÷ SQLite seconds for each step both runs timed."""
    a, b = duck.get("steps_seconds", {}), lite.get("steps_seconds", {})
    return {k: round(a[k] / b[k], 3) for k in STEPS if k in a and k in b and b[k] > 0}


def _urls(folder: Path, source: str) -> tuple[str, str]:
    """(application URL, source URL) for one source engine kind."""
    if source == "duckdb":
        return f"sqlite:///{folder / 'duck.db'}", f"duckdb:///{folder / 'duck.sources.duckdb'}"
    if source == "sqlite":
        url = f"sqlite:///{folder / 'sqlite.db'}"
        return url, url
    raise SystemExit(f"unknown source engine {source!r} (use duckdb, sqlite)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=4)
    ap.add_argument("--train-accounts", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sources", default="duckdb,sqlite", help="source engines, side by side")
    ap.add_argument("--keep", default=None, help="keep the databases in this folder (and reuse)")
    ap.add_argument(
        "--chunked",
        type=int,
        default=None,
        metavar="CHUNK_ACCOUNTS",
        help="write the company in slices, ingest it into DuckDB (bench_million)",
    )
    ap.add_argument(
        "--worker", nargs=3, metavar=("URL", "SOURCE", "OUTBOX"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return
    if args.chunked:  # a company too large to build in memory
        from benchmarks.bench_million import run

        sizes = (args.accounts, args.months, args.chunked, args.train_accounts, args.seed)
        print(json.dumps(run(*sizes, args.keep)))
        return
    sources = args.sources.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        out: dict[str, Any] = {
            "accounts": args.accounts,
            "months": args.months,
            "cpus": os.cpu_count(),
        }
        tables: dict[str, Any] | None = None
        model: Any = None
        for source in sources:
            url, source_url = _urls(folder, source)
            one: dict[str, Any] = {}
            if args.keep and Path(url.removeprefix("sqlite:///")).exists():
                _upgrade_kept(url, source_url)  # kept by an older atrisk: same as a user's upgrade
                forget_runs(url)  # a run stopped half-way left its rows
            else:
                if tables is None:
                    tables, took = _generate(args.accounts, args.months, args.seed)
                    out["generate_seconds"] = round(took, 1)
                    out["rows"] = {k: len(tables[k]) for k in SOURCE_TABLES[2:]}
                one["setup"] = _load_company(tables, url, source_url)
                if model is None:
                    model, took = _train(args.train_accounts, args.seed)
                    out["train_seconds"] = round(took, 1)
                one["setup"].update(_register_model(url, source_url, model))
            out[source] = one
        del tables
        for source in sources:
            url, source_url = _urls(folder, source)
            cmd = [sys.executable, "-m", "benchmarks.bench_score", "--worker", url, source_url]
            done = subprocess.run(
                [*cmd, f"{tmp}/outbox-{source}"], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise SystemExit(f"scoring on {source} failed:\n{done.stderr[-3000:]}")
            out[source].update(json.loads(done.stdout.strip().splitlines()[-1]))
        if "duckdb" in out and "sqlite" in out:
            ratio = out["duckdb"]["score_seconds"] / max(out["sqlite"]["score_seconds"], 1e-9)
            out["duckdb_over_sqlite"] = round(ratio, 3)
            cpu = out["duckdb"]["score_cpu_seconds"] / max(out["sqlite"]["score_cpu_seconds"], 1e-9)
            out["duckdb_over_sqlite_cpu"] = round(cpu, 3)
            out["steps_duckdb_over_sqlite"] = _step_ratios(out["duckdb"], out["sqlite"])
        out["load_average"] = [round(x, 2) for x in os.getloadavg()]
        out["targets"] = {"duckdb_seconds": 15, "duckdb_over_sqlite": 0.2, "peak_rss_mb": 8192}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
