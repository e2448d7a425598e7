"""The daily job: ingest → score → alert policy → outbox → post, for one ``as_of`` day.

One ``ScoringRun`` per day holds the result: status, counts, model version, whether the day
is served from fallback (and why, and from which run), and errors. The job is safe to rerun:

* a day whose run finished is not scored again; the rerun only posts what is still pending,
  so a crash half-way through posting is finished by the next run and nothing is posted twice
  (the outbox marks each alert, ``alert_key`` allows one alert per account and day);
* the run is claimed in ``job_runs`` first, so replicas and a person's ``atrisk run`` never
  run the same day at the same time (``storage.job_lock``).

When the day's scores are not fresh model output (see ``bot.daily.fallback``) the last good
run's flagged accounts are alerted instead, through the same policy, with the banner; the
owners get one ops message per cause and day; the kill switch goes to ``fallback`` and back to
``active`` after the next good run (``disabled`` only ever changes by a person).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.daily import fallback
from bot.daily.fallback import FallbackCause
from bot.daily.fallback_alerts import any_posted, discard_unposted, write_fallback_alerts
from bot.errors import AtriskError, expected_errors
from bot.lifecycle import model_state
from bot.spec import Spec
from playbooks import Library
from storage import job_lock
from storage.errors import StorageError
from storage.models import Alert, ModelVersion, ScoringRun

if TYPE_CHECKING:
    from bot.ports import Root

log = logging.getLogger(__name__)

JOB = "daily"

Scorer = Callable[["Root", dt.date, str], Any]
Poster = Callable[["Root"], Any]
Ingester = Callable[["Root", str], Any]


class DailyRunBusy(AtriskError):
    """The day is being run right now by another process."""


@dataclass
class DailyReport:
    """What one daily job did; ``atrisk run --json`` prints it."""

    as_of: dt.date
    trigger: str
    run_id: int | None = None
    status: str = "not run"  # the run's: succeeded | failed; or skipped (another replica ran it)
    model_version: str | None = None
    reused: bool = False  # the day was scored before: only pending alerts were posted
    ingested: str | None = None
    fallback: bool = False
    fallback_cause: str | None = None
    served_from: dt.date | None = None
    banner: str | None = None
    n_scored: int = 0
    n_flagged: int = 0
    n_alerts: int = 0
    alerts: dict[str, int] = field(default_factory=dict)  # the day's alerts by status
    errors: list[str] = field(default_factory=list)
    posting_failed: bool = False  # posting raised or stopped early: the alerts stay pending

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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
    """
    spec = ctx.spec
    as_of = as_of or today_in(spec)
    report = DailyReport(as_of=as_of, trigger=trigger)
    stale_after = job_lock.default_stale_after(spec.freshness.latency_budget_seconds)
    held = job_lock.claim(
        ctx.engine, JOB, as_of.isoformat(), stale_after=stale_after, rerun=trigger != "scheduler"
    )
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
        ingester=(ingester or _default_ingester) if ingest else None,
        rescore=rescore,
    )
    try:
        _run(ctx, report, steps)
    except BaseException as e:
        job_lock.finish(ctx.engine, held, error=f"{type(e).__name__}: {e}")
        raise
    job_lock.finish(ctx.engine, held, error="; ".join(report.errors) or None)
    return report


@dataclass(frozen=True)
class _Steps:
    scorer: Scorer
    poster: Poster | None  # None: leave the alerts pending
    ingester: Ingester | None  # None: no ingest
    rescore: bool = False


