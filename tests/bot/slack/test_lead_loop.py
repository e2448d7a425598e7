"""The lead loop on the real product path, over HTTP: a lead spec's `atrisk train` and scoring
run post hot leads to their owners' channels through the Web API, a rep's click is recorded
once by the same listeners, and someone else's rep is refused."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from sqlalchemy import select

from bot.bootstrap import Context, default_spec_path
from bot.daily.score_day import score_day
from bot.feedback.follow_ups import run_follow_ups
from bot.feedback.outcomes import announce_outcomes, record_outcomes
from bot.feedback.report import report_of
from bot.lifecycle.training import train_model
from bot.scheduler import daily_job
from bot.settings import Settings
from storage.ingest import ingest
from storage.migrate import upgrade
from storage.models import Action, Alert, JobRun, ModelVersion, Outcome, Play, ScoringRun
from synth.leads import generate_leads, write_funnel
from tests.bot.slack import signing
from tests.bot.slack.app_harness import Harness, running_app, wait_until
from tests.bot.slack.slack_double import SlackDouble

END = dt.date(2026, 2, 1)
TRAINED = END - dt.timedelta(days=28)  # two horizons back: its alerts' outcomes are known by END


def lead_spec(folder: Path) -> Path:
    """The shipped spec turned into a lead product: 14-day conversions, the top 10 % alerted."""
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    data["entity"] = {"kind": "lead", "horizon_days": 14}
    del data["contract"]["required_tables"]
    data["contract"]["key_features"] = []
    data["surface"].update(top_share=0.1, default_channel="#sales", daily_cap_per_csm=3)
    data["training"]["min_positives"] = 20
    path = folder / "leads.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def write_lead_funnel(folder: Path, *, leads: int = 900, seed: int = 3) -> pd.DataFrame:
    """A synthetic funnel in ``folder``; its team (SDRs, AEs, their manager, an admin)."""
    funnel = generate_leads(leads=leads, days=130, seed=seed, end=END)
    write_funnel(funnel, folder)
    return funnel.tables["team"]


def ingest_funnel(ctx: Context, folder: Path) -> None:
    ingest(
        folder,
        ctx.engine,
        required_tables=ctx.spec.contract.required_tables,
        source_engine=ctx.source_engine,
    )


@pytest.fixture(scope="module")
def funnel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("funnel")
    write_lead_funnel(folder)
    return folder


@pytest.fixture(scope="module")
def trained(funnel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``atrisk train`` under the lead spec, once: the registered model row's columns."""
    folder = tmp_path_factory.mktemp("train")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'atrisk.db'}", atrisk_spec=lead_spec(folder)
    )
    ctx = Context(settings=settings, create_database=True)
    try:
        upgrade(ctx.engine)
        ingest_funnel(ctx, funnel)
        report = train_model(ctx, as_of=TRAINED)
        with ctx.uow() as uow:
            row = uow.session.scalars(select(ModelVersion)).one()
            columns = {c.key: getattr(row, c.key) for c in ModelVersion.__table__.columns}
    finally:
        ctx.close()
    return {"report": report, "row": {k: v for k, v in columns.items() if k != "id"}}


def test_atrisk_train_under_a_lead_spec_registers_a_live_lead_model(
    trained: dict[str, Any],
) -> None:
    report, row = trained["report"], trained["row"]
    assert report.state == "live", report.why
    assert row["product"] == "lead" and row["feature_source"] == "leads"
    assert "demo_requests_14d" in row["features"] and "employees" in row["features"]
    assert report.metrics.test.roc_auc > 0.7


@pytest.fixture
def lead_app(
    db_url: str, slack_double: SlackDouble, tmp_path: Path, funnel: Path, trained: dict[str, Any]
) -> Iterator[Harness]:
    """The Slack app under a lead spec, its funnel ingested and the trained lead model live."""
    spec = lead_spec(tmp_path)
    with running_app(
        db_url, slack_double, seeded=False, atrisk_spec=spec, atrisk_outbox_dir=tmp_path / "out"
    ) as app:
        ingest_funnel(app.ctx, funnel)
        with app.ctx.uow() as uow:
            uow.session.add(ModelVersion(**trained["row"]))
            uow.commit()
        app.team = pd.read_csv(funnel / "team.csv")  # type: ignore[attr-defined]
        yield app


