"""``atrisk score``: score one day again, under the kill switch and the fallback rules.

The day goes through the daily job (no ingest, rescoring allowed), so a disabled model, stale
input or accuracy below the floor serve the last good scores exactly as the scheduled run would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.daily import job
from bot.daily.decide import ScoringResult
from bot.daily.fallback import newest_event
from bot.daily.job import DailyReport, run_daily
from bot.errors import AtriskError
from storage.models import ScoringRun
from storage.repositories import model_versions as models_repo
from storage.repositories.scores import latest_data_date

if TYPE_CHECKING:
    from bot.ports import Root


@dataclass
class ScoredDay:
    """``atrisk score``: the scoring report (None when the model did not run), the day's
    report (fallback and why), and the scorer's error for the command to re-raise."""

    day: DailyReport
    scoring: Any | None = None  # bot.daily.scoring_run.ScoringReport
    error: BaseException | None = None
    posting: Any | None = None  # bot.delivery.post_alerts.PostReport

    def fallback_json(self) -> dict[str, Any]:
        d = self.day
        return {
            "scored": self.scoring is not None,
            "fallback": d.fallback,
            "fallback_cause": d.fallback_cause,
            "served_from": d.served_from.isoformat() if d.served_from else None,
            "banner": d.banner,
            "alerts_of_the_day": d.alerts,
        }


def score_day(ctx: Root, as_of: dt.date | None = None, *, post: bool = True) -> ScoredDay:
    """Score ``as_of`` again (no ingest) under the kill switch and the fallback rules.

    ``as_of`` None: the default day (``bot.daily.default_day``), with its warning when the
    data stops before yesterday.

    A disabled model, stale input or accuracy below the floor serve the last good scores
    instead of scoring; drift over the threshold replaces the fresh alerts by them.
    """
    from bot.daily.default_day import default_day
    from bot.daily.scoring_run import compute_scoring, pending_sentence, scoring_report

    ctx.require_schema()
    warnings: list[str] = []
    if as_of is None:
        chosen = default_day(ctx)
        as_of, warning = chosen.day, chosen.warning()
        warnings += [warning] if warning else []
    day = as_of
    refuse_before_anything(ctx, day)
    out = ScoredDay(DailyReport(as_of=day, trigger="cli"))
    results: list[ScoringResult] = []

    def scorer(c: Root, d: dt.date) -> ScoringResult:
        try:
            results.append(compute_scoring(c, d))
        except BaseException as e:
            out.error = e
            raise
        return results[-1]

    def poster(c: Root) -> Any:
        out.posting = job.default_poster(c)
        return out.posting

    out.day = run_daily(
        ctx, day, trigger="cli", scorer=scorer, poster=poster, ingest=False, post=post, rescore=True
    )
    out.day.warnings[:0] = warnings
    if results and out.day.written is not None:
        out.scoring = scoring_report(results[-1], out.day.written)
        out.scoring.warnings[:0] = warnings
        if out.posting is not None:
            out.scoring.posting = f"posted: {out.posting}"
        else:
            out.scoring.posting = pending_sentence(out.scoring, posted=post)
    return out


def refuse_before_anything(ctx: Root, as_of: dt.date) -> None:
    """A new installation with nothing to score with or serve: no live model and no run yet.

    Raises ``NothingToScore`` (exit 2) saying what is missing — the data, or the model — and
    the commands to run; nothing is written. With a live model, or earlier runs whose scores
    can be served, the day goes through the usual fallback rules instead.
    """
    with ctx.uow() as uow:
        s = uow.session
        if models_repo.in_state(s, state="live") is not None:
            return
        if s.scalar(select(ScoringRun.id).limit(1)) is not None:
            return
        ingested = latest_data_date(s)
    if ingested is None:
        with ctx.source_engine.connect() as source:
            ingested = newest_event(source, ctx.spec, as_of)
    if ingested is None:
        raise NothingToScore(
            "No data ingested yet, and no model: run `atrisk ingest SOURCE` (your folder of "
            "CSV/Parquet files, see docs/quickstart-own-data.md), then `atrisk train`, then "
            "`atrisk score`."
        )
    raise NothingToScore(
        f"No model yet (data is ingested through {ingested.isoformat()}): run `atrisk train` "
        "to train one (or serve the rules score), then `atrisk score`."
    )


class NothingToScore(AtriskError):
    """``atrisk score`` on a new installation: no data or no model yet (exit 2)."""
