"""Synthetic company generation at demo and benchmark sizes.

Prints one JSON object: seconds to generate and to write CSV (and Parquet), and rows per table.
    python -m benchmarks.bench_synth                      # 2,000 × 18 months and 20,000 × 12
    python -m benchmarks.bench_synth --accounts 100000 --months 3 [--seed 7] [--parquet]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from synth import generate, write_company

END = dt.date(2026, 11, 22)
DEFAULT_SIZES = ((2000, 18), (20000, 12))


def bench(accounts: int, months: int, seed: int, parquet: bool) -> dict[str, Any]:
    """Time one size: generate, write CSV (and Parquet), with wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    company = generate(accounts, months, seed, end=END)
    out: dict[str, Any] = {
        "accounts": accounts,
        "months": months,
        "generate_seconds": round(time.perf_counter() - wall, 2),
        "generate_cpu_seconds": round(time.process_time() - cpu, 2),
    }
    formats = ("csv", "parquet") if parquet else ("csv",)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            started = time.perf_counter()
            paths = write_company(company, Path(tmp) / fmt, fmt)  # type: ignore[arg-type]
            out[f"write_{fmt}_seconds"] = round(time.perf_counter() - started, 2)
            out[f"{fmt}_megabytes"] = round(sum(p.stat().st_size for p in paths.values()) / 1e6, 1)
    out["total_seconds_with_csv"] = round(out["generate_seconds"] + out["write_csv_seconds"], 2)
    summary = company.summary()
    out["rows"] = summary["rows"]
    out["active"], out["churned"], out["csms"] = (
        summary["active"],
        summary["churned"],
        summary["csms"],
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, help="one size only: number of accounts")
    parser.add_argument("--months", type=int, default=12, help="months for --accounts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parquet", action="store_true", help="also time Parquet writing")
    args = parser.parse_args()
    sizes = ((args.accounts, args.months),) if args.accounts else DEFAULT_SIZES
    runs = [bench(n, m, args.seed, args.parquet) for n, m in sizes]
    print(json.dumps({"benchmark": "synth", "end": END.isoformat(), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
