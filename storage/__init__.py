"""Storage: the source tables, atrisk's own tables, migrations, repositories and ingest.

Errors (``storage.errors``)::

    StorageError
    ├── SchemaNotReady        the database is not migrated to head: run `atrisk db upgrade`
    ├── ContractViolation     source data breaks the input contract (table, column, rule, rows)
    ├── ExportTargetUnusable  `atrisk export --to` cannot write there (folder or database)
    └── DatabaseUnavailable   the database cannot be used (``storage.connection`` says why)
        ├── BadDatabaseUrl        not a database URL, or its driver is not installed
        ├── DatabaseMissing       no such SQLite file or folder, or PostgreSQL database
        ├── DatabaseUnreachable   nothing answers, or the login is refused
        └── ConnectionLost        an open connection was cut mid-run (exit 1; a rerun is safe)
"""
