"""``write_company_chunked``: a company too large for memory, made and written a slice at a time.

The accounts' traits, names, CSMs and the team are drawn for the whole company at once (a few
hundred bytes per account); the months are then simulated for ``chunk_accounts`` accounts at a
time (accounts do not interact) and each slice's rows are appended to the table files, so peak
memory follows the slice, not the company. Account ids, names, CSMs and ticket ids are unique
across slices. The files are those ``write_company`` writes (one per table, ``ground_truth``
included) and appear whole or not at all. A company made in slices follows the same process
as ``generate`` with the same seed, but its random draws differ, so its rows are not the same.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from synth.accounts import Accounts, make_accounts
from synth.calendar import Window, make_window, to_date
from synth.company import TABLES, check_sizes
from synth.errors import SynthError
from synth.frames import (
    account_ids,
    accounts_frame,
    runs_frame,
    tickets_frame,
    truth_frame,
    usage_frame,
)
from synth.names import company_names
from synth.people import assign_csms, make_team
from synth.simulate import simulate
from synth.write import FORMATS, Format, to_arrow

CHUNK_ACCOUNTS = 50_000


@dataclass
class ChunkedCompany:
    """What was written: the headline numbers of ``SyntheticCompany.summary`` and the files."""

    accounts: int
    seed: int
    months: int
    start: dt.date
    end: dt.date
    chunk_accounts: int
    files: dict[str, Path] = field(default_factory=dict)
    churned: int = 0
    csms: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))

    def summary(self) -> dict[str, Any]:
        """Accounts, active, churned, CSMs, the span, the seed and rows per table."""
        return {
            "accounts": self.accounts,
            "active": self.accounts - self.churned,
            "churned": self.churned,
            "csms": self.csms,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "chunk_accounts": self.chunk_accounts,
            "rows": dict(self.rows),
        }


class _Appender:
    """One table file written aside (``.part``) in appended slices, then moved into place."""

    def __init__(self, path: Path, fmt: Format) -> None:
        self.path, self.fmt = path, fmt
        self.part = path.with_name(path.name + ".part")
        self.writer: pa_csv.CSVWriter | pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None

    def append(self, frame: pd.DataFrame) -> int:
        table = to_arrow(frame, self.fmt)
        if self.writer is None:
            self.schema = table.schema
            self.writer = (
                pa_csv.CSVWriter(self.part, table.schema)
                if self.fmt == "csv"
                else pq.ParquetWriter(self.part, table.schema)
            )
        else:
            table = table.cast(self.schema)  # a slice with only empty cells keeps the types
        self.writer.write_table(table)
        return int(table.num_rows)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def finish(self) -> None:
        self.close()
        os.replace(self.part, self.path)

    def discard(self) -> None:
        self.close()
        self.part.unlink(missing_ok=True)


def _slice(acc: Accounts, lo: int, hi: int) -> Accounts:
    return Accounts(**{f.name: getattr(acc, f.name)[lo:hi] for f in fields(Accounts)})


def _write_slice(
    out: dict[str, _Appender],
    made: ChunkedCompany,
    window: Window,
    acc: Accounts,
    lo: int,
    parts: tuple[list[str], list[str], list[str], np.ndarray],
) -> None:
    """Simulate one slice of accounts (its own random streams) and append its rows."""
    ids, names, csm_emails, csm = parts
    history = simulate(acc, window, made.seed, stream=(lo // made.chunk_accounts + 1,))
    frame = accounts_frame(acc, ids, names, csm_emails, csm, history.churn_day, window)
    made.churned += int(frame["churned_at"].notna().sum())
    made.rows["accounts"] += out["accounts"].append(frame)
    del frame
    made.rows["usage"] += out["usage"].append(usage_frame(history, ids))
    history.usage.clear()
    made.rows["integration_runs"] += out["integration_runs"].append(runs_frame(history, ids))
    history.runs.clear()
    width = len(str(made.accounts * made.months * 10))  # room for every ticket of the company
    tickets = tickets_frame(history, ids, window, first=made.rows["tickets"] + 1, width=width)
    made.rows["tickets"] += out["tickets"].append(tickets)
    made.rows["ground_truth"] += out["ground_truth"].append(truth_frame(history, ids))


def write_company_chunked(
    out_dir: Path,
    accounts: int,
    months: int = 18,
    seed: int = 7,
    end: dt.date | None = None,
    *,
    fmt: Format = "parquet",
    chunk_accounts: int = CHUNK_ACCOUNTS,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> ChunkedCompany:
    """Make a company of ``accounts`` accounts and ``months`` months up to ``end`` (default
    today, UTC) and write it to ``out_dir/<table>.<fmt>``, ``chunk_accounts`` at a time.

    ``on_progress("making accounts", done, accounts)`` is told after each slice. Raises
    ``SynthError`` for impossible sizes or a folder that cannot be written.
    """
    check_sizes(accounts, months, seed)
    if chunk_accounts < 1:
        raise SynthError(f"chunk_accounts must be at least 1 (got {chunk_accounts}).")
    if fmt not in FORMATS:
        raise SynthError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r}).")
    end = end or dt.datetime.now(dt.UTC).date()
    window = make_window(end, months)
    acc = make_accounts(np.random.default_rng([seed, 1]), accounts, window)
    team = make_team(np.random.default_rng([seed, 2]), accounts)
    names = company_names(np.random.default_rng([seed, 3]), accounts)
    csm_emails = team.loc[team["role"] == "csm", "email"].tolist()
    csm = assign_csms(np.random.default_rng([seed, 4]), acc.segment, len(csm_emails))
    ids = account_ids(accounts)
    made = ChunkedCompany(
        accounts, seed, months, to_date(window.start), end, chunk_accounts, csms=len(csm_emails)
    )
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SynthError(f"cannot create the output folder {out_dir}: {e.strerror}.") from e
    out = {name: _Appender(out_dir / f"{name}.{fmt}", fmt) for name in TABLES}
    try:
        made.rows["team"] = out["team"].append(team)
        for lo in range(0, accounts, chunk_accounts):
            hi = min(lo + chunk_accounts, accounts)
            parts = (ids[lo:hi], names[lo:hi], csm_emails, csm[lo:hi])
            _write_slice(out, made, window, _slice(acc, lo, hi), lo, parts)
            if on_progress:
                on_progress("making accounts", hi, accounts)
        for name in TABLES:
            out[name].finish()
            made.files[name] = out[name].path
    except OSError as e:
        raise SynthError(f"cannot write to {out_dir}: {e.strerror or e}.") from e
    finally:
        for appender in out.values():
            appender.discard()
    return made
