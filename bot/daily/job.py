"""The daily job: ingest → score → alert policy → outbox → post, for one ``as_of`` day.

One ``ScoringRun`` per day holds the result: status, counts, model version, whether the day
is served from fallback (and why, and from which run), and errors. The job is safe to rerun:

* a day whose run finished is not scored again; the rerun only posts what is still pending,
  so a crash half-way through posting is finished by the next run and nothing is posted twice
  (the outbox marks each alert, ``alert_key`` allows one alert per account and day);
* a day whose scoring failed is scored again by the next run (``atrisk run`` or the
  scheduler); the alerts its fallback served keep their keys, so none is written twice;
* the run is claimed in ``job_runs`` first, so replicas and a person's ``atrisk run`` never
  run the same day at the same time (``storage.job_lock``).

The job first learns the day (ingest, the causes known before scoring, the model's scores,
which it does not write), then decides it (``bot.daily.decide``: fresh scores, or the last
good run's flagged accounts with the cause), then writes the run, its scores and its alerts in
one transaction (``bot.daily.day_writer``); alerts are never deleted. A paused day's alerts go
through the same policy and builder as fresh ones and carry the banner; the owners get one ops
message per cause and day; the kill switch goes to ``fallback`` and back to ``active`` after
the next good run (``disabled`` only ever changes by a person).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import not_, select
from sqlalchemy.orm import Session

from bot.daily import day_writer, fallback
from bot.daily.daily_report import DailyReport, describe_run
from bot.daily.day_notices import day_notices
from bot.daily.decide import FallbackCause, ScoringResult, decide_day
from bot.daily.drift_history import earlier_weighted_drift
from bot.errors import AtriskError, RunFailed, expected_errors
from bot.lifecycle import model_state
from bot.spec import Spec
from storage import job_lock
from storage.connection import brief
from storage.errors import ConnectionLost, DatabaseUnavailable, StorageError
from storage.models import ScoringRun
from storage.repositories import scores as scores_repo

if TYPE_CHECKING:
    from bot.ports import Root

log = logging.getLogger(__name__)

JOB = "daily"


def job_name(spec: Spec) -> str:
    """The daily job's name in ``job_runs``: one claim per product and day (churn's is
    ``daily``, the lead product's ``lead:daily``)."""
    return spec.job_name(JOB)


Scorer = Callable[["Root", dt.date], ScoringResult]
Poster = Callable[["Root"], Any]
Ingester = Callable[["Root", str], Any]


class DailyRunBusy(AtriskError):
    """The day is being run right now by another process."""