def _run(ctx: Root, report: DailyReport, steps: _Steps) -> None:
    as_of = report.as_of
    with ctx.uow() as uow:
        run = _day_run(uow.session, as_of)
        finished = run is not None and _finished(run) and not steps.rescore
        uow.commit()  # an abandoned "running" run is now marked failed
    cause: FallbackCause | None = None
    run_id: int | None = None
    if finished and run is not None:
        report.reused, run_id = True, run.id
    else:
        cause = _ingest(ctx, report, steps.ingester)
        if cause is None:
            with ctx.uow() as uow:
                cause = fallback.before_scoring(uow.session, ctx.spec, as_of)
        if cause is None:
            run_id, cause = _score(ctx, report, steps.scorer)
    run_id = _settle(ctx, as_of, report.trigger, run_id, cause)
    if steps.poster is not None:
        _post(ctx, report, steps.poster)
    _describe(ctx, report, run_id)


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
    """Done for the day: scored, or failed and already served from fallback."""
    return run.status == "succeeded" or (run.status == "failed" and run.fallback)


def _ingest(ctx: Root, report: DailyReport, ingester: Ingester | None) -> FallbackCause | None:
    source = ctx.spec.resolve(ctx.spec.contract.source)
    if source is None or ingester is None:
        return None
    try:
        result = ingester(ctx, source)
    except StorageError as e:
        report.errors.append(f"ingest refused: {e}")
        return FallbackCause("invalid_input", f"the input at {source} was refused: {e}")
    except Exception as e:
        log.exception("ingest of %s failed", source)
        report.errors.append(f"ingest failed: {type(e).__name__}: {e}")
        return FallbackCause("invalid_input", f"ingest of {source} failed: {type(e).__name__}: {e}")
    report.ingested = str(result) if result is not None else source
    return None


def _score(ctx: Root, report: DailyReport, scorer: Scorer) -> tuple[int, FallbackCause | None]:
    """Run the model; a failure (recorded by the scorer or here) becomes ``run_failed``."""
    error: str | None = None
    with ctx.uow() as uow:
        before = _day_run(uow.session, report.as_of)
        before_id = before.id if before is not None else 0
    try:
        scorer(ctx, report.as_of, report.trigger)
    except expected_errors() as e:
        log.warning("scoring for %s failed: %s", report.as_of, e)
        error = str(e)
    except Exception as e:
        log.exception("scoring for %s failed", report.as_of)
        error = f"{type(e).__name__}: {e}"
    with ctx.uow() as uow:
        run = _day_run(uow.session, report.as_of)
        if run is None or run.id <= before_id:  # the scorer recorded nothing
            run = ScoringRun(as_of=report.as_of, status="failed", trigger=report.trigger)
            uow.session.add(run)
        if error and run.status == "succeeded":
            error = None  # the scoring itself was recorded; the error came after it
        elif error and not run.error:
            run.status, run.error = "failed", error
        run.finished_at = run.finished_at or dt.datetime.now(dt.UTC)
        uow.commit()
        run_id, status, run_error = run.id, run.status, run.error
    if status != "succeeded":
        report.errors.append(f"scoring failed: {run_error}")
        return run_id, FallbackCause("run_failed", run_error or "the scoring run failed")
    return run_id, None


def _settle(
    ctx: Root, as_of: dt.date, trigger: str, run_id: int | None, cause: FallbackCause | None
) -> int:
    """Serve fallback or confirm fresh output; the run row, alerts and state in one transaction."""
    announce: list[tuple[str, str, str]] = []
    with ctx.uow() as uow:
        s = uow.session
        run = s.get(ScoringRun, run_id) if run_id is not None else None
        if run is None:
            run = ScoringRun(as_of=as_of, status="succeeded", trigger=trigger, n_scored=0)
            run.finished_at = dt.datetime.now(dt.UTC)
            s.add(run)
            s.flush()
        elif cause is None and run.fallback:
            return run.id  # served from fallback earlier: nothing left to decide
        elif cause is None and run.status == "succeeded" and not any_posted(s, run.id):
            cause = fallback.drift_cause(s, ctx.spec, run.id)
        if cause is not None:
            announce += _serve_fallback(s, ctx.spec, run, cause, ctx.playbooks)
        elif run.status == "succeeded" and _newest_day(s, run) and model_state.leave_fallback(s):
            announce.append(
                (
                    f"model-state:active:{as_of.isoformat()}",
                    f":white_check_mark: The churn model is back: the run for {as_of.isoformat()} "
                    "scored fresh input, so alerts use today's scores again.",
                    "model",
                )
            )
        uow.commit()
        run_id = run.id
    for key, text, about in announce:
        model_state.announce(ctx, key, text, about)
    return run_id


