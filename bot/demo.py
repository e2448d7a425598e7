"""The demo: the whole loop, replayed on a synthetic company, with no Slack workspace needed.

Timeline (T = today): the company's history ends at T. A model is trained on data before
T − 63 days, five weekly daily-runs are replayed from T − 63 to T − 35 (alerts to the dry-run
outbox, each recorded as posted at 06:00 UTC on its day), simulated CSMs click on them, the
accounts they acted on have their churn redrawn from the treated hazard (synth's true playbook
effects), their 30-day outcomes are read at T, today's run scores T, and the report is
written. Every step but the redraw is the product's own code path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.bootstrap import Context
from bot.demo_effects import apply_playbook_effects, date_posts
from storage.models import Action, Alert, TeamMember
from synth import SyntheticCompany

REPLAY_WEEKS = 5
REPLAY_START_DAYS = 63  # the first replayed day, counted back from today


@dataclass
class DemoStep:
    name: str
    seconds: float
    detail: str


@dataclass
class DemoReport:
    today: dt.date
    database_url: str
    out_dir: Path
    steps: list[DemoStep] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _unit(key: str) -> float:
    """A stable pseudo-random number in [0, 1) from a key (same on every run and machine)."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) / float(16**12)


def simulate_clicks(
    ctx: Context,
    days: list[dt.date],
    *,
    now: dt.datetime,
    act_share: float = 0.55,
    dismiss_share: float = 0.12,
) -> dict[str, int]:
    """Simulated CSMs: most act on their alerts (the first playbook), some dismiss, some ignore.

    Clicks go through the same service the Slack buttons call, so they are recorded once;
    each is dated shortly after its alert was posted, and never after ``now``.
    """
    from bot.feedback.actions import Clicker, record_dismissal, record_playbook
    from bot.feedback.permissions import NotYours, Where
    from playbooks import DISMISSAL_REASONS

    reasons = [r.id for r in DISMISSAL_REASONS if r.id != "other"]
    counts = {"playbook": 0, "dismissal": 0, "ignored": 0}
    with ctx.uow() as uow:
        alerts = list(
            uow.session.scalars(
                select(Alert)
                .where(Alert.status == "posted", Alert.as_of.in_(days))
                .order_by(Alert.id)
            )
        )
        slack_ids = dict(
            uow.session.execute(select(TeamMember.email, TeamMember.slack_user_id)).all()
        )
        done = set(uow.session.scalars(select(Action.alert_id)))
    for alert in alerts:
        if alert.id in done:
            continue
        u = _unit(alert.alert_key)
        csm = _csm_eagerness(alert.csm_email or "")
        posted = alert.posted_at or dt.datetime.combine(alert.as_of, dt.time(6), dt.UTC)
        if posted.tzinfo is None:  # SQLite hands back naive UTC
            posted = posted.replace(tzinfo=dt.UTC)
        when = posted + dt.timedelta(hours=0.2 + 40 * _unit(alert.alert_key + ":t") ** 2)
        when = min(when, now)  # a simulated click is never dated after "now"
        clicker = Clicker(slack_user_id=slack_ids.get(alert.csm_email or "") or "U0DEMO")
        where = Where(alert.posted_channel, alert.posted_ts)
        try:
            if u < act_share * csm and alert.playbooks:
                record_playbook(
                    ctx,
                    alert_id=alert.id,
                    playbook_id=alert.playbooks[0]["id"],
                    clicker=clicker,
                    where=where,
                    library=ctx.playbooks,
                    now=when,
                    today=when.date(),
                )
                counts["playbook"] += 1
            elif u < (act_share + dismiss_share) * csm:
                reason = reasons[int(_unit(alert.alert_key + ":r") * len(reasons))]
                record_dismissal(
                    ctx,
                    alert_id=alert.id,
                    reason=reason,
                    note=None,
                    clicker=clicker,
                    library=ctx.playbooks,
                    now=when,
                    today=when.date(),
                )
                counts["dismissal"] += 1
            else:
                counts["ignored"] += 1
        except NotYours:  # a CSM without a Slack id in the team table cannot click
            counts["ignored"] += 1
    return counts


def _csm_eagerness(email: str) -> float:
    """Some CSMs use the loop more than others (0.3–1.3), so the report has something to show."""
    return 0.3 + _unit("csm:" + email)