def today_in(spec: Spec, now: dt.datetime | None = None) -> dt.date:
    """Today's date in ``freshness.timezone`` (the day a run at 06:00 local time scores)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(spec.freshness.timezone)).date()


def run_daily(
    ctx: Root,
    as_of: dt.date | None = None,
    *,
    trigger: str = "cli",
    scorer: Scorer | None = None,
    poster: Poster | None = None,
    ingester: Ingester | None = None,
    ingest: bool = True,
    post: bool = True,
    rescore: bool = False,
) -> DailyReport:
    """Run the day once (claimed in ``job_runs``); a scheduled run skips a day already done.

    A person's run (``trigger != "scheduler"``) may rerun a finished day: it scores nothing
    again (unless ``rescore``, as ``atrisk score`` does) and posts whatever is still pending.
    ``ingest=False`` skips the ingest step, ``post=False`` leaves the alerts pending.
    ``as_of`` None: the ingest runs first, then the default day is taken
    (``bot.daily.default_day``: the day after the newest data, never after today), with a
    warning in the report when the data stops before yesterday.
    """
    spec = ctx.spec
    ingester = (ingester or _default_ingester) if ingest else None
    early: _Early | None = None
    if as_of is None:  # ingest first: the default day follows the newest data
        early = _choose_day(ctx, trigger, ingester)
        as_of, ingester = early.report.as_of, None
    report = early.report if early is not None else DailyReport(as_of=as_of, trigger=trigger)
    stale_after = job_lock.default_stale_after(spec.freshness.latency_budget_seconds)
    try:
        held = job_lock.claim(
            ctx.engine,
            job_name(spec),
            as_of.isoformat(),
            stale_after=stale_after,
            rerun=trigger != "scheduler",
        )
    except ConnectionLost as e:
        _record_lost(ctx, report, e)
        raise
    if held is None:
        if trigger == "scheduler":
            report.status = "skipped"
            return report
        raise DailyRunBusy(
            f"The daily job for {as_of.isoformat()} is running in another process right now; "
            "try again when it has finished (see `atrisk status`)."
        )
    steps = _Steps(
        scorer=scorer or _default_scorer,
        poster=(poster or default_poster) if post else None,
        ingester=ingester,
        rescore=rescore,
        ingest_cause=early.cause if early is not None else None,
    )
    try:
        _run(ctx, report, steps)
    except BaseException as e:
        if isinstance(e, ConnectionLost):
            _record_lost(ctx, report, e)
        job_lock.finish(ctx.engine, held, error=brief(e))
        raise
    job_lock.finish(ctx.engine, held, error="; ".join(report.errors) or None)
    return report


@dataclass(frozen=True)
class _Steps:
    scorer: Scorer
    poster: Poster | None  # None: leave the alerts pending
    ingester: Ingester | None  # None: no ingest
    rescore: bool = False
    ingest_cause: FallbackCause | None = None  # what an ingest before the claim refused


@dataclass(frozen=True)
class _Early:
    """A run without a day: the ingest done first, and the day chosen after it."""

    report: DailyReport
    cause: FallbackCause | None


def _choose_day(ctx: Root, trigger: str, ingester: Ingester | None) -> _Early:
    """Ingest (when asked), then take the default day (``bot.daily.default_day``)."""
    from bot.daily.default_day import default_day

    report = DailyReport(as_of=today_in(ctx.spec, ctx.clock()), trigger=trigger)
    cause = _ingest(ctx, report, ingester)
    chosen = default_day(ctx)
    report.as_of = chosen.day
    warning = chosen.warning()
    if warning:
        report.warnings.append(warning)
    return _Early(report, cause)


def _run(ctx: Root, report: DailyReport, steps: _Steps) -> None:
    with ctx.uow() as uow:
        run = _day_run(uow.session, report.as_of)
        finished = run is not None and _finished(run) and not steps.rescore
        uow.commit()  # an abandoned "running" run is now marked failed
    if finished and run is not None:
        report.reused, run_id = True, run.id
    else:
        run_id = _decide_and_write(ctx, report, steps)
    if steps.poster is not None:
        _post(ctx, report, steps.poster)
    describe_run(ctx, report, run_id)


def _record_lost(ctx: Root, report: DailyReport, lost: ConnectionLost) -> None:
    """Record the attempt as a failed run once the database answers again (if it does not,
    the next run finds an unfinished run abandoned)."""
    try:
        with ctx.uow() as uow:
            run = scores_repo.fail_attempt(
                uow.session, as_of=report.as_of, trigger=report.trigger, error=str(lost)
            )
            uow.commit()
            report.run_id, report.status = run.id, run.status
    except Exception as e:
        log.warning("could not record the failed run for %s: %s", report.as_of, brief(e))
    report.errors.append(str(lost))


def _day_run(session: Session, as_of: dt.date) -> ScoringRun | None:
    """The day's newest run; one left ``running`` by a dead process is marked failed."""
    run = session.scalars(
        select(ScoringRun).where(ScoringRun.as_of == as_of).order_by(ScoringRun.id.desc()).limit(1)
    ).first()
    if run is not None and run.status == "running":
        run.status = "failed"
        run.error = "abandoned: the process running it stopped before it finished"
        run.finished_at = dt.datetime.now(dt.UTC)
    return run


def _finished(run: ScoringRun) -> bool:
    """Done for the day: the run succeeded (fresh, or paused before scoring). A failed run is
    not done: the next run of the day scores it again, and the alerts the failed attempt
    served from fallback keep their keys, so none is written or posted twice."""
    return run.status == "succeeded"


