"""A folder target: one file per table and partition day, ``DIR/<table>/<YYYY-MM-DD>.csv``
(or ``.parquet``), and ``DIR/atrisk_export.json`` recording the last export (a lead export's:
``DIR/atrisk_export_lead.json``).

A partition is written to a temporary file and renamed into place, so a reader never sees half
a file; the files of a day that no longer has rows are removed. Read a table back with, e.g.,
DuckDB's ``read_parquet('DIR/scores/*.parquet')`` or ``read_csv('DIR/alerts/*.csv')``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from storage.errors import ExportTargetUnusable
from storage.export.schema import ExportTable

Format = Literal["csv", "parquet"]
STATE_FILE = "atrisk_export.json"
_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(csv|parquet)$")


class FolderTarget:
    """Partitions as files in ``path``; ``fmt`` is ``csv`` or ``parquet``."""

    def __init__(self, path: Path, fmt: Format, *, record: str = "account") -> None:
        self.path = path
        self.fmt = fmt
        self.state_file = STATE_FILE if record == "account" else f"atrisk_export_{record}.json"
        self._check_writable()

    @property
    def shown(self) -> str:
        return str(self.path)

    def _check_writable(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise ExportTargetUnusable(
                f"--to {self.path} is a file, not a folder: name a folder (it is created if "
                "missing) or a database URL such as sqlite:///bi.db."
            )
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / f".atrisk-write-check-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise ExportTargetUnusable(
                f"cannot write to the folder {self.path}: {e.strerror or e}. Choose a folder "
                "you may write to, or fix its permissions."
            ) from None
        state = self.last_export()
        if state and state.get("format") not in (None, self.fmt):
            raise ExportTargetUnusable(
                f"{self.path} holds a {state['format']} export: export again with "
                f"--format {state['format']}, or choose another folder for {self.fmt}."
            )

    def last_export(self) -> dict[str, Any] | None:
        """What the last export to this folder recorded, or None when there was none."""
        file = self.path / self.state_file
        if not file.exists():
            return None
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable: the next export is a full one
        return data if isinstance(data, dict) else None

    def days(self, table: ExportTable) -> list[dt.date]:
        """The partition days already written for ``table``."""
        folder = self.path / table.name
        if not folder.is_dir():
            return []
        found = (_DAY_FILE.match(f.name) for f in folder.iterdir())
        return sorted(dt.date.fromisoformat(m.group(1)) for m in found if m)

    def begin(self, table: ExportTable, since: dt.date | None, keep: set[dt.date]) -> None:
        """Remove ``table``'s partitions from ``since`` on whose day is not in ``keep``."""
        for day in self.days(table):
            if (since is None or day >= since) and day not in keep:
                for suffix in ("csv", "parquet"):
                    (self.path / table.name / f"{day.isoformat()}.{suffix}").unlink(missing_ok=True)

    def write(self, table: ExportTable, day: dt.date, data: pa.Table) -> None:
        """Replace ``table``'s partition for ``day`` with ``data``."""
        folder = self.path / table.name
        final = folder / f"{day.isoformat()}.{self.fmt}"
        temp = folder / f".{day.isoformat()}.{self.fmt}.part"
        try:
            folder.mkdir(exist_ok=True)
            if self.fmt == "parquet":
                pq.write_table(data, temp)
            else:
                pacsv.write_csv(data, temp)
            os.replace(temp, final)
        except OSError as e:
            temp.unlink(missing_ok=True)
            raise ExportTargetUnusable(
                f"cannot write {final}: {e.strerror or e}. Free space or fix permissions, then "
                "export again (a rerun replaces what was written)."
            ) from None

    def finish(self, record: dict[str, Any]) -> None:
        """Record this export (its ``through`` date tells the next one where to start)."""
        file = self.path / self.state_file
        temp = self.path / f".{self.state_file}.part"
        temp.write_text(json.dumps({**record, "format": self.fmt}, indent=2, default=str))
        os.replace(temp, file)

    def close(self) -> None:
        return None