def run_demo(
    ctx: Context,
    *,
    accounts: int,
    months: int,
    seed: int,
    out_dir: Path,
    today: dt.date,
    say: Callable[[str], None] = lambda _: None,
) -> DemoReport:
    """Run every step of the loop; each step is timed and summarised for the terminal."""
    from bot.daily.job import run_daily
    from bot.feedback.outcomes import announce_outcomes, record_outcomes
    from bot.lifecycle import model_registry
    from bot.lifecycle.training import train_model
    from bot.report.build import build_report
    from bot.report.html import render_html
    from storage.ingest import ingest
    from storage.migrate import upgrade
    from storage.repositories.feedback import load_report_frames
    from synth import generate, write_company

    report = DemoReport(
        today=today,
        out_dir=out_dir,
        database_url=ctx.engine.url.render_as_string(hide_password=True),
    )
    spec = ctx.spec

    def step(name: str, fn: Callable[[], str]) -> None:
        say(f"{name} …")
        start = time.perf_counter()
        detail = fn()
        report.steps.append(DemoStep(name, round(time.perf_counter() - start, 2), detail))

    company_dir = out_dir / "company"
    made: dict[str, SyntheticCompany] = {}

    def synth() -> str:
        company = generate(accounts=accounts, months=months, seed=seed, end=today)
        write_company(company, company_dir)
        made["company"] = company
        n = {k: len(v) for k, v in company.tables.items()}
        return (
            f"{n['accounts']:,} accounts, {n['usage']:,} usage rows, "
            f"{n['integration_runs']:,} integration runs, {n['tickets']:,} tickets"
        )

    step("synthetic company", synth)

    def database() -> str:
        upgrade(ctx.engine)
        return "migrated to head"

    step("database", database)

    def load() -> str:
        r = ingest(
            company_dir,
            ctx.engine,
            required_tables=spec.contract.required_tables,
            source_engine=ctx.source_engine,
        )
        return f"{r.rows:,} rows in one transaction"

    step("ingest", load)
    first = today - dt.timedelta(days=REPLAY_START_DAYS)

    def train() -> str:
        t = train_model(ctx, as_of=first)
        auc, base = t.metrics.test.roc_auc, t.metrics.baseline_test.roc_auc
        scores = f"; test ROC AUC {auc:.3f} vs baseline {base:.3f}" if auc and base else ""
        if t.state != "candidate":
            return f"model {t.version} → {t.state}{scores}"
        # The gate said no (a small synthetic company can favour the linear baseline). A real
        # deployment would stop here; the demo promotes it by hand so the loop can be shown.
        with ctx.uow() as uow:
            model_registry.promote(uow.session, t.version, force=True)
            uow.commit()
        return (
            f"model {t.version} did not pass the gate ({t.why}); "
            "promoted by hand for the demo (`atrisk model promote --force`)"
        )

    step("train", train)
    days = [first + dt.timedelta(weeks=w) for w in range(REPLAY_WEEKS)]

    def replay() -> str:
        posted = 0
        for day in days:
            d = run_daily(ctx, as_of=day, trigger="demo")
            posted += d.alerts.get("posted", 0)
            date_posts(ctx, day)
        return f"{len(days)} daily runs {days[0]} … {days[-1]}, {posted} alerts to the outbox"

    step("replay daily runs", replay)
    clicks: dict[str, int] = {}

    def click() -> str:
        now = dt.datetime.combine(today, dt.time(6), dt.UTC)
        clicks.update(simulate_clicks(ctx, days, now=now))
        return (
            f"{clicks['playbook']} playbooks chosen, {clicks['dismissal']} dismissed, "
            f"{clicks['ignored']} ignored"
        )

    step("simulated CSM clicks", click)

    def effects() -> str:
        saved, truth = apply_playbook_effects(ctx, made["company"], company_dir, days, seed=seed)
        report.summary.update(saved=saved, true_itt=truth)
        return (
            f"{saved} accounts saved by the playbooks chosen (churn redrawn from the treated "
            f"hazard); true average effect per alerted account {truth * 100:.1f} points"
        )

    step("true effects of the playbooks", effects)

    def outcomes() -> str:
        o = record_outcomes(ctx, today)
        announce_outcomes(ctx, o)
        states = ", ".join(f"{n} {s}" for s, n in sorted(o.by_state.items()))
        return f"{o.recorded} outcomes ({states})"

    step("30-day outcomes", outcomes)

    def today_run() -> str:
        d = run_daily(ctx, as_of=today, trigger="demo")
        return (
            f"{d.n_scored:,} accounts scored, {d.n_flagged} flagged, "
            f"{d.alerts.get('posted', 0)} alerts posted (dry run), "
            f"{d.alerts.get('held_out', 0)} held out"
        )

    step("today's run", today_run)

    def write_report() -> str:
        frames = load_report_frames(ctx.engine)
        data = build_report(
            frames,
            titles={p.id: p.title for p in ctx.playbooks},
            today=today,
            horizon_days=spec.entity.horizon_days,
            accuracy_target=spec.accuracy.target,
            accuracy_floor=spec.accuracy.floor,
            psi_threshold=spec.drift.psi_threshold,
            min_effect=spec.feedback.min_effect,
            holdout_share=spec.feedback.holdout_share,
        )
        (out_dir / "report.html").write_text(
            render_html(data, title=f"{spec.name} — demo"), encoding="utf-8"
        )
        report.summary.update(data["summary"])
        return f"{out_dir / 'report.html'}"

    step("report", write_report)
    return report