def _newest_day(s: Session, run: ScoringRun) -> bool:
    later = select(ScoringRun.id).where(ScoringRun.as_of > run.as_of).limit(1)
    return s.scalar(later) is None


def _serve_fallback(
    s: Session, spec: Spec, run: ScoringRun, cause: FallbackCause, library: Library
) -> list[tuple[str, str, str]]:
    """Alerts of the day from the last good run (or none), the run marked, the state switched."""
    served = fallback.last_good_run(s, run.as_of, exclude_run_id=run.id)
    discard_unposted(s, run.id)
    n_alerts = write_fallback_alerts(s, spec, run, served, library) if served is not None else 0
    run.fallback, run.fallback_cause = True, cause.text()
    run.served_from_run_id = served.id if served is not None else None
    run.n_alerts = n_alerts
    if _newest_day(s, run):  # replaying an old day does not change today's state
        model_state.enter_fallback(s, cause.code)
    day = run.as_of.isoformat()
    if served is None:
        serving = f"{fallback.no_scores_text(run.as_of)}"
    else:
        serving = (
            f"Serving the scores of {served.as_of.isoformat()} with the banner "
            f"“{fallback.banner_text(served.as_of)}”: {n_alerts} alerts for today."
        )
    text = f":warning: Churn model paused for {day} — {cause.detail}. {serving}"
    return [(f"fallback:{day}:{cause.code}", text, fallback.CAUSES[cause.code])]


def _post(ctx: Root, report: DailyReport, poster: Poster) -> None:
    try:
        posted = poster(ctx)
    except Exception as e:  # alerts stay pending: the next run posts them
        log.exception("posting alerts failed")
        report.errors.append(f"posting failed (alerts stay pending): {type(e).__name__}: {e}")
        report.posting_failed = True
        return
    trouble = getattr(posted, "trouble", None)
    if trouble:
        report.errors.append(f"{trouble} (alerts stay pending)")
        report.posting_failed = True


def _describe(ctx: Root, report: DailyReport, run_id: int) -> None:
    with ctx.uow() as uow:
        s = uow.session
        run = s.get(ScoringRun, run_id)
        assert run is not None
        report.run_id, report.status = run.id, run.status
        report.n_scored, report.n_flagged, report.n_alerts = run.n_scored, run.n_flagged, 0
        report.fallback, report.fallback_cause = run.fallback, run.fallback_cause
        if run.model_version_id is not None:
            model = s.get(ModelVersion, run.model_version_id)
            report.model_version = model.version if model else None
        if run.served_from_run_id is not None:
            served = s.get(ScoringRun, run.served_from_run_id)
            if served is not None:
                report.served_from = served.as_of
                report.banner = fallback.banner_text(served.as_of)
        elif run.fallback:
            report.banner = fallback.no_scores_text(run.as_of)
        counts = s.execute(
            select(Alert.status, func.count())
            .where(Alert.as_of == report.as_of)
            .group_by(Alert.status)
        ).all()
        report.alerts = {str(status): int(n) for status, n in counts}
        report.n_alerts = sum(report.alerts.values())


# ---------------------------------------------------------------- the real adapters


def _default_scorer(ctx: Root, as_of: dt.date, trigger: str) -> Any:
    from bot.daily.scoring_run import run_scoring

    return run_scoring(ctx, as_of=as_of, trigger=trigger, post=False)


def default_poster(ctx: Root) -> Any:
    from bot.delivery.post_alerts import post_pending

    return post_pending(ctx)


def _default_ingester(ctx: Root, source: str) -> Any:
    from storage.ingest import ingest

    contract = ctx.spec.contract
    tables = list(contract.required_tables)
    if contract.features == "account_features" and "account_features" not in tables:
        tables.append("account_features")
    return ingest(source, ctx.engine, required_tables=tables)
