"""Run every benchmark (or those named) and print one JSON object: {name: result}.

    python -m benchmarks                 # all of them, at their documented sizes
    python -m benchmarks synth posting   # only these
    python -m benchmarks --tiny          # all of them at a tiny size (CI: none can rot)

Each benchmark also runs on its own: ``python -m benchmarks.bench_<name> --help``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent

# Arguments that make each benchmark finish in seconds: CI runs them so that none can rot.
TINY: dict[str, list[str]] = {
    "daily": ["--accounts", "2000"],
    "explain": ["--accounts", "800", "--months", "10", "--rows", "500", "--repeat", "1"],
    "features": ["--accounts", "300", "--months", "8", "--snapshots", "2"],
    "ingest": ["--accounts", "300", "--months", "3", "--backends", "duckdb,sqlite"],
    "million": [
        "--accounts",
        "3000",
        "--months",
        "3",
        "--chunk-accounts",
        "1000",
        "--train-accounts",
        "800",
    ],
    "playbooks": ["--accounts", "500"],
    "posting": ["--alerts", "20", "--channels", "4", "--rate", "200"],
    "reasons": ["--synth-accounts", "300", "--synth-months", "8", "--world-accounts", "300"],
    "score": [
        "--accounts",
        "2000",
        "--months",
        "4",
        "--train-accounts",
        "800",
        "--sources",
        "duckdb,sqlite",
    ],
    "slash": ["--accounts", "2000", "--requests", "10", "--concurrency", "4"],
    "synth": ["--accounts", "300", "--months", "6"],
    "train": ["--accounts", "1200", "--months", "12", "--snapshots", "4", "--no-quality"],
}


def main(argv: list[str]) -> int:
    tiny = "--tiny" in argv
    argv = [a for a in argv if a != "--tiny"]
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    results: dict[str, object] = {}
    failed = False
    for name in names:
        started = time.perf_counter()
        print(f"running bench_{name} …", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                f"benchmarks.bench_{name}",
                *(TINY.get(name, []) if tiny else []),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        try:
            results[name] = json.loads(proc.stdout) if lines else None
        except json.JSONDecodeError:
            results[name] = {"output": lines[-20:]}
        if proc.returncode != 0:
            failed = True
            results[name] = {
                "error": proc.stderr.strip().splitlines()[-5:],
                "exit_code": proc.returncode,
            }
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
