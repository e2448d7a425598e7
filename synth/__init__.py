"""A synthetic B2B SaaS company whose churn process is known: the demo's and the tests' data.

``generate`` makes the five source tables of the input contract (accounts, team, usage,
integration_runs, tickets) plus ``ground_truth``, the true monthly churn hazard of every
active account and the driver behind it. ``write_company`` writes them as CSV or Parquet.
docs/synth.md describes the process and its formula.
"""

from __future__ import annotations

from synth.company import TABLES, SyntheticCompany, generate
from synth.errors import SynthError
from synth.hazard import FAMILIES
from synth.usage import FEATURES, KEY_FEATURES
from synth.write import write_company

__all__ = [
    "FAMILIES",
    "FEATURES",
    "KEY_FEATURES",
    "TABLES",
    "SynthError",
    "SyntheticCompany",
    "generate",
    "write_company",
]
