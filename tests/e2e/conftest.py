"""Fixtures for the new-user tests: one company written as CSV, Parquet and SQLite, and the
first day run once on it (``journey``).
"""

from __future__ import annotations

import pytest

from tests.e2e.company import CompanyConfig, make_company
from tests.e2e.extract import write_csv, write_parquet, write_sqlite
from tests.e2e.journey import Journey, run_journey
from tests.e2e.user import Extracts


@pytest.fixture(scope="session")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> Extracts:
    config = CompanyConfig(unknown_csm_accounts=3)
    company = make_company(config)
    root = tmp_path_factory.mktemp("extract")
    return Extracts(
        company=company,
        config=config,
        csv=write_csv(company, root / "csv"),
        parquet=write_parquet(company, root / "parquet"),
        sqlite_url=write_sqlite(company, root / "source.db"),
    )


@pytest.fixture(scope="session")
def journey(extracts: Extracts, tmp_path_factory: pytest.TempPathFactory) -> Journey:
    return run_journey(extracts, tmp_path_factory.mktemp("new-user"))
