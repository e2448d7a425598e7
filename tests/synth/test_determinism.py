"""The same (seed, accounts, months, end) always makes the same company, in any process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from synth import TABLES, generate
from tests.synth.conftest import END


def test_the_same_seed_makes_identical_tables(company):
    again = generate(accounts=300, months=8, seed=11, end=END)
    for name in TABLES:
        pd.testing.assert_frame_equal(company.tables[name], again.tables[name])


def test_a_different_seed_makes_a_different_company(company):
    other = generate(accounts=300, months=8, seed=12, end=END)
    assert not company.tables["accounts"].equals(other.tables["accounts"])
    assert not company.tables["usage"].equals(other.tables["usage"])
    assert company.tables["ground_truth"]["hazard"].sum() != pytest.approx(
        other.tables["ground_truth"]["hazard"].sum()
    )


SCRIPT = """
import datetime as dt, hashlib, sys, tempfile
from pathlib import Path
from synth import generate, write_company
with tempfile.TemporaryDirectory() as tmp:
    paths = write_company(generate(60, 3, 4, dt.date(2026, 2, 10)), Path(tmp))
    digest = hashlib.sha256()
    for name in sorted(paths):
        digest.update(paths[name].read_bytes())
    sys.stdout.write(digest.hexdigest())
"""


def _digest_in_subprocess(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_written_files_are_byte_identical_across_processes_with_different_string_hashing():
    first, second = _digest_in_subprocess("1"), _digest_in_subprocess("2")
    assert first == second
    assert len(first) == len(hashlib.sha256().hexdigest())
