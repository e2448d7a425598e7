"""A synthetic B2B SaaS company whose churn process is known: the demo's and the tests' data.

``generate`` makes the five source tables of the input contract (accounts, team, usage,
integration_runs, tickets) plus ``ground_truth``, the true monthly churn hazard of every
active account and the driver behind it. ``write_company`` writes them as CSV or Parquet.
``write_company_chunked`` makes and writes a company too large for memory a slice of accounts
at a time. ``generate_leads`` makes a sales funnel instead (``leads``, ``lead_activity``,
``team`` and the true conversion process, ``synth.leads``).
docs/synth.md describes the process and its formula.
"""

from __future__ import annotations

from synth.chunked import ChunkedCompany, write_company_chunked
from synth.company import TABLES, SyntheticCompany, generate
from synth.errors import SynthError
from synth.hazard import FAMILIES
from synth.leads import SyntheticFunnel, generate_leads, write_funnel
from synth.usage import FEATURES, KEY_FEATURES
from synth.write import write_company

__all__ = [
    "FAMILIES",
    "FEATURES",
    "KEY_FEATURES",
    "TABLES",
    "ChunkedCompany",
    "SynthError",
    "SyntheticCompany",
    "SyntheticFunnel",
    "generate",
    "generate_leads",
    "write_company",
    "write_company_chunked",
    "write_funnel",
]
