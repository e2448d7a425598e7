"""Ingest at scale: a synthetic company written as CSV, ingested into each back end named.

``duckdb``: the embedded DuckDB source engine beside a SQLite application database (the default
install; event files streamed through DuckDB); ``sqlite`` and ``postgres``: every table into the
application database. Prints one JSON object: rows per table, seconds, rows/s and peak memory per
back end (each ingest runs in its own process, so its peak resident memory is its own).
    python -m benchmarks.bench_ingest [--accounts 20000] [--months 12] [--seed 1]
        [--backends duckdb,sqlite,postgres] [--format csv|parquet] [--twice] [--keep DIR]
``--twice`` ingests the same extract a second time (every row unchanged) and times that too.
``--keep DIR`` writes the extract to ``DIR/<accounts>x<months>-s<seed>.<format>`` and keeps it;
a later run with the same sizes reads it from there instead of generating it again.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PG_URL = os.environ.get("ATRISK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ``ru_maxrss`` would include the parent's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    """CPU time of this process: on a busy machine, closer to the cost than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(folder: str, url: str, source_url: str, twice: bool) -> dict[str, Any]:
    """Run in a child process: migrate ``url``, ingest ``folder`` (twice if asked), report.

    ``source_url``: the source engine (``-``: the application database itself)."""
    from storage.db import make_engine
    from storage.ingest import ingest
    from storage.migrate import upgrade
    from storage.source_engine import make_source_engine, prepare_embedded

    engine = make_engine(url, create=True)
    upgrade(engine)
    source = None
    if source_url != "-":
        source = make_source_engine(source_url)
        prepare_embedded(source)
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    report = ingest(folder, engine, source_engine=source)
    seconds = time.perf_counter() - t0
    out: dict[str, Any] = {
        "rows": report.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(report.rows / seconds),
        "client_cpu_seconds": round(cpu_seconds() - cpu0, 2),
        "phases": {k: round(v, 2) for k, v in report.phases.items()},
        "tables": {
            name: {"rows": c.rows, "inserted": c.inserted, "load_seconds": round(c.seconds, 2)}
            for name, c in report.tables.items()
        },
        "data_through": str(report.data_through),
    }
    if twice:
        t1, cpu1 = time.perf_counter(), cpu_seconds()
        again = ingest(folder, engine, source_engine=source)
        s2 = time.perf_counter() - t1
        out["again"] = {
            "seconds": round(s2, 2),
            "rows_per_s": round(again.rows / s2),
            "client_cpu_seconds": round(cpu_seconds() - cpu1, 2),
            "unchanged": sum(c.unchanged for c in again.tables.values()),
        }
    engine.dispose()
    if source is not None:
        source.dispose()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def run_worker(folder: Path, url: str, twice: bool, source_url: str = "-") -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.bench_ingest", "--worker", str(folder), url]
    cmd.append(source_url)
    if twice:
        cmd.append("--twice")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def on_postgres(folder: Path, twice: bool) -> dict[str, Any]:
    """Ingest into a fresh PostgreSQL database, dropped afterwards."""
    from sqlalchemy import text

    from storage.db import make_engine

    name = f"atrisk_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        return run_worker(folder, f"{PG_URL.rsplit('/', 1)[0]}/{name}", twice)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _write_extract(
    folder: Path, accounts: int, months: int, seed: int, fmt: str
) -> dict[str, float]:
    """Generate a synthetic company and write it to ``folder`` (marked complete when done)."""
    from synth import generate, write_company

    t0 = time.perf_counter()
    company = generate(accounts=accounts, months=months, seed=seed)
    generated = time.perf_counter() - t0
    t1 = time.perf_counter()
    write_company(company, folder, fmt)
    (folder / ".complete").touch()
    return {
        "generate_seconds": round(generated, 2),
        "write_seconds": round(time.perf_counter() - t1, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="duckdb,sqlite,postgres")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--twice", action="store_true")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the extract in DIR")
    parser.add_argument(
        "--worker", nargs=3, metavar=("FOLDER", "URL", "SOURCE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.twice)))
        return

    result: dict[str, Any] = {
        "accounts": args.accounts,
        "months": args.months,
        "format": args.format,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        name = f"{args.accounts}x{args.months}-s{args.seed}.{args.format}"
        folder = args.keep / name if args.keep else Path(tmp) / "extract"
        if (folder / ".complete").exists():
            result["extract_reused"] = str(folder)
        else:
            sizes = (args.accounts, args.months, args.seed, args.format)
            result.update(_write_extract(folder, *sizes))
        result["extract_mb"] = round(
            sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 2**20, 1
        )
        for backend in args.backends.split(","):
            if backend == "duckdb":
                app = f"sqlite:///{Path(tmp) / 'duck.db'}"
                source = f"duckdb:///{Path(tmp) / 'duck.sources.duckdb'}"
                result["duckdb"] = run_worker(folder, app, args.twice, source)
                result["duckdb"]["targets"] = {"rows_per_s": 1_000_000, "peak_rss_mb": 2048}
            elif backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                result["sqlite"] = run_worker(folder, url, args.twice)
            elif backend == "postgres":
                result["postgres"] = on_postgres(folder, args.twice)
            else:
                parser.error(f"unknown backend {backend!r} (use duckdb, sqlite, postgres)")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
