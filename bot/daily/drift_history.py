"""The weighted drift of the runs before a day, for the pause rule's persistence.

The runs are the scored ones (failed runs and days paused before scoring have no drift), one
per day (its newest), newest first; a run scored by another model ends the streak, since a new
model brings a new reference.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.drift_reading import weighted_psi
from storage.models import DriftStat, ScoringRun


def earlier_weighted_drift(
    session: Session, as_of: dt.date, model_version_id: int, runs: int
) -> list[float | None]:
    """The weighted PSI of the ``runs`` scored days before ``as_of``, newest first, stopping at
    the first day that was not scored by ``model_version_id`` (None: a run without weights)."""
    if runs < 1:
        return []
    found = session.execute(
        select(ScoringRun.id, ScoringRun.as_of, ScoringRun.model_version_id)
        .where(ScoringRun.as_of < as_of, ScoringRun.status == "succeeded")
        .where(ScoringRun.id.in_(select(DriftStat.run_id)))
        .order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc())
        .limit(runs * 4)
    ).all()
    out: list[float | None] = []
    seen: set[dt.date] = set()
    for run_id, day, model_id in found:
        if day in seen:
            continue
        seen.add(day)
        if model_id != model_version_id or len(out) == runs:
            break
        rows = session.execute(
            select(DriftStat.feature, DriftStat.psi, DriftStat.weight).where(
                DriftStat.run_id == run_id
            )
        ).all()
        out.append(weighted_psi({"psi": p, "weight": w} for _, p, w in rows))
    return out
