"""The fields a run's warnings tell a user to edit in atrisk.yml are in the example they start
from (`atrisk spec --example`)."""

from __future__ import annotations

import subprocess
import sys

import yaml


def test_the_example_spec_has_the_risk_floor_the_flagging_warning_tells_a_user_to_lower() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "spec", "--example"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    surface = yaml.safe_load(out)["surface"]

    assert surface["risk_floor"] == 0.05
