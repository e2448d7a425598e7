"""A new user's first day, run once: every command the quick start names, in order.

``run_journey`` keeps each command's exit code and output under a step name; the tests in
``test_new_user_flow.py`` and ``test_alerts_from_own_data.py`` check one step each.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.user import Extracts, Result, atrisk, workspace, write_spec

AS_OF = "2026-09-01"  # the day after the extract's last day
NEXT_DAY = "2026-09-02"


@dataclass
class Journey:
    folder: Path
    steps: dict[str, Result]

    def __getitem__(self, name: str) -> Result:
        return self.steps[name]

    def csv(self, name: str) -> list[dict[str, str]]:
        """Rows of a CSV file the user wrote into their folder."""
        with open(self.folder / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


def run_journey(extracts: Extracts, folder: Path) -> Journey:
    with workspace(folder):
        write_spec(folder / "atrisk.yml")
        steps: dict[str, Result] = {}

        def step(name: str, *argv: str) -> None:
            steps[name] = atrisk(*argv)

        step("db upgrade", "db", "upgrade")
        step("check", "check", "--json")
        step("ingest", "ingest", str(extracts.csv), "--json")
        step("ingest again", "ingest", str(extracts.csv), "--json")
        step("ingest parquet", "ingest", str(extracts.parquet), "--json")
        step("ingest sql", "ingest", extracts.sqlite_url, "--json")
        step("audit", "audit", "--json")
        step("train", "train", "--json")
        step("model list", "model", "list", "--json")
        step("score", "score", "--no-post", "--out", "scores.csv", "--json")
        step("run", "run", "--as-of", AS_OF, "--json")
        step("run next day", "run", "--as-of", NEXT_DAY, "--json")
        step("status", "status", "--json")
        step("outcomes", "outcomes", "--json")
        for fmt in ("json", "html", "csv"):
            step(f"report {fmt}", "report", "--format", fmt, "--out", f"report.{fmt}")
        step("spec", "spec")
        step("model disable", "model", "disable", "--reason", "testing", "--json")
        step("score disabled", "score", "--json")
        step("model enable", "model", "enable", "--json")
    return Journey(folder, steps)


def last_json(result: Result) -> Any:
    """The JSON document a ``--json`` command printed last (previews may come before it)."""
    start = result.out.rfind("\n{\n") + 1 if not result.out.startswith("{") else 0
    return json.loads(result.out[start:])
