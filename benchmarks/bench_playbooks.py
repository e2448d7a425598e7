"""Playbook choice at scale: load the built-in library, then choose for N flagged accounts.

Prints one JSON object: load time, choices per second, and how often each playbook is first.
    python -m benchmarks.bench_playbooks [--accounts 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from typing import Any

from playbooks import choose, load_library

REASONS: list[tuple[str, str, float, float]] = [
    ("integrations", "integration_failures_14d", 0, 40),
    ("integrations", "consecutive_failures", 0, 12),
    ("adoption", "unadopted_key_features", 0, 5),
    ("support", "oldest_unanswered_ticket_days", 0, 20),
    ("support", "csat_mean", 1, 5),
    ("usage", "usage_trend", -0.9, 0.2),
    ("usage", "users_per_seat", 0, 1.5),
    ("commercial", "days_to_renewal", -10, 365),
]
FEATURES: dict[str, tuple[float, float]] = {
    "arr": (1000, 200000),
    "seats": (1, 200),
    "tenure_days": (30, 2000),
    "broken_integrations": (0, 3),
    "days_since_last_sync": (0, 14),
    "urgent_open_tickets": (0, 3),
}


def _account(rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, float]]:
    picked = rng.sample(REASONS, 3)
    reasons = [
        {
            "feature": feature,
            "family": family,
            "value": round(rng.uniform(lo, hi), 2),
            "contribution": 0.3 - 0.1 * i,
            "text": f"{feature} is unusual",
        }
        for i, (family, feature, lo, hi) in enumerate(picked)
    ]
    features = {name: rng.uniform(lo, hi) for name, (lo, hi) in FEATURES.items()}
    features.update({r["feature"]: r["value"] for r in reasons})
    return reasons, features


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    library = load_library()
    load_s = time.perf_counter() - start

    rng = random.Random(args.seed)
    accounts = [_account(rng) for _ in range(args.accounts)]
    first: Counter[str] = Counter()
    start = time.perf_counter()
    for reasons, features in accounts:
        choices = choose(library, reasons, features)
        first[choices[0].id if choices else "(none)"] += 1
    choose_s = time.perf_counter() - start

    print(
        json.dumps(
            {
                "playbooks": len(library),
                "load_builtin_ms": round(load_s * 1000, 2),
                "accounts": args.accounts,
                "choose_total_s": round(choose_s, 3),
                "choose_per_account_us": round(choose_s / max(args.accounts, 1) * 1e6, 1),
                "first_choice_counts": dict(first.most_common()),
            }
        )
    )


if __name__ == "__main__":
    main()
