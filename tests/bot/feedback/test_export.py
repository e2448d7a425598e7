"""``atrisk export``: atrisk's records as tables in a folder or a database, the same rows however
often it runs, and only what is new when asked."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from bot import cli
from bot.bootstrap import Context, default_spec_path
from bot.feedback.export import export
from bot.report.build import FACT_COLUMNS
from bot.report.export_tables import TABLES
from storage.errors import ExportTargetUnusable
from storage.export.schema import ExportTable
from storage.models import (
    Account,
    Action,
    Alert,
    ModelVersion,
    Outcome,
    Play,
    Score,
    ScoringRun,
    TeamMember,
)
from tests.bot.daily.factories import make_ctx

DAY1, DAY2, DAY3 = dt.date(2026, 3, 9), dt.date(2026, 3, 10), dt.date(2026, 3, 11)
TODAY = dt.date(2026, 3, 12)
ACCOUNTS = ("acme", "globex", "initech")
PLAYBOOKS = [{"id": "integration-health-check", "title": "Integration health check"}]
REASONS = [
    {
        "feature": "integration_failures_14d",
        "value": 14,
        "contribution": 0.4,
        "text": "14 failed Salesforce syncs in the last 14 days",
    }
]


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(db_url, tmp_path)
    with c.uow() as uow:
        s = uow.session
        s.add(TeamMember(email="jane@example.com", name="Jane Doe", role="csm"))
        for aid in ACCOUNTS:
            s.add(
                Account(
                    account_id=aid,
                    name=aid.title(),
                    csm_email="jane@example.com",
                    arr=48_000.0,
                    created_at=dt.date(2024, 1, 1),
                )
            )
        s.add(
            ModelVersion(
                id=1,
                version="2026-03-01.1",
                state="live",
                trained_as_of=dt.date(2026, 3, 1),
                artifact="tree",
                artifact_sha256="0" * 64,
            )
        )
        uow.commit()
    for day in (DAY1, DAY2):
        add_day(c, day)
    with c.uow() as uow:
        s = uow.session
        alert = s.query(Alert).filter_by(account_id="acme", as_of=DAY1).one()
        acted_at = dt.datetime(2026, 3, 9, 9, 30, tzinfo=dt.UTC)
        s.add(
            Action(
                alert_id=alert.id,
                kind="playbook",
                playbook_id="integration-health-check",
                user_email="jane@example.com",
                acted_at=acted_at,
            )
        )
        s.add(
            Play(
                alert_id=alert.id,
                account_id="acme",
                kind="playbook",
                playbook_id="integration-health-check",
                title="Integration health check",
                owner_email="jane@example.com",
                risk=0.81,
                opened_at=acted_at,
                opened_on=DAY1,
                due_on=DAY1 + dt.timedelta(days=7),
                status="open",
            )
        )
        s.add(
            Outcome(
                alert_id=alert.id,
                account_id="acme",
                observed_on=DAY2,
                state="retained",
                arr_before=48_000.0,
                arr_after=48_000.0,
                acted=True,
            )
        )
        uow.commit()
    yield c
    c.close()


def add_day(ctx: Context, day: dt.date) -> None:
    """A scoring run of ``day``: three scores, one alert posted on the riskiest account."""
    with ctx.uow() as uow:
        s = uow.session
        run = ScoringRun(as_of=day, status="succeeded", model_version_id=1)
        s.add(run)
        s.flush()
        for rank, (aid, risk) in enumerate(zip(ACCOUNTS, (0.81, 0.4, 0.1), strict=True), 1):
            s.add(
                Score(
                    run_id=run.id,
                    account_id=aid,
                    model_version_id=1,
                    as_of=day,
                    risk=risk,
                    flagged=risk > 0.5,
                    rank=rank,
                    reasons=REASONS,
                )
            )
        s.add(
            Alert(
                alert_key=f"acme:{day}",
                account_id="acme",
                as_of=day,
                run_id=run.id,
                model_version_id=1,
                csm_email="jane@example.com",
                channel="C0JANECHAN",
                risk=0.81,
                arr=48_000.0,
                reasons=REASONS,
                playbooks=PLAYBOOKS,
                status="posted",
                created_at=dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC),
                posted_at=dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC),
                posted_channel="C0JANECHAN",
                posted_ts="1741503600.000100",
            )
        )
        uow.commit()


def read_folder(path: Path, table: ExportTable) -> pd.DataFrame:
    files = sorted((path / table.name).glob("*.*"))
    read = pd.read_parquet if files and files[0].suffix == ".parquet" else pd.read_csv
    frames = [read(f) for f in files]
    if not frames:
        return pd.DataFrame(columns=table.column_names)
    return _normal(pd.concat(frames, ignore_index=True), table)


def read_database(url: str, table: ExportTable) -> pd.DataFrame:
    engine = create_engine(url)
    try:
        return _normal(pd.read_sql_table(table.name, engine), table)
    finally:
        engine.dispose()


def _normal(frame: pd.DataFrame, table: ExportTable) -> pd.DataFrame:
    """Rows as comparable text, in key order (CSV, Parquet and SQL read types differently)."""
    out = frame[table.column_names].astype(str).replace({"None": "", "nan": "", "NaT": ""})
    return out.sort_values(list(table.key)).reset_index(drop=True)


def everything(read: object, where: object) -> dict[str, pd.DataFrame]:
    return {name: read(where, t) for name, t in TABLES.items()}  # type: ignore[operator]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_exporting_to_a_folder_twice_gives_the_same_rows(
    ctx: Context, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "bi"
    first = export(ctx.engine, str(out), today=TODAY, fmt=fmt)  # type: ignore[arg-type]
    assert first.rows == {"scores": 6, "alerts": 2, "actions": 1, "plays": 1, "outcomes": 1}
    rows = everything(read_folder, out)
    export(ctx.engine, str(out), today=TODAY, fmt=fmt, since=DAY1)  # type: ignore[arg-type]
    export(ctx.engine, str(out), today=TODAY, fmt=fmt)  # type: ignore[arg-type]
    again = everything(read_folder, out)
    for name in TABLES:
        pd.testing.assert_frame_equal(rows[name], again[name])
    assert sorted(p.name for p in (out / "scores").iterdir()) == [
        f"{DAY1}.{fmt}",
        f"{DAY2}.{fmt}",
    ]


def test_exporting_to_a_sqlite_url_twice_gives_the_same_rows(ctx: Context, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bi.db'}"
    export(ctx.engine, url, today=TODAY)
    rows = everything(read_database, url)
    export(ctx.engine, url, today=TODAY)
    export(ctx.engine, url, today=TODAY, since=DAY1)
    again = everything(read_database, url)
    for name in TABLES:
        pd.testing.assert_frame_equal(rows[name], again[name])
    scores = rows["scores"]
    assert len(scores) == 6 and scores["model_version"].unique().tolist() == ["2026-03-01.1"]
    [alert] = rows["alerts"][rows["alerts"]["as_of"] == str(DAY1)].to_dict("records")
    assert alert["reasons"] == "14 failed Salesforce syncs in the last 14 days"
    assert alert["playbooks_offered"] == "integration-health-check"
    [action] = rows["actions"].to_dict("records")
    assert action["action"] == "playbook" and action["playbook_title"] == "Integration health check"
    assert float(action["hours_to_action"]) == pytest.approx(2.5)
    [outcome] = rows["outcomes"].to_dict("records")
    assert outcome["outcome"] == "retained" and outcome["outcome_date"] == str(DAY2)


@pytest.mark.parametrize("kind", ["folder", "sqlite"])
def test_a_later_export_adds_only_the_new_days_rows(
    ctx: Context, tmp_path: Path, kind: str
) -> None:
    where = str(tmp_path / "bi") if kind == "folder" else f"sqlite:///{tmp_path / 'bi.db'}"
    read = read_folder if kind == "folder" else read_database
    target: object = Path(where) if kind == "folder" else where
    export(ctx.engine, where, today=DAY2)
    before = everything(read, target)
    add_day(ctx, DAY3)
    report = export(ctx.engine, where, today=DAY3, since=DAY3)
    assert report.rows["scores"] == 3 and report.rows["alerts"] == 1
    after = everything(read, target)
    assert len(after["scores"]) == 9 and len(after["alerts"]) == 3
    old = after["scores"][after["scores"]["as_of"] != str(DAY3)].reset_index(drop=True)
    pd.testing.assert_frame_equal(old, before["scores"])
    assert not after["scores"].duplicated(list(TABLES["scores"].key)).any()


def test_without_since_an_export_starts_from_the_last_one(ctx: Context, tmp_path: Path) -> None:
    out = tmp_path / "bi"
    export(ctx.engine, str(out), today=DAY2, refresh_days=60)
    add_day(ctx, DAY3)
    report = export(ctx.engine, str(out), today=DAY3, refresh_days=60)
    assert report.since["scores"] == DAY2  # settled: from the last export's day on
    assert report.since["plays"] == DAY2 - dt.timedelta(days=60)  # plays change for weeks
    assert report.rows["scores"] == 6  # DAY2 again (replaced) and DAY3
    assert len(read_folder(out, TABLES["scores"])) == 9


def test_the_reports_csv_and_the_export_name_the_same_things_alike() -> None:
    exported = {c for t in TABLES.values() for c in t.column_names}
    about_the_account_or_person = {"account_name", "segment", "csm_name", "manager_email"}
    assert set(FACT_COLUMNS) - about_the_account_or_person <= exported


def test_the_docs_list_every_exported_column() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "export.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        section = docs.split(f"### `{table.name}`", 1)[1].split("###", 1)[0]
        for column in table.column_names:
            assert f"| `{column}` |" in section, (table.name, column)


# ---------------------------------------------------------------- the command


@pytest.fixture
def cli_env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ATRISK_SPEC", str(default_spec_path()))
    monkeypatch.setenv("ATRISK_OUTBOX_DIR", str(tmp_path / "outbox"))
    yield sqlite_url


def test_the_command_exports_csv_and_prints_what_it_wrote(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bi"
    assert cli.run(["export", "--to", str(out), "--format", "csv", "--json"]) == 0
    report = capsys.readouterr().out
    assert '"target"' in report and '"scores"' in report
    assert (out / "atrisk_export.json").exists()
    assert cli.run(["export", "--to", f"sqlite:///{tmp_path / 'bi.db'}"]) == 0
    shown = capsys.readouterr().out
    assert "Exported to" in shown and "scores" in shown and "the start" in shown


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_refused_in_one_line(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert cli.run(["export", "--to", str(locked / "bi")]) == 2
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert "cannot write to the folder" in err and "Traceback" not in err


def test_a_folder_that_cannot_be_made_is_refused_in_one_line(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "report.txt").write_text("x")
    assert cli.run(["export", "--to", str(tmp_path / "report.txt" / "bi")]) == 2
    err = capsys.readouterr().err
    assert "cannot write to the folder" in err and "Traceback" not in err


def test_a_file_given_as_the_folder_is_refused(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "bi.csv"
    file.write_text("x")
    assert cli.run(["export", "--to", str(file)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nosuchdb://host/db", "SQLAlchemy does not know"),
        ("postgresql://postgres@127.0.0.1:9/none", "--to"),
    ],
)
def test_a_bad_url_is_refused_in_one_line(
    cli_env: str, url: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["export", "--to", url]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_atrisks_own_database_is_refused_as_a_target(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["export", "--to", cli_env]) == 2
    err = capsys.readouterr().err
    assert "--to names atrisk's own database" in err and "Traceback" not in err


def test_a_database_whose_tables_are_not_an_export_is_left_alone(
    ctx: Context, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    other = create_engine(url)
    with other.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alerts (id INTEGER PRIMARY KEY, text TEXT)")
    other.dispose()
    with pytest.raises(ExportTargetUnusable, match=r"the table alerts in .* is not an atrisk"):
        export(ctx.engine, url, today=TODAY)


def test_progress_is_told_per_table_up_to_its_number_of_days(ctx: Context, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    export(ctx.engine, str(tmp_path / "bi"), today=TODAY, progress=lambda *a: seen.append(a))
    last = {table: (done, total) for table, done, total in seen}
    assert last == {
        "scores": (2, 2),
        "alerts": (2, 2),
        "actions": (1, 1),
        "plays": (1, 1),
        "outcomes": (1, 1),
    }
    assert ("scores", 0, 2) in seen and ("scores", 1, 2) in seen


def test_an_unknown_format_is_a_usage_error(cli_env: str, tmp_path: Path) -> None:
    assert cli.run(["export", "--to", str(tmp_path / "bi"), "--format", "xlsx"]) == 2


# ---------------------------------------------------------------- one product at a time


def add_lead_day(ctx: Context, day: dt.date) -> None:
    """A lead product's run of ``day`` in the same database: two scores, one alert acted on,
    its play and its outcome."""
    with ctx.uow() as uow:
        s = uow.session
        model = ModelVersion(
            id=2,  # the churn fixture's is id 1, set by hand (no sequence step on PostgreSQL)
            version=f"{day}.lead",
            state="live",
            trained_as_of=day,
            artifact="tree",
            artifact_sha256="1" * 64,
            product="lead",
        )
        s.add(model)
        s.flush()
        run = ScoringRun(as_of=day, status="succeeded", model_version_id=model.id, product="lead")
        s.add(run)
        s.flush()
        for rank, (lead, risk) in enumerate((("L-1", 0.7), ("L-2", 0.2)), 1):
            s.add(
                Score(
                    run_id=run.id,
                    account_id=lead,
                    model_version_id=model.id,
                    as_of=day,
                    risk=risk,
                    flagged=rank == 1,
                    rank=rank,
                    reasons=[],
                    product="lead",
                )
            )
        alert = Alert(
            alert_key=f"lead:L-1:{day}",
            account_id="L-1",
            as_of=day,
            run_id=run.id,
            model_version_id=model.id,
            csm_email="sam@example.com",
            risk=0.7,
            reasons=[],
            playbooks=[{"id": "call-now", "title": "Call now"}],
            status="posted",
            posted_at=dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC),
            product="lead",
        )
        s.add(alert)
        s.flush()
        acted_at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
        s.add(
            Action(
                alert_id=alert.id,
                kind="playbook",
                playbook_id="call-now",
                user_email="sam@example.com",
                acted_at=acted_at,
            )
        )
        s.add(
            Play(
                alert_id=alert.id,
                account_id="L-1",
                kind="playbook",
                playbook_id="call-now",
                title="Call now",
                owner_email="sam@example.com",
                risk=0.7,
                opened_at=acted_at,
                opened_on=day,
                status="open",
            )
        )
        s.add(
            Outcome(
                alert_id=alert.id,
                account_id="L-1",
                observed_on=day + dt.timedelta(days=1),
                state="converted",
                acted=True,
            )
        )
        uow.commit()


@pytest.mark.parametrize("kind", ["folder", "sqlite"])
def test_churn_and_lead_exports_to_one_target_keep_their_own_rows_and_start_dates(
    ctx: Context, tmp_path: Path, kind: str
) -> None:
    add_lead_day(ctx, DAY1)
    where = str(tmp_path / "bi") if kind == "folder" else f"sqlite:///{tmp_path / 'bi.db'}"
    read = read_folder if kind == "folder" else read_database
    target: object = Path(where) if kind == "folder" else where
    churn = export(ctx.engine, where, today=DAY2)
    assert churn.rows == {"scores": 6, "alerts": 2, "actions": 1, "plays": 1, "outcomes": 1}
    lead = export(ctx.engine, where, today=DAY3, product="lead")
    assert lead.since == dict.fromkeys(lead.rows, None), "its own record: none yet"
    assert lead.rows == {
        "lead_scores": 2,
        "lead_alerts": 1,
        "lead_actions": 1,
        "lead_plays": 1,
        "lead_outcomes": 1,
    }
    lead_tables = {n: replace(t, name=f"lead_{n}") for n, t in TABLES.items()}
    assert set(read(target, lead_tables["scores"])["account_id"]) == {"L-1", "L-2"}
    assert read(target, lead_tables["outcomes"])["outcome"].tolist() == ["converted"]
    rows = everything(read, target)
    assert "L-1" not in set(rows["scores"]["account_id"]) | set(rows["alerts"]["account_id"])
    assert rows["outcomes"]["outcome"].tolist() == ["retained"]
    again = export(ctx.engine, where, today=DAY3)
    assert again.since["scores"] == DAY2, "the lead export did not move churn's start date"
    assert len(read(target, lead_tables["scores"])) == 2, "churn's export kept the lead rows"


def test_the_command_exports_the_product_it_is_asked_for(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bi"
    capsys.readouterr()
    assert cli.run(["export", "--to", str(out), "--product", "lead", "--json"]) == 0
    assert '"product": "lead"' in capsys.readouterr().out
    assert (out / "atrisk_export_lead.json").exists() and not (out / "atrisk_export.json").exists()
    assert cli.run(["export", "--to", str(out), "--product", "sales"]) == 2
    assert "'sales': use churn or lead" in capsys.readouterr().err
