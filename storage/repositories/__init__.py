"""Repositories: typed reads and writes of the stored tables, one module per area."""
