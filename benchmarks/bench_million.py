"""The daily run on a company too large to build in memory (issue: 1 M accounts × 3 months).

Each step runs in its own process, so each peak resident memory is its own: the company is
made and written as Parquet ``--chunk-accounts`` accounts at a time (``synth.
write_company_chunked``, as ``atrisk synth --chunk-accounts`` does); ``atrisk ingest``'s
ingest loads it into the embedded DuckDB source engine beside a SQLite application database
(the default install); a model trained on a smaller company (``--train-accounts``) is
registered as live; then the daily run (``atrisk score`` without posting: features → risk →
reasons for the flagged → scores written → alerts) scores every active account. Prints one
JSON object: seconds, CPU seconds and peak RSS of generation, ingest and the daily run, the
daily run's steps, rows per table, and the machine's load average at the end.
    python -m benchmarks.bench_million [--accounts 1000000] [--months 3]
        [--chunk-accounts 50000] [--train-accounts 5000] [--keep DIR]
``--keep DIR`` keeps the files and databases in DIR: a later run reuses the written company, and
the ingested databases and model when the sizes are the same (only the daily run is timed).
``python -m benchmarks.bench_score --chunked N`` runs the same.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_ingest import cpu_seconds
from benchmarks.bench_score import END, _register_model, _train, peak_rss_mb


def generate_worker(folder: str, accounts: int, months: int, seed: int, chunk: int) -> None:
    """Write the company to ``folder`` as Parquet, a slice at a time; print what it took."""
    from synth import write_company_chunked

    t0, c0 = time.perf_counter(), cpu_seconds()
    made = write_company_chunked(
        Path(folder), accounts, months, seed, END, fmt="parquet", chunk_accounts=chunk
    )
    summary = made.summary()
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - t0, 1),
                "cpu_seconds": round(cpu_seconds() - c0, 1),
                "peak_rss_mb": peak_rss_mb(),
                "active": summary["active"],
                "rows": summary["rows"],
                "mb_on_disk": round(sum(p.stat().st_size for p in made.files.values()) / 2**20),
            }
        )
    )


def ingest_worker(folder: str, url: str, source_url: str) -> None:
    """Ingest ``folder`` as ``atrisk ingest`` does (DuckDB source engine); print what it took."""
    from storage.db import make_engine
    from storage.ingest import ingest
    from storage.migrate import upgrade
    from storage.source_engine import make_source_engine, prepare_embedded

    engine = make_engine(url, create=True)
    upgrade(engine)
    source = make_source_engine(source_url)
    prepare_embedded(source)
    t0, c0 = time.perf_counter(), cpu_seconds()
    report = ingest(folder, engine, source_engine=source)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    engine.dispose()
    source.dispose()
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": peak_rss_mb(),
                "rows": report.rows,
                "phases": {k: round(v, 1) for k, v in report.phases.items()},
            }
        )
    )


def _child(module: str, *args: object) -> dict[str, Any]:
    """Run ``python -m module args`` and return the JSON of its last line of output (also
    told on stderr at once, so a later step that fails leaves the earlier ones measured)."""
    cmd = [sys.executable, "-m", module, *(str(a) for a in args)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])} failed:\n{done.stderr[-3000:]}")
    last = done.stdout.strip().splitlines()[-1]
    print(f"{args[0]}: {last}", file=sys.stderr, flush=True)
    result: dict[str, Any] = json.loads(last)
    return result


def _fresh(folder: Path) -> None:
    """Delete the databases (and their journals) a previous run left in ``folder``."""
    for name in ("million.db", "million.sources.duckdb"):
        for suffix in ("", "-wal", "-shm", ".wal"):
            (folder / f"{name}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(folder / "million.sources.duckdb.tmp", ignore_errors=True)


def _set_up(folder: Path, sizes: tuple[int, int, int, int, int], urls: tuple[str, str]):
    """Write (unless kept), ingest, train and register; return what each step measured.

    A kept folder whose databases were set up for the same sizes (``million.json``) is reused:
    only its earlier scoring runs are deleted."""
    from benchmarks.bench_score import forget_runs

    accounts, months, chunk, train_accounts, seed = sizes
    url, source_url = urls
    state_file = folder / "million.json"
    if state_file.exists() and (folder / "million.db").exists():
        state: dict[str, Any] = json.loads(state_file.read_text())
        if state.get("sizes") == list(sizes):
            forget_runs(url)
            return {**state["setup"], "reused": True}
    _fresh(folder)
    setup: dict[str, Any] = {}
    company = folder / f"company-{accounts}x{months}-s{seed}"
    if not (company / "usage.parquet").exists():
        args = (company, accounts, months, seed, chunk)
        setup["generate"] = _child("benchmarks.bench_million", "--generate-worker", *args)
    setup["ingest"] = _child("benchmarks.bench_million", "--ingest-worker", company, *urls)
    model, took = _train(train_accounts, seed)
    setup["train_seconds"] = round(took, 1)
    setup["model"] = _register_model(url, source_url, model)["model"]
    state_file.write_text(json.dumps({"sizes": list(sizes), "setup": setup}))
    return setup


def run(accounts: int, months: int, chunk: int, train_accounts: int, seed: int, keep: str | None):
    """Generate, ingest, train, register and score; return the JSON-ready measurements."""
    out: dict[str, Any] = {"accounts": accounts, "months": months, "chunk_accounts": chunk}
    out["cpus"] = os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep) if keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'million.db'}"
        source_url = f"duckdb:///{folder / 'million.sources.duckdb'}"
        sizes = (accounts, months, chunk, train_accounts, seed)
        out.update(_set_up(folder, sizes, (url, source_url)))
        outbox = f"{tmp}/outbox"
        out["daily_run"] = _child("benchmarks.bench_score", "--worker", url, source_url, outbox)
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["targets"] = {"peak_rss_mb": 8192}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--chunk-accounts", type=int, default=50_000)
    ap.add_argument("--train-accounts", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", default=None, help="keep files and databases in this folder")
    ap.add_argument("--generate-worker", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--ingest-worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate_worker:
        folder, *sizes = args.generate_worker
        generate_worker(folder, *(int(x) for x in sizes))
        return
    if args.ingest_worker:
        ingest_worker(*args.ingest_worker)
        return
    result = run(
        args.accounts, args.months, args.chunk_accounts, args.train_accounts, args.seed, args.keep
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
