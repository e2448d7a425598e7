"""Write a world as the files a team would hand to `atrisk ingest`.

CSV files are written the way real exports look (all within the input contract): timestamps
in UTC with `Z`, with local offsets or without any, a few dates with a time part, a CRM-style
header with a byte-order mark on `accounts.csv`, `;` as the separator of
`integration_runs.csv` and `\\r\\n` line ends in `tickets.csv`. `dialects=False` writes plain
comma-separated UTF-8 with ISO `Z` timestamps instead. Parquet files keep the typed columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.worlds.catalog import INTEGRATIONS
from tests.worlds.harbor import TABLES, World

CRM_HEADERS = {
    "account_id": " Account ID",
    "name": "Name",
    "csm_email": "CSM Email",
    "segment": "Segment",
    "plan": "Plan",
    "arr": "ARR",
    "seats": "Seats",
    "created_at": "Created At",
    "renewal_date": "Renewal Date",
    "churned_at": "Churned At",
    "billing_term": "Billing Term",
}
TICKET_OFFSETS = ("Z", "+02:00", "", "-05:00")  # "" = naive UTC with a space separator
DATE_COLUMNS = {"accounts": ("created_at", "renewal_date", "churned_at"), "usage": ("date",)}


def _offset_minutes(offset: str) -> int:
    """'+02:00' → 120, '-08:00' → -480, 'Z' or '' → 0."""
    if offset in ("Z", ""):
        return 0
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = offset[1:].split(":")
    return sign * (int(hours) * 60 + int(minutes))


def iso_timestamps(ts: pd.Series, offsets: pd.Series | str) -> pd.Series:
    """UTC timestamps as ISO 8601 text in the local time of each row's offset.

    An offset of "Z" or "+HH:MM" is written as a suffix; "" writes naive UTC with a space
    between date and time. Missing timestamps become missing text.
    """
    offs = pd.Series(offsets, index=ts.index) if isinstance(offsets, str) else offsets
    out = pd.Series(pd.NA, index=ts.index, dtype="str")
    for offset in offs.unique():
        rows = (offs == offset).to_numpy()
        shifted = ts[rows] + pd.Timedelta(minutes=_offset_minutes(str(offset)))
        naive = shifted.dt.tz_localize(None).to_numpy().astype("datetime64[s]")
        text = pd.Series(np.datetime_as_string(naive, unit="s"), index=ts.index[rows], dtype="str")
        text = text.str.replace("T", " ") if offset == "" else text + str(offset)
        out[rows] = text.where(ts[rows].notna())
    return out


def _dates(d: pd.Series, rng: np.random.Generator | None) -> pd.Series:
    """Dates as YYYY-MM-DD; with `rng`, about one in ten carries a `T00:00:00Z` time part."""
    text = d.dt.strftime("%Y-%m-%d").astype("str")
    if rng is not None:
        timed = rng.random(len(d)) < 0.1
        text[timed] = text[timed] + "T00:00:00Z"
    return text.where(d.notna())


def csv_frames(world: World, dialects: bool = True) -> dict[str, pd.DataFrame]:
    """The contract tables as text frames, ready for `to_csv`."""
    rng = np.random.default_rng(world.config.seed + 1) if dialects else None
    out = {name: frame.copy() for name, frame in world.tables().items()}
    for col in DATE_COLUMNS["accounts"]:
        out["accounts"][col] = _dates(world.accounts[col], rng)
    out["usage"]["date"] = _dates(world.usage["date"], None)
    runs, tickets = out["integration_runs"], out["tickets"]
    if dialects:
        styles = {g.name: g.offset for g in INTEGRATIONS}
        runs["ts"] = iso_timestamps(world.integration_runs["ts"], runs["integration"].map(styles))
        assert rng is not None
        pick = rng.choice(len(TICKET_OFFSETS), size=len(tickets), p=[0.55, 0.2, 0.15, 0.1])
        style = pd.Series(np.asarray(TICKET_OFFSETS, dtype=object)[pick], index=tickets.index)
        for col in ("opened_at", "first_response_at", "closed_at"):
            tickets[col] = iso_timestamps(world.tickets[col], style)
        out["accounts"] = out["accounts"].rename(columns=CRM_HEADERS)
    else:
        runs["ts"] = iso_timestamps(world.integration_runs["ts"], "Z")
        for col in ("opened_at", "first_response_at", "closed_at"):
            tickets[col] = iso_timestamps(world.tickets[col], "Z")
    return out


def write_csv(world: World, folder: Path, dialects: bool = True) -> Path:
    """Write `<table>.csv` for the five contract tables plus `ground_truth.csv` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in csv_frames(world, dialects).items():
        kwargs: dict[str, str] = {}
        if dialects and name == "accounts":
            kwargs["encoding"] = "utf-8-sig"
        if dialects and name == "integration_runs":
            kwargs["sep"] = ";"
        if dialects and name == "tickets":
            kwargs["lineterminator"] = "\r\n"
        frame.to_csv(folder / f"{name}.csv", index=False, **kwargs)
    truth = world.ground_truth.copy()
    for col in ("created_at", "churned_at"):
        truth[col] = _dates(truth[col], None)
    truth.to_csv(folder / "ground_truth.csv", index=False)
    return folder


def _arrow(frame: pd.DataFrame, dates: tuple[str, ...]) -> pa.Table:
    """A typed Arrow table; date columns become `date32`."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for col in dates:
        values = frame[col].to_numpy(dtype="datetime64[D]")
        arr = pa.array(values, type=pa.date32(), mask=np.isnat(values))
        table = table.set_column(table.schema.get_field_index(col), col, arr)
    return table


def write_parquet(world: World, folder: Path) -> Path:
    """Write `<table>.parquet` for the five contract tables plus `ground_truth.csv`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        frame = getattr(world, name)
        pq.write_table(_arrow(frame, DATE_COLUMNS.get(name, ())), folder / f"{name}.parquet")
    truth = world.ground_truth.copy()
    for col in ("created_at", "churned_at"):
        truth[col] = _dates(truth[col], None)
    truth.to_csv(folder / "ground_truth.csv", index=False)
    return folder
