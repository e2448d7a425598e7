"""A small company's extract written from the input contract alone, with a real export's mess.

`write_extract(folder, accounts=2000, months=6, messy=True)` writes accounts.csv (BOM, CRLF,
quoted commas, trailing spaces, mixed-case emails, two date formats, duplicate rows),
team.csv, usage.parquet (a string among the numbers), integration_runs.csv (a renamed column),
tickets.csv (empty file) and an account present in usage only. With `faults=False` the refused
faults are left out (the harmless mess stays); with `messy=False` too, the files are tidy.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

FEATURES = ["Editor", "Export to PDF", "Single sign-on", "Public API", "Dashboards"]
INTEGRATIONS = ["salesforce", "hubspot", "slack"]


def _write_csv(
    path: Path, header: list[str], rows: list[list[object]], *, bom: bool, crlf: bool
) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_extract(
    folder: Path,
    *,
    accounts: int = 2000,
    months: int = 6,
    messy: bool = True,
    faults: bool = True,
    seed: int = 7,
) -> dict[str, int]:
    """Write the extract into `folder`; returns rows per table as written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    end = dt.date(2026, 10, 31)
    start = end - dt.timedelta(days=30 * months)
    csms = [f"csm{i}@northwind.test" for i in range(8)]
    team = [
        [
            e.upper() if messy and i % 2 else e,
            f"CSM {i}",
            "csm",
            "boss@northwind.test",
            f"U0{i}AB",
            f"#cs-{i}",
        ]
        for i, e in enumerate(csms)
    ]
    team.append(["boss@northwind.test", "Big Boss", "manager", "", "U99", ""])
    _write_csv(
        folder / "team.csv",
        ["email", "name", "role", "manager_email", "slack_user_id", "slack_channel"],
        team,
        bom=messy,
        crlf=messy,
    )

    acc_rows: list[list[object]] = []
    churn: dict[str, dt.date | None] = {}
    for i in range(accounts):
        aid = f"NW-{i:05d}"
        created = start - dt.timedelta(days=rng.randint(30, 900))
        churned = (
            end - dt.timedelta(days=rng.randint(5, 30 * months - 10))
            if rng.random() < 0.12
            else None
        )
        churn[aid] = churned
        email = rng.choice(csms)
        if messy and i % 3 == 0:
            email = email.title() + "  "
        created_s = created.isoformat()
        if faults and i % 10 == 0:
            created_s = created.strftime("%d/%m/%Y")  # the second date format
        acc_rows.append(
            [
                aid + (" " if messy and i % 7 == 0 else ""),
                f"Company {i}, Inc.",
                email,
                rng.choice(["SMB", "Mid-Market"]),
                "pro",
                round(rng.uniform(1000, 90000), 2),
                rng.randint(1, 200),
                created_s,
                (end + dt.timedelta(days=rng.randint(1, 365))).isoformat(),
                churned.isoformat() if churned else "",
            ]
        )
    if faults:
        acc_rows += acc_rows[:3]  # an export that repeats rows
    _write_csv(
        folder / "accounts.csv",
        [
            "account_id",
            "name",
            "csm_email",
            "segment",
            "plan",
            "arr",
            "seats",
            "created_at",
            "renewal_date",
            "churned_at",
        ],
        acc_rows,
        bom=messy,
        crlf=messy,
    )

    u: dict[str, list[object]] = {
        "account_id": [],
        "date": [],
        "feature": [],
        "active_users": [],
        "events": [],
    }
    runs: list[list[object]] = []
    tickets: list[list[object]] = []
    ids = list(churn) + (["NW-GHOST"] if faults else [])
    for aid in ids:
        stop = churn.get(aid) or end
        used = rng.sample(FEATURES, rng.randint(1, 5))
        day = start
        while day <= stop:
            for f in used:
                if rng.random() < 0.5:
                    u["account_id"].append(aid)
                    u["date"].append(day.isoformat())
                    u["feature"].append(f)
                    u["active_users"].append(rng.randint(0, 20))
                    u["events"].append(rng.randint(0, 300))
            if rng.random() < 0.3:
                runs.append(
                    [
                        aid,
                        f"{day.isoformat()}T06:00:00Z",
                        rng.choice(INTEGRATIONS),
                        "success" if rng.random() < 0.85 else "failure",
                        "",
                    ]
                )
            if rng.random() < 0.02:
                opened = dt.datetime.combine(day, dt.time(9, 30))
                tickets.append(
                    [
                        f"T-{len(tickets)}",
                        aid,
                        opened.isoformat(),
                        (opened + dt.timedelta(hours=3)).isoformat(),
                        "",
                        rng.choice(["low", "normal", "high"]),
                        "",
                    ]
                )
            day += dt.timedelta(days=7)
    events: list[object] = list(u["events"])
    if faults:
        events[5] = "n/a"  # a string where a number should be
        table = pa.table(
            {
                **{k: v for k, v in u.items() if k != "events"},
                "events": pa.array([str(e) for e in events]),
            }
        )
    else:
        table = pa.table(u)
    pq.write_table(table, folder / "usage.parquet")
    status_col = "sync_status" if faults else "status"  # a renamed column
    _write_csv(
        folder / "integration_runs.csv",
        ["account_id", "ts", "integration", status_col, "error"],
        runs,
        bom=False,
        crlf=messy,
    )
    if faults:
        (folder / "tickets.csv").write_bytes(b"")
    else:
        _write_csv(
            folder / "tickets.csv",
            [
                "ticket_id",
                "account_id",
                "opened_at",
                "first_response_at",
                "closed_at",
                "priority",
                "csat",
            ],
            tickets,
            bom=False,
            crlf=False,
        )
    return {
        "accounts": len(acc_rows),
        "team": len(team),
        "usage": len(u["account_id"]),
        "integration_runs": len(runs),
        "tickets": len(tickets) if not faults else 0,
    }


if __name__ == "__main__":
    import sys

    mode = sys.argv[2] if len(sys.argv) > 2 else "messy"
    print(write_extract(Path(sys.argv[1]), messy=mode != "clean", faults=mode == "messy"))