def _decide_and_write(ctx: Root, report: DailyReport, steps: _Steps) -> int:
    """Learn the day (ingest, causes, the model's scores), decide it, then write it once."""
    as_of, spec = report.as_of, ctx.spec
    cause = steps.ingest_cause or _ingest(ctx, report, steps.ingester)
    if cause is None:
        with ctx.uow() as uow, ctx.source_engine.connect() as source:
            cause = fallback.before_scoring(uow.session, spec, as_of, source=source)
    scoring: ScoringResult | None = None
    error: str | None = None
    if cause is None:
        scoring, error = _score(ctx, report, steps.scorer)
        if error is not None:
            cause = FallbackCause("run_failed", error)
        elif scoring is not None and scoring.floor_note:
            report.warnings.append(scoring.floor_note)
    with ctx.uow() as uow:
        s = uow.session
        earlier = (
            earlier_weighted_drift(s, as_of, scoring.model_version_id, spec.drift.persist_runs - 1)
            if scoring is not None
            else []
        )
        plan = decide_day(
            as_of=as_of,
            scoring=scoring,
            cause=cause,
            model_state=model_state.read_state(s).state,
            last_good=day_writer.last_good(s, as_of),
            spec=spec,
            newest_day=_newest_day(s, as_of),
            earlier_drift=earlier,
        )
        if scoring is not None and plan.drift_warning:
            scoring.warnings.append(plan.drift_warning)
        written = day_writer.write_day(
            s,
            plan,
            spec=spec,
            library=ctx.playbooks,
            trigger=report.trigger,
            scoring=scoring,
            error=error,
        )
        uow.commit()
    report.written = written
    version = scoring.model_version if scoring is not None else None
    for key, text, about in day_notices(plan, written, model_state.model_name(ctx), version):
        model_state.announce(ctx, key, text, about)
    return written.run_id


def _ingest(ctx: Root, report: DailyReport, ingester: Ingester | None) -> FallbackCause | None:
    source = ctx.spec.resolve(ctx.spec.contract.source)
    if source is None or ingester is None:
        return None
    try:
        result = ingester(ctx, source)
    except DatabaseUnavailable:
        raise  # atrisk's own database, not the input: the run fails (a rerun is safe)
    except StorageError as e:
        report.errors.append(f"ingest refused: {e}")
        return FallbackCause("invalid_input", f"the input at {source} was refused: {e}")
    except Exception as e:
        log.exception("ingest of %s failed", source)
        report.errors.append(f"ingest failed: {brief(e)}")
        return FallbackCause("invalid_input", f"ingest of {source} failed: {brief(e)}")
    report.ingested = str(result) if result is not None else source
    return None


def _score(
    ctx: Root, report: DailyReport, scorer: Scorer
) -> tuple[ScoringResult | None, str | None]:
    """Run the model: its result, or the error that becomes ``run_failed``."""
    try:
        return scorer(ctx, report.as_of), None
    except expected_errors() as e:
        log.warning("scoring for %s failed: %s", report.as_of, e)
        wrapped = e.__cause__ if isinstance(e, RunFailed) else None  # an unexpected error
        error = f"{type(wrapped).__name__}: {wrapped}" if wrapped is not None else str(e)
    except Exception as e:
        log.exception("scoring for %s failed", report.as_of)
        error = brief(e)  # the run's error and the owners' notice: never the SQL
    report.errors.append(f"scoring failed: {error}")
    return None, error


def _newest_day(s: Session, as_of: dt.date) -> bool:
    """No later day was run (a later run that scored and served nothing does not count)."""
    later = (
        select(ScoringRun.id)
        .where(ScoringRun.as_of > as_of, not_(fallback.served_nothing()))
        .limit(1)
    )
    return s.scalar(later) is None


def _post(ctx: Root, report: DailyReport, poster: Poster) -> None:
    try:
        posted = poster(ctx)
    except Exception as e:  # alerts stay pending: the next run posts them
        log.exception("posting alerts failed")
        report.errors.append(f"posting failed (alerts stay pending): {brief(e)}")
        report.posting_failed = True
        return
    trouble = getattr(posted, "trouble", None)
    if trouble:
        report.errors.append(f"{trouble} (alerts stay pending)")
        report.posting_failed = True


# ---------------------------------------------------------------- the real adapters


def _default_scorer(ctx: Root, as_of: dt.date) -> ScoringResult:
    from bot.daily.scoring_run import compute_scoring

    return compute_scoring(ctx, as_of)


def default_poster(ctx: Root) -> Any:
    from bot.delivery.post_alerts import post_pending

    return post_pending(ctx)


def _default_ingester(ctx: Root, source: str) -> Any:
    from storage.ingest import ingest

    contract = ctx.spec.contract
    tables = list(contract.required_tables)
    if contract.features == "account_features" and "account_features" not in tables:
        tables.append("account_features")
    if ctx.source_in_place:
        from storage.source_checks import check_in_place

        return check_in_place(ctx.source_engine, ctx.engine, required_tables=tables)
    return ingest(source, ctx.engine, required_tables=tables, source_engine=ctx.source_engine)
