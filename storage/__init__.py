"""Storage: the source tables, atrisk's own tables, migrations, repositories and ingest.

Errors (``storage.errors``)::

    StorageError
    ├── SchemaNotReady        the database is not migrated to head: run `atrisk db upgrade`
    └── ContractViolation     source data breaks the input contract (table, column, rule, rows)
"""
