"""The source engine: features and contract checks pushed down to DuckDB and PostgreSQL, one row
per account back, and the queries compiling for warehouse dialects."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, event, insert

from scoring.features import FeatureParams, build_features
from scoring.sql_features import build_features_sql
from storage.errors import ContractViolation
from storage.models import Usage
from storage.source_checks import check_in_place, sql_problems, table_rules
from storage.source_engine import default_source_url, make_source_engine, prepare_embedded
from tests.scoring.conftest import AS_OF, random_sources, store_sources

PARAMS = FeatureParams()
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["duckdb", "postgres"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty source engine: an embedded DuckDB file, or a PostgreSQL database."""
    if request.param == "duckdb":
        engine = make_source_engine(f"duckdb:///{tmp_path / 'sources.duckdb'}")
        prepare_embedded(engine)
    else:
        engine = make_source_engine(request.getfixturevalue("pg_url"))
    yield engine
    engine.dispose()


def _statements(engine: Engine) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _keep(_c, _cur, statement, parameters, _ctx, _many):  # type: ignore[no-untyped-def]
        catalog = "duckdb_tables" in statement or "pg_catalog" in statement
        if statement.lstrip().upper().startswith("SELECT") and not catalog:
            seen.append((statement, parameters))

    return seen


@pytest.mark.parametrize("seed", [1, 6])
def test_features_computed_by_the_source_engine_equal_the_pandas_features(
    source: Engine, seed: int
) -> None:
    src = random_sources(seed, n_accounts=6)
    store_sources(source, src)
    for as_of in (AS_OF, AS_OF - dt.timedelta(days=11)):
        got = build_features_sql(source, as_of, PARAMS)
        want = build_features(src, as_of, PARAMS)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)


def test_no_query_of_the_daily_features_returns_more_than_one_row_per_account(
    source: Engine,
) -> None:
    src = random_sources(2, n_accounts=6)
    store_sources(source, src)
    seen = _statements(source)
    build_features_sql(source, AS_OF, PARAMS)
    assert len(src.usage) > 10 * len(src.accounts)
    with source.connect() as conn:
        fetched = [len(conn.exec_driver_sql(s, p).fetchall()) for s, p in list(seen)]  # type: ignore[arg-type]
    assert fetched and max(fetched) <= len(src.accounts)


def test_broken_events_in_a_source_read_in_place_are_refused_with_the_ingest_messages(
    source: Engine, db_url: str
) -> None:
    from storage.db import make_engine

    src = random_sources(3, n_accounts=4)
    store_sources(source, src)
    with source.begin() as conn:
        conn.execute(
            insert(Usage),
            [
                {
                    "account_id": "ZZ-9",
                    "date": dt.date(2025, 1, 2),
                    "feature": "Reports",
                    "active_users": -1,
                    "events": 3,
                },
            ],
        )
    problems = sql_problems(source, ["usage"], now=NOW)
    assert (
        "usage.active_users: 1 row is negative (must be ≥ 0), e.g. ZZ-9/2025-01-02/Reports"
        in problems
    )
    app = make_engine(db_url)
    with pytest.raises(ContractViolation) as refused:
        check_in_place(source, app, required_tables=["accounts", "usage"], now=NOW)
    assert any(
        p.startswith("usage.account_id: 1 row references account(s) not in accounts")
        for p in refused.value.problems
    )
    app.dispose()


def test_a_clean_source_read_in_place_copies_only_accounts_and_team(
    source: Engine, db_url: str
) -> None:
    from sqlalchemy import func, select

    from storage.db import make_engine
    from storage.models import Account

    src = random_sources(4, n_accounts=5)
    store_sources(source, src)
    app = make_engine(db_url)
    report = check_in_place(source, app, required_tables=["accounts", "usage"], now=NOW)
    assert set(report.tables) == {"accounts", "team"}
    with app.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Account)).scalar_one() == 5
        if source.url != app.url:  # PostgreSQL: one database holds both here
            assert conn.execute(select(func.count()).select_from(Usage)).scalar_one() == 0
    app.dispose()


def test_an_arr_of_a_trillion_is_stored_exactly_in_the_embedded_file(tmp_path: Path) -> None:
    from sqlalchemy import select

    from storage.models import Account

    engine = make_source_engine(f"duckdb:///{tmp_path / 's.duckdb'}")
    prepare_embedded(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(Account),
            [
                {
                    "account_id": "A",
                    "name": "A",
                    "csm_email": "a@x.io",
                    "arr": 1.2e12,
                    "created_at": dt.date(2024, 1, 1),
                }
            ],
        )
        assert conn.execute(select(Account.arr)).scalar_one() == 1.2e12
    engine.dispose()


def test_the_embedded_source_file_sits_beside_a_sqlite_application_database() -> None:
    assert default_source_url("sqlite:///data/atrisk.db") == "duckdb:///data/atrisk.sources.duckdb"
    assert default_source_url("postgresql://u@h/db") is None
    assert default_source_url("sqlite:///:memory:") is None


WAREHOUSES = {
    "snowflake": "snowflake.sqlalchemy",
    "trino": "trino.sqlalchemy.dialect",
    "redshift": "sqlalchemy_redshift.dialect",
}
DIALECTS = ["postgresql", "duckdb", "sqlite", "mssql", *WAREHOUSES]
CHECKED = ("usage", "integration_runs", "tickets")


def _every_query(dialect: str) -> list[object]:
    from scoring.sql_features import feature_queries
    from storage.source_checks import check_queries

    day_before = AS_OF - dt.timedelta(days=11)
    features = [q for d in (AS_OF, day_before) for q in feature_queries(d, PARAMS, dialect)]
    return features + [q for name in CHECKED for q in check_queries(name, NOW)]


@pytest.mark.parametrize("name", DIALECTS)
def test_every_feature_and_check_query_compiles_for_the_dialect(name: str) -> None:
    from sqlalchemy.dialects import registry

    if name in WAREHOUSES:
        pytest.importorskip(WAREHOUSES[name])
    dialect = registry.load(name)()
    queries = _every_query(name)
    assert len(queries) == 2 * 8 + sum(
        len(table_rules(t, NOW)) + 3 for t in CHECKED
    )  # 8 feature queries a day; per table: counts, examples per rule, duplicates (2)
    for q in queries:
        sql = str(q.compile(dialect=dialect))  # type: ignore[attr-defined]
        assert sql.upper().lstrip().startswith("SELECT")
    importlib.invalidate_caches()


def test_every_feature_and_check_query_runs_on_the_source_engine(source: Engine) -> None:
    """The queries compiled above, executed by DuckDB and PostgreSQL on a stored company; the
    per-account ones return at most one row per account."""
    src = random_sources(5, n_accounts=5)
    store_sources(source, src)
    from scoring.sql_features import per_account_queries

    with source.connect() as conn:
        for q in _every_query(source.dialect.name):
            rows = conn.execute(q).all()  # type: ignore[call-overload]
            assert rows is not None
        for q in per_account_queries(AS_OF, PARAMS, source.dialect.name):
            assert len(conn.execute(q).all()) <= len(src.accounts)