def _posted_lead_alerts(app: Harness) -> list[Alert]:
    with app.ctx.uow() as uow:
        rows = uow.session.scalars(select(Alert).where(Alert.status == "posted")).all()
        uow.session.expunge_all()
        return list(rows)


def _member(app: Harness, email: str) -> dict[str, Any]:
    team: pd.DataFrame = app.team  # type: ignore[attr-defined]
    return dict(team.set_index("email").loc[email])


def test_a_lead_spec_scores_open_leads_and_posts_hot_leads_to_their_owners_channels(
    lead_app: Harness,
) -> None:
    app = lead_app
    scored = score_day(app.ctx, END, post=True)
    assert scored.error is None and scored.scoring is not None
    assert scored.scoring.n_scored > 100 and scored.scoring.n_alerts > 0
    alerts = _posted_lead_alerts(app)
    assert alerts and all(a.product == "lead" and a.alert_key.startswith("lead:") for a in alerts)
    alert = alerts[0]
    owner = _member(app, alert.csm_email or "")
    [message] = [
        m for m in app.double.messages(owner["slack_channel"]) if m["ts"] == alert.posted_ts
    ]
    header = message["blocks"][0]["text"]["text"]
    assert header.startswith("Hot lead at ")
    facts = json.dumps(message["blocks"][1])
    assert "likely to convert in the next 14 days" in facts
    buttons = [
        e["text"]["text"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons[-1] == "Not a fit" and len(buttons) >= 2
    assert {p["id"] for p in alert.playbooks} <= {
        "call-now",
        "book-a-demo",
        "send-segment-case-study",
        "hand-to-ae",
        "nurture",
    }


def test_a_reps_click_on_a_lead_alert_is_recorded_once_and_a_stranger_is_refused(
    lead_app: Harness,
) -> None:
    app = lead_app
    score_day(app.ctx, END, post=True)
    alerts = _posted_lead_alerts(app)
    by_owner: dict[str, Alert] = {}
    for a in alerts:
        by_owner.setdefault(a.csm_email or "", a)
    assert len(by_owner) >= 2, "alerts for at least two reps"
    (owner_email, mine), (other_email, theirs) = list(by_owner.items())[:2]
    owner, other = _member(app, owner_email), _member(app, other_email)
    app.alerts.update(mine=mine.id, theirs=theirs.id)
    play = mine.playbooks[0]["id"]

    urls = []
    for _ in range(3):
        ack, url = app.click(
            "atrisk.playbook.0",
            {"alert": mine.id, "playbook": play},
            user=owner["slack_user_id"],
            alert="mine",
        )
        assert ack.status == 200
        urls.append(url)
        wait_until(lambda: app.count(Action) == 1)
    wait_until(lambda: app.double.calls_to("chat.update"))
    wait_until(lambda: all(app.double.responses(u) for u in urls[1:]))
    [action] = app.actions()
    assert (action.alert_id, action.playbook_id, action.user_email) == (mine.id, play, owner_email)
    [update] = app.double.calls_to("chat.update")
    acted = [b for b in update.params["blocks"] if b.get("block_id") == "atrisk.acted"]
    assert acted and "chose" in acted[0]["elements"][0]["text"]

    ack, url = app.click(
        "atrisk.playbook.0",
        {"alert": theirs.id, "playbook": theirs.playbooks[0]["id"]},
        user=owner["slack_user_id"],
        alert="theirs",
    )
    assert ack.status == 200
    answer = app.wait_for_response(url)
    assert f"This is {other['name']}'s lead" in answer["text"]
    assert app.count(Action) == 1, "nothing recorded for someone else's lead"


def test_the_sales_manager_may_act_on_a_reps_lead(lead_app: Harness) -> None:
    app = lead_app
    score_day(app.ctx, END, post=True)
    alert = _posted_lead_alerts(app)[0]
    team: pd.DataFrame = app.team  # type: ignore[attr-defined]
    manager = team[team["role"] == "manager"].iloc[0]
    app.alerts["lead"] = alert.id
    ack, _ = app.click(
        "atrisk.playbook.0",
        {"alert": alert.id, "playbook": alert.playbooks[0]["id"]},
        user=str(manager["slack_user_id"]),
        alert="lead",
    )
    assert ack.status == 200
    wait_until(lambda: app.count(Action) == 1)
    [action] = app.actions()
    assert action.user_email == manager["email"]


def test_a_lead_alerts_outcome_reads_converted_on_in_its_thread(lead_app: Harness) -> None:
    app = lead_app
    day = TRAINED
    score_day(app.ctx, day, post=True)
    alert = _posted_lead_alerts(app)[0]
    owner = _member(app, alert.csm_email or "")
    app.alerts["lead"] = alert.id
    app.click(
        "atrisk.playbook.0",
        {"alert": alert.id, "playbook": alert.playbooks[0]["id"]},
        user=owner["slack_user_id"],
        alert="lead",
    )
    wait_until(lambda: app.count(Action) == 1)
    report = record_outcomes(app.ctx, END)
    assert report.recorded > 0
    assert set(report.by_state) <= {"converted", "not_converted"}
    announce_outcomes(app.ctx, report)
    threads = [m for m in app.double.messages() if m.get("thread_ts")]
    steps = [m for m in threads if m["text"].startswith("Your steps: ")]
    assert [m["text"] for m in steps] == [f"Your steps: {alert.playbooks[0]['title']}"]
    assert steps[0]["thread_ts"] == alert.posted_ts, "the play's steps in the alert's thread"
    replies = [m for m in threads if m not in steps]
    texts = {r["text"] for r in replies}
    assert len(replies) == report.announced > 0
    with app.ctx.uow() as uow:
        converted = uow.session.scalars(select(Outcome).where(Outcome.state == "converted")).all()
        assert all(o.observed_on > day for o in converted)
    assert any(t.startswith("🎉 Converted on ") for t in texts) == bool(converted)
    assert all(
        t.startswith("🎉 Converted on ") or t == "Not converted within 14 days of the alert"
        for t in texts
    )
    leads = report_of(app.ctx, today=END)["leads"]
    assert leads["posted"] == report.announced and leads["acted"] == 1
    assert leads["posted"] + leads["held_out"] == report.recorded
    converted = sum(g["converted"] for g in leads["groups"].values())
    assert converted == report.by_state.get("converted", 0)


def _text_of(answer: dict[str, Any]) -> str:
    return "\n".join(b.get("text", {}).get("text", "") for b in answer.get("blocks", []))


def test_atrisk_leads_answers_a_rep_with_their_hottest_leads_reasons_and_who_acted(
    lead_app: Harness,
) -> None:
    app = lead_app
    score_day(app.ctx, END, post=True)
    alerts = _posted_lead_alerts(app)
    owner_email = max(
        {a.csm_email for a in alerts}, key=lambda e: sum(a.csm_email == e for a in alerts)
    )
    owner = _member(app, owner_email or "")
    mine = [a for a in alerts if a.csm_email == owner_email]
    app.alerts["mine"] = mine[0].id
    ack, _ = app.click(
        "atrisk.playbook.0",
        {"alert": mine[0].id, "playbook": mine[0].playbooks[0]["id"]},
        user=owner["slack_user_id"],
        alert="mine",
    )
    assert ack.status == 200
    wait_until(lambda: app.count(Action) == 1)

    answer = app.answer("leads", user=owner["slack_user_id"])
    text = _text_of(answer)
    assert text.startswith("*Hot leads — your leads (scored ")
    lines = [b["text"]["text"] for b in answer["blocks"][1:] if b["type"] == "section"]
    assert lines and all(owner["name"] in line for line in lines), "only the rep's own leads"
    assert any(f"✅ {mine[0].playbooks[0]['title']} ({owner['name']})" in line for line in lines)
    assert all("%" in line.split("\n")[0] and "in 14 days" in line for line in lines)

    team: pd.DataFrame = app.team  # type: ignore[attr-defined]
    manager = team[team["role"] == "manager"].iloc[0]
    everyone = _text_of(app.answer("leads 40", user=str(manager["slack_user_id"])))
    assert "your team's leads" in everyone
    assert len({a.csm_email for a in alerts}) > 1
    owners_seen = {m for m in team["name"] if m in everyone}
    assert len(owners_seen) > 1, "the manager sees every rep's hot leads"

    help_text = json.dumps(app.answer("help", user=owner["slack_user_id"]))
    assert "/atrisk leads" in help_text


def test_bare_atrisk_report_and_lookups_under_a_lead_spec_speak_of_leads_not_accounts(
    lead_app: Harness,
) -> None:
    app = lead_app
    score_day(app.ctx, END, post=True)
    alerts = _posted_lead_alerts(app)
    owner = _member(app, alerts[0].csm_email or "")
    user = str(owner["slack_user_id"])
    bare = _text_of(app.answer("", user=user))
    assert bare.startswith("*Hot leads — your leads (scored ")
    report = json.dumps(app.answer("report", user=user), ensure_ascii=False)
    assert "not a fit" in report and "owners" in report
    assert "not a risk" not in report and "CSMs" not in report
    by_id = _text_of(app.answer(alerts[0].account_id, user=user))
    assert "Leads matching" in by_id and alerts[0].account_id in by_id
    nothing = _text_of(app.answer("zzz no such company", user=user))
    assert "No lead in your scope matches “zzz no such company”" in nothing
    for text in (bare, report, by_id, nothing):
        assert "account" not in text.lower() and "ARR" not in text and "churn" not in text


def test_atrisk_help_and_status_under_a_lead_spec_speak_of_leads_and_reps(
    lead_app: Harness,
) -> None:
    app = lead_app
    score_day(app.ctx, END, post=True)
    owner = _member(app, _posted_lead_alerts(app)[0].csm_email or "")
    user = str(owner["slack_user_id"])
    app.ctx.spec.consumer = app.ctx.spec.consumer.model_copy(
        update={"persona": "SDRs and AEs", "job_to_be_done": "call the leads about to buy"}
    )
    help_text = json.dumps(app.answer("help", user=user), ensure_ascii=False)
    assert "/atrisk &lt;company or lead id&gt;" in help_text and "/atrisk leads" in help_text
    status = json.dumps(app.answer("status", user=user), ensure_ascii=False)
    assert "*Last run*" in status and "*Freshness*" in status
    for text in (help_text, status):
        assert "account" not in text.lower(), text
        assert "CSM" not in text and "ARR" not in text and "churn" not in text, text


def test_someone_not_in_the_team_asking_the_lead_app_is_told_the_row_a_rep_needs(
    lead_app: Harness,
) -> None:
    text = _text_of(lead_app.answer("", user="U0STRANGER"))
    assert "I don't know whose leads to show" in text
    assert "(sdr, ae, manager, analyst or admin)" in text
    assert "account" not in text and "csm" not in text.lower()


def test_a_slack_app_run_by_the_churn_spec_records_a_click_on_a_lead_alert(
    lead_app: Harness, db_url: str, slack_double: SlackDouble
) -> None:
    """Two specs, one database, one Slack app: the churn deployment's app answers lead buttons."""
    score_day(lead_app.ctx, END, post=True)
    alert = _posted_lead_alerts(lead_app)[0]
    owner = _member(lead_app, alert.csm_email or "")
    with running_app(db_url, slack_double, seeded=False) as churn_app:
        assert churn_app.ctx.spec.entity.kind == "account"
        payload = signing.block_action(
            action_id="atrisk.playbook.0",
            value=json.dumps({"alert": alert.id, "playbook": alert.playbooks[0]["id"]}),
            user_id=owner["slack_user_id"],
            user_name="rep",
            channel=alert.posted_channel or "",
            ts=alert.posted_ts or "",
            response_url=slack_double.response_url(),
        )
        ack = churn_app.post(signing.payload_body(payload))
        assert ack.status == 200
        wait_until(lambda: churn_app.count(Action) == 1)
        wait_until(lambda: slack_double.calls_to("chat.update"))
    [update] = slack_double.calls_to("chat.update")
    assert update.params["blocks"][0]["text"]["text"].startswith("Hot lead at ")
    assert any(b.get("block_id") == "atrisk.acted" for b in update.params["blocks"])


def test_the_schedulers_daily_run_under_a_lead_spec_scores_and_posts_once(
    lead_app: Harness,
) -> None:
    app = lead_app
    morning = dt.datetime.combine(END, dt.time(6, 0), tzinfo=dt.UTC)
    daily_job(app.ctx, lambda: morning)
    daily_job(app.ctx, lambda: morning)  # a second replica's trigger: the day is done
    alerts = _posted_lead_alerts(app)
    assert alerts and all(a.as_of == END for a in alerts)
    posted = [m for m in app.double.messages() if "thread_ts" not in m]
    assert len(posted) == len(alerts), "each hot lead posted once"
    with app.ctx.uow() as uow:
        runs = uow.session.scalars(select(ScoringRun)).all()
        jobs = uow.session.scalars(select(JobRun.job)).all()
    assert [(r.as_of, r.trigger, r.status, r.product) for r in runs] == [
        (END, "scheduler", "succeeded", "lead")
    ]
    assert "lead:daily" in jobs and "daily" not in jobs


def test_a_lead_plays_outcome_check_speaks_of_the_leads_chance_to_convert(
    lead_app: Harness,
) -> None:
    app = lead_app
    score_day(app.ctx, END, post=True)
    alert = _posted_lead_alerts(app)[0]
    owner = _member(app, alert.csm_email or "")
    app.alerts["lead"] = alert.id
    app.click(
        "atrisk.playbook.0",
        {"alert": alert.id, "playbook": alert.playbooks[0]["id"]},
        user=owner["slack_user_id"],
        alert="lead",
    )
    wait_until(lambda: app.count(Play) == 1)
    with app.ctx.uow() as uow:
        play = uow.session.scalars(select(Play)).one()
        check_on = play.check_on
    assert check_on is not None
    when = dt.datetime.combine(check_on, dt.time(9), tzinfo=dt.UTC)
    report = run_follow_ups(app.ctx, today=check_on, now=when)
    assert report.checked == 1, report.errors
    [check] = [m for m in app.double.messages() if m["text"].startswith("📋 Outcome check")]
    title = alert.playbooks[0]["title"]
    assert check["text"].startswith(f"📋 Outcome check for *{title}* (not marked done): ")
    assert check["text"].endswith("no newer score for the lead yet.")
    assert check["thread_ts"] == alert.posted_ts


def test_atrisk_unacted_or_by_arr_under_a_lead_spec_says_what_it_sorts_instead_of_ignoring_it(
    lead_app: Harness,
) -> None:
    app = lead_app
    score_day(app.ctx, END, post=True)
    user = str(_member(app, _posted_lead_alerts(app)[0].csm_email or "")["slack_user_id"])
    for text in ("unacted", "top 5 by arr", "top 3 unacted by risk"):
        said = _text_of(app.answer(text, user=user))
        assert "sort at-risk accounts. Under lead scoring" in said, text
        assert "Hot leads" not in said, text
    assert _text_of(app.answer("top 3 by risk", user=user)).startswith("*Hot leads")


def test_atrisk_typing_notes_under_a_lead_spec_speak_of_leads(lead_app: Harness) -> None:
    asked = ("top 99", "csm", "x" * 120)
    said = {t: str(lead_app.answer(t, user="U0ANYONE")["text"]) for t in asked}
    assert "leads at a time" in said["top 99"]
    assert "hot leads in your scope" in said["csm"]
    assert "longer than any company name" in said["x" * 120]
    assert not any("account" in note for note in said.values()), said
