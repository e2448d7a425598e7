"""Source-table ingest: read a folder or database, check the input contract, upsert in one go.

``ingest(source, engine)`` reads CSV/Parquet files (or tables behind a SQLAlchemy URL), types
and checks them against ``contract.TABLES``, and upserts them in one transaction. Bad input
raises ``storage.errors.ContractViolation`` naming every broken rule; nothing is written.

    readers   folder / URL → raw frames (text as written), unreadable files as problems
    coerce    raw frames → typed frames, values of the wrong type as problems
    validate  typed frames → problems (pure)
    load      typed frames → upserts (COPY on PostgreSQL, executemany on SQLite)
"""

from storage.ingest.contract import DEFAULT_REQUIRED, TABLES
from storage.ingest.load import LoadCounts
from storage.ingest.service import IngestReport, ingest

__all__ = ["DEFAULT_REQUIRED", "TABLES", "IngestReport", "LoadCounts", "ingest"]
