"""``/atrisk <name>`` across 100k accounts: an exact name, a part of one and a misspelt one
are answered without the database reading every account, and the names held in memory follow
each ingest.

The work the database does is counted in SQLite virtual-machine steps (the progress handler
ticks every ``TICK`` instructions), so the assertions hold however loaded the machine is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update

from bot.answers import lookups, name_index
from bot.bootstrap import Context
from storage.models import Account, IngestRun, TeamMember
from tests.bot.daily.factories import make_ctx
from tests.conftest import copy_database

N = 100_000
TICK = 1_000  # SQLite instructions per progress tick
SUFFIXES = ("GmbH", "Inc", "Ltd", "SAS")
TODAY = dt.date(2025, 1, 15)


def name(i: int) -> str:
    return f"Northwind {i} {SUFFIXES[i % 4]}"


class Work:
    """SQL statements run and SQLite instructions executed on ``ctx``'s engine."""

    def __init__(self, ctx: Context) -> None:
        self.statements = 0
        self.ticks = 0
        event.listen(ctx.engine, "before_cursor_execute", self._statement)
        event.listen(ctx.engine.pool, "checkout", self._checkout)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _tick(self) -> int:
        self.ticks += 1
        return 0

    def _checkout(self, dbapi_conn: Any, *_: Any) -> None:
        dbapi_conn.set_progress_handler(self._tick, TICK)

    def reset(self) -> None:
        self.statements = self.ticks = 0


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Path:
    """A SQLite store of 100k accounts over 200 CSMs and an admin (made once per module)."""
    folder = tmp_path_factory.mktemp("big")
    copy_database(_sqlite_template, folder / "atrisk.db")
    ctx = make_ctx(f"sqlite:///{folder / 'atrisk.db'}", folder)
    raw = ctx.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(
            "INSERT INTO team (email, name, role, slack_user_id) "
            "VALUES ('ada@x.io', 'Ada', 'admin', 'U0ADMIN00')"
        )
        cur.executemany(
            "INSERT INTO accounts (account_id, name, csm_email, created_at) VALUES (?, ?, ?, ?)",
            ((f"N{i:06d}", name(i), f"c{i % 200}@x.io", "2023-01-01") for i in range(N)),
        )
        raw.commit()
    finally:
        raw.close()
    ctx.close()
    return folder / "atrisk.db"


@pytest.fixture
def ctx(big_store: Path, tmp_path: Path) -> Iterator[Context]:
    name_index.forget()
    copy_database(big_store, tmp_path / "atrisk.db")
    c = make_ctx(f"sqlite:///{tmp_path / 'atrisk.db'}", tmp_path)
    yield c
    c.close()
    name_index.forget()


def admin(ctx: Context) -> lookups.Caller:
    caller = lookups.resolve_caller(ctx, "U0ADMIN00")
    assert caller is not None
    return caller


def test_a_misspelt_account_name_among_100k_accounts_is_answered_with_did_you_mean(
    ctx: Context,
) -> None:
    caller, work = admin(ctx), Work(ctx)
    lookups.lookup(ctx, caller, "Nortwind 1 GmbX", today=TODAY)  # the first builds the index
    work.reset()
    answer = lookups.lookup(ctx, caller, "Nrothwind 54321", today=TODAY)
    assert answer.account is None and not answer.matches
    assert answer.suggestions[0] == "Northwind 54321 Inc"
    # a full read of the accounts costs thousands of ticks; index look-ups a handful
    assert work.statements <= 8
    assert work.ticks < 50


def test_an_exact_name_in_any_case_is_one_index_look_up(ctx: Context) -> None:
    caller, work = admin(ctx), Work(ctx)
    answer = lookups.lookup(ctx, caller, "NORTHWIND 77777 INC", today=TODAY)
    assert answer.account is not None and answer.account.account_id == "N077777"
    assert work.ticks < 50


def test_the_start_of_a_name_lists_the_accounts_it_begins(ctx: Context) -> None:
    caller, work = admin(ctx), Work(ctx)
    lookups.lookup(ctx, caller, "Nortwind 1 GmbX", today=TODAY)
    work.reset()
    answer = lookups.lookup(ctx, caller, "northwind 4242", today=TODAY)
    shown = [line.name for line in answer.matches]
    # 4242 itself and 42420…42429 hold the text; the eight first by name are shown
    assert shown == sorted(shown) and shown[0] == "Northwind 4242 Ltd" and len(shown) == 8
    assert all(n.startswith("Northwind 4242") for n in shown)
    assert work.ticks < 100


def test_a_csm_sees_only_their_own_accounts_among_the_matches(ctx: Context) -> None:
    with ctx.uow() as uow:
        uow.session.add(TeamMember(email="c7@x.io", name="Cy", role="csm", slack_user_id="U0CY"))
        uow.commit()
    caller = lookups.resolve_caller(ctx, "U0CY")
    assert caller is not None
    answer = lookups.lookup(ctx, caller, "northwind 420", today=TODAY)
    assert {line.account_id for line in answer.matches} | (
        {answer.account.account_id} if answer.account else set()
    ) <= {f"N{i:06d}" for i in range(7, N, 200)}
    near = lookups.lookup(ctx, caller, "Nrothwind 207", today=TODAY)
    assert near.suggestions[0] == "Northwind 207 SAS"  # 207 = 7 + 200: Cy's
    assert all(int(s.split()[1]) % 200 == 7 for s in near.suggestions)


def test_the_names_held_in_memory_follow_a_new_ingest(ctx: Context) -> None:
    caller = admin(ctx)
    before = lookups.lookup(ctx, caller, "Contoso Tradnig", today=TODAY)
    assert before.account is None and not before.suggestions
    with ctx.uow() as uow:  # what an ingest does in one transaction: rename, record the run
        s = uow.session
        s.execute(update(Account).where(Account.account_id == "N000123").values(name="Contoso"))
        s.execute(
            update(Account).where(Account.account_id == "N000124").values(name="Contoso Trading")
        )
        s.add(IngestRun(source="test", status="succeeded"))
        uow.commit()
    after = lookups.lookup(ctx, caller, "Contoso Tradnig", today=TODAY)
    assert after.account is not None and after.account.account_id == "N000124"
    gone = lookups.lookup(ctx, caller, "Nortwind 123 Lt", today=TODAY)
    assert "Northwind 123 Ltd" not in gone.suggestions
