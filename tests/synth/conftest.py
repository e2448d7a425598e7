"""Small synthetic companies, made once per test session (they are deterministic)."""

from __future__ import annotations

import datetime as dt

import pytest

from synth import SyntheticCompany, generate

END = dt.date(2026, 3, 18)


@pytest.fixture(scope="session")
def company() -> SyntheticCompany:
    """300 accounts over 8 months: quick to make, big enough for the contract checks."""
    return generate(accounts=300, months=8, seed=11, end=END)


@pytest.fixture(scope="session")
def larger_company() -> SyntheticCompany:
    """1,500 accounts over 10 months: enough churn for the statistical checks."""
    return generate(accounts=1500, months=10, seed=5, end=END)
