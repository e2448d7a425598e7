"""Feature building at scale: one ``as_of`` and a training set of many snapshots.

Prints one JSON object with the seconds each step took on a synthetic company:
    python -m benchmarks.bench_features [--accounts 20000] [--months 18] [--snapshots 12]
        [--every-days 30] [--sql]
``--sql`` also times ``build_features_sql`` on a temporary SQLite file (slow to load), or with
``--pg postgresql+psycopg://user@host/db`` on a temporary database on that server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from scoring.features import FeatureParams, build_features
from scoring.labels import training_set
from storage.repositories.sources import SourceFrames

END = dt.date(2025, 6, 1)


def company(accounts: int, months: int, seed: int) -> SourceFrames:
    from synth.company import generate

    tables = generate(accounts, months, seed, end=END).tables
    return SourceFrames(
        accounts=tables["accounts"],
        team=tables["team"],
        usage=tables["usage"],
        integration_runs=tables["integration_runs"],
        tickets=tables["tickets"],
    )


def _arrow(frame: pd.DataFrame, dates: tuple[str, ...] = ()) -> Any:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in dates:
        i = table.column_names.index(name)
        table = table.set_column(i, name, table.column(name).cast(pa.date32()))
    return table


@contextmanager
def _database(pg_url: str | None) -> Iterator[Engine]:
    """A migrated, empty database: a temporary SQLite file, or a new PostgreSQL database."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    if pg_url is None:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}", create=True)
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    name = f"atrisk_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(f"{pg_url.rsplit('/', 1)[0]}/{name}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sql_seconds(src: SourceFrames, params: FeatureParams, pg_url: str | None) -> dict[str, Any]:
    from scoring.sql_features import build_features_sql
    from storage.ingest.load import load_table

    with _database(pg_url) as engine:
        t0 = time.perf_counter()
        with engine.begin() as conn:
            load_table(conn, "team", _arrow(src.team))
            load_table(
                conn, "accounts", _arrow(src.accounts, ("created_at", "renewal_date", "churned_at"))
            )
            load_table(conn, "usage", _arrow(src.usage, ("date",)))
            load_table(conn, "integration_runs", _arrow(src.integration_runs))
            load_table(conn, "tickets", _arrow(src.tickets))
        loaded = time.perf_counter() - t0
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        t0 = time.perf_counter()
        got = build_features_sql(engine, END, params)
        took = time.perf_counter() - t0
    want = build_features(src, END, params)
    same = bool(
        got.index.equals(want.index)
        and all(
            np.allclose(got[c].to_numpy(float), want[c].to_numpy(float), equal_nan=True)
            for c in want.columns
            if pd.api.types.is_float_dtype(want[c])
        )
    )
    return {
        "sql_database": engine.dialect.name,
        "sql_load_seconds": round(loaded, 2),
        "build_features_sql_seconds": round(took, 2),
        "sql_equals_pandas": same,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--snapshots", type=int, default=12)
    ap.add_argument("--every-days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sql", action="store_true", help="also time build_features_sql")
    ap.add_argument("--pg", default=None, help="PostgreSQL server URL for --sql (else SQLite)")
    args = ap.parse_args(argv)
    params = FeatureParams()
    t0 = time.perf_counter()
    src = company(args.accounts, args.months, args.seed)
    generated = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    one = build_features(src, END, params)
    one_s, one_cpu = time.perf_counter() - t0, time.process_time() - c0
    history = args.every_days * (args.snapshots - 1) + params.horizon_days
    t0, c0 = time.perf_counter(), time.process_time()
    train = training_set(src, END, params, every_days=args.every_days, history_days=history)
    train_s, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, Any] = {
        "accounts": args.accounts,
        "months": args.months,
        "rows": {
            "usage": len(src.usage),
            "integration_runs": len(src.integration_runs),
            "tickets": len(src.tickets),
        },
        "generate_seconds": round(generated, 2),
        "build_features_seconds": round(one_s, 2),
        "build_features_cpu_seconds": round(one_cpu, 2),
        "active_accounts": len(one),
        "training_set_seconds": round(train_s, 2),
        "training_set_cpu_seconds": round(train_cpu, 2),
        "snapshots": int(pd.Series(train["as_of"]).nunique()),
        "training_rows": len(train),
        "positives": int(train["label"].sum()),
    }
    if args.sql:
        out.update(_sql_seconds(src, params, args.pg))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
