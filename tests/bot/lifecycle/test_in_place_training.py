"""Training on a source read in place (a URL ``contract.source``): the snapshots' features are
computed by the source engine, and no raw event row comes back to Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import event, func, select

from bot.lifecycle.training import train_model
from bot.lifecycle.training_data import builtin_frame, default_as_of
from storage.models import Account
from tests.bot.lifecycle.conftest import make_ctx


def _in_place(company_url: str, folder: Path) -> Any:
    app = Path(company_url.removeprefix("sqlite:///"))
    duck = app.with_name(app.stem + ".sources.duckdb")
    assert duck.exists()
    return make_ctx(company_url, folder, {"contract": {"source": f"duckdb:///{duck}"}})


def test_training_on_a_source_read_in_place_fetches_one_row_per_account_per_snapshot(
    company_url: str, tmp_path: Path
) -> None:
    ctx = _in_place(company_url, tmp_path)
    assert ctx.source_in_place
    engine = ctx.source_engine
    queries: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _keep(_c, _cur, statement, parameters, _ctx, _many):  # type: ignore[no-untyped-def]
        catalog = "duckdb_tables" in statement or "information_schema" in statement
        if statement.lstrip().upper().startswith("SELECT") and not catalog:
            queries.append((statement, parameters))

    report = train_model(ctx)
    assert report.state == "live", report.why
    event.remove(engine, "before_cursor_execute", _keep)
    with engine.connect() as conn:
        accounts = conn.execute(select(func.count()).select_from(Account)).scalar_one()
        usage_rows = conn.exec_driver_sql("SELECT count(*) FROM usage").scalar_one()
        fetched = [len(conn.exec_driver_sql(s, p).fetchall()) for s, p in queries]
    assert usage_rows > 100 * accounts
    assert len(fetched) > 50  # every snapshot date asked the engine for its features
    assert max(fetched) <= accounts  # one row per account per query, never an event row
    ctx.close()


def test_in_place_snapshots_equal_the_snapshots_built_from_frames(
    company_url: str, tmp_path: Path
) -> None:
    (tmp_path / "embedded").mkdir()
    (tmp_path / "in_place").mkdir()
    embedded = make_ctx(company_url, tmp_path / "embedded")
    in_place = _in_place(company_url, tmp_path / "in_place")
    as_of = default_as_of(embedded)
    want, _ = builtin_frame(embedded, as_of)
    got, _ = builtin_frame(in_place, as_of)
    assert len(got) > 1000
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)
    embedded.close()
    in_place.close()
