"""Writing atrisk's own records (scores, alerts, actions, plays, outcomes) out to a folder of
CSV or Parquet files or to any SQLAlchemy database, for the BI tools analysts already use.

Every exported table is partitioned by one date column; an export replaces the partitions
from its ``since`` date on with what the store holds now, so running it twice gives the same
rows (``schema``: the tables' shape; ``folder`` and ``database``: the two kinds of target;
``targets.open_target`` picks one from the ``--to`` text).
"""
