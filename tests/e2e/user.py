"""Acting as a new user: run ``atrisk`` commands in-process and see what they printed.

Commands run through ``bot.cli.run`` with the environment a user would set
(``DATABASE_URL``, ``ATRISK_SPEC``, ``ATRISK_OUTBOX_DIR``, no Slack token).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import cli
from tests.e2e.company import KEY_FEATURES, Company, CompanyConfig

SPEC_CHANGES: dict[str, dict[str, Any]] = {
    "contract": {"key_features": list(KEY_FEATURES)},
    # 15 % of the accounts a day, from 3 % risk up (this company's 30-day churn is ~2.5 %)
    "surface": {"top_share": 0.15, "risk_floor": 0.03, "daily_cap_per_csm": 10},
    "freshness": {"timezone": "America/New_York"},
}


@dataclass(frozen=True)
class Result:
    """One command as the user saw it: exit code, standard output, standard error."""

    argv: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:
        return (
            f"atrisk {' '.join(self.argv)} -> {self.code}\n{self.out[-2000:]}\n{self.err[-2000:]}"
        )


def atrisk(*argv: str) -> Result:
    """Run one command and capture what it printed (works at any fixture scope)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.run(list(argv))
    return Result(tuple(argv), code, out.getvalue(), err.getvalue())


def write_spec(path: Path, changes: dict[str, dict[str, Any]] | None = None) -> Path:
    """``atrisk spec --example`` with the user's edits, written to ``path``."""
    example = atrisk("spec", "--example")
    assert example.code == 0, str(example)
    spec = yaml.safe_load(example.out)
    for section, values in (changes or SPEC_CHANGES).items():
        spec.setdefault(section, {}).update(values)
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.contextmanager
def workspace(folder: Path, spec: Path | None = None) -> Iterator[Path]:
    """Environment variables pointing at ``folder``: its database, spec and outbox."""
    folder.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", f"sqlite:///{folder / 'atrisk.db'}")
        mp.setenv("ATRISK_SPEC", str(spec or folder / "atrisk.yml"))
        mp.setenv("ATRISK_OUTBOX_DIR", str(folder / "outbox"))
        mp.setenv("ATRISK_ACTOR", "new.user@example.io")
        for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
            mp.delenv(var, raising=False)
        mp.chdir(folder)
        yield folder


@dataclass(frozen=True)
class Extracts:
    """The same company as a CSV folder, a Parquet folder and a SQLite URL."""

    company: Company
    config: CompanyConfig
    csv: Path
    parquet: Path
    sqlite_url: str
