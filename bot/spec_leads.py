"""What ``entity: lead`` changes in ``atrisk.yml``: its label and its source tables.

A lead spec takes the leads table's ``converted_at`` as its label and reads the lead tables by
default. A lead spec copied from the churn example keeps the churn label or the churn tables;
both are refused with the line to change (``ValueError``, named by the spec's loader).
"""

from __future__ import annotations

#: the source tables of ``entity: lead`` (``storage.ingest.contract.LEAD_REQUIRED``)
LEAD_TABLES = ("leads", "lead_activity", "team")
#: the tables only a churn product reads (``entity: account``)
CHURN_ONLY_TABLES = ("accounts", "usage", "integration_runs", "tickets", "account_features")
#: the label of a lead: the leads table's conversion date
LEAD_LABEL = "converted_at"


def lead_label(label: str, *, given: bool) -> str:
    """The label of a lead spec: ``converted_at`` when none was ``given``; a ``ValueError``
    naming the fix when another one was (e.g. the churn example's ``churned_at``)."""
    if not given:
        return LEAD_LABEL
    if label != LEAD_LABEL:
        raise ValueError(
            f"entity.label is {label} but entity is lead, whose label is the leads "
            f"table's {LEAD_LABEL}: set `label: {LEAD_LABEL}` under entity, or delete the line"
        )
    return label


def lead_required_tables(tables: list[str], *, given: bool) -> list[str]:
    """The source tables a lead spec requires: the lead tables when none were ``given``; a
    ``ValueError`` naming the fix when the given ones include churn tables."""
    if not given:
        return list(LEAD_TABLES)
    churn = [t for t in tables if t in CHURN_ONLY_TABLES]
    if churn:
        raise ValueError(
            f"contract.required_tables lists churn tables ({', '.join(churn)}) but entity "
            f"is lead, which reads {', '.join(LEAD_TABLES)}: set `required_tables: "
            f"[{', '.join(LEAD_TABLES)}]` under contract, or delete the line (a lead spec "
            "requires those by default); see docs/lead-scoring.md"
        )
    return tables
