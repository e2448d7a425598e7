"""``atrisk synth --entity lead``: a synthetic sales funnel that passes the input contract, is the
same for the same seed, and whose ground truth and true effect of acting quickly hold."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from bot.cli import run
from storage.db import make_engine
from storage.ingest import ingest
from storage.ingest.contract import LEAD_REQUIRED
from synth.lead_truth import QUICK_TOUCH_LOGODDS, convert_touched, touched_probability
from synth.leads import SyntheticFunnel, generate_leads

END = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def funnel() -> SyntheticFunnel:
    return generate_leads(leads=300, days=90, seed=3, end=END)


def test_synth_entity_lead_writes_the_lead_tables_and_says_what_it_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "leads"
    args = ["synth", "--entity", "lead", "--leads", "120", "--days", "60", "--out", str(out)]
    code = run([*args, "--end", "2026-02-10"])
    printed = capsys.readouterr().out
    assert code == 0
    assert {p.stem for p in out.glob("*.csv")} == {"leads", "lead_activity", "team", "ground_truth"}
    assert "Synthetic sales funnel" in printed and "converted" in printed
    assert len(pd.read_csv(out / "leads.csv")) == 120


def test_synth_entity_lead_json_counts_the_rows_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pq"
    code = run(
        ["synth", "--entity", "lead", "--leads", "80", "--days", "50", "--out", str(out),
         "--end", "2026-02-10", "--format", "parquet", "--json"]
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["entity"] == "lead"
    assert report["rows"]["lead_activity"] == len(pd.read_parquet(report["files"]["lead_activity"]))


def test_the_same_seed_gives_the_same_funnel(funnel: SyntheticFunnel) -> None:
    again = generate_leads(leads=300, days=90, seed=3, end=END)
    for name, frame in funnel.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name])
    other = generate_leads(leads=300, days=90, seed=4, end=END)
    assert not funnel.tables["lead_activity"].equals(other.tables["lead_activity"])


def test_the_funnel_passes_the_input_contract(
    funnel: SyntheticFunnel, tmp_path: Path, db_url: str
) -> None:
    from synth.leads import write_funnel

    folder = tmp_path / "funnel"
    write_funnel(funnel, folder, "csv")
    engine: Engine = make_engine(db_url)
    now = dt.datetime.combine(END, dt.time(), dt.UTC)
    report = ingest(folder, engine, required_tables=LEAD_REQUIRED, now=now)
    engine.dispose()
    assert report.tables["leads"].inserted == 300
    assert report.tables["lead_activity"].inserted == len(funnel.tables["lead_activity"])
    assert report.data_through is not None and report.data_through < END
    assert report.warnings == []


def test_the_ground_truth_labels_are_the_conversions_the_leads_table_shows(
    funnel: SyntheticFunnel,
) -> None:
    truth = funnel.tables["ground_truth"]
    leads = funnel.tables["leads"].set_index("lead_id")
    as_of = pd.to_datetime(truth["as_of"])
    converted = pd.to_datetime(leads.loc[truth["lead_id"], "converted_at"]).to_numpy()
    visible = as_of + pd.Timedelta(days=14) < pd.Timestamp(END)
    within = (converted > as_of.to_numpy()) & (converted <= (as_of + pd.Timedelta(days=14)))
    assert (within[visible] == truth["converted_within_14d"][visible].astype(bool)).all()
    assert truth["probability"].between(0, 1).all()
    assert set(truth["driver"].dropna()) <= {"intent", "engagement", "trial", "buying_group"}


def test_a_quick_first_touch_raises_conversion_by_its_true_effect() -> None:
    p = np.full(200_000, 0.1)
    quick = touched_probability(p[:1], np.array([0.0]))[0]
    assert quick == pytest.approx(1 / (1 + np.exp(-(np.log(0.1 / 0.9) + QUICK_TOUCH_LOGODDS))))
    assert touched_probability(p[:1], np.array([10.0]))[0] == pytest.approx(0.1)
    assert touched_probability(p[:1], np.array([np.nan]))[0] == pytest.approx(0.1)
    rng = np.random.default_rng(0)
    untouched = rng.random(len(p)) < p
    touched = convert_touched(rng, p, untouched, np.zeros(len(p)))
    assert touched[untouched].all()  # a lead that converted anyway still does
    assert touched.mean() == pytest.approx(quick, abs=0.003)


def test_no_two_activities_of_a_lead_share_a_timestamp_and_type() -> None:
    big = generate_leads(leads=3000, days=210, seed=7, end=dt.date(2026, 11, 22))
    activity = big.tables["lead_activity"]
    assert not activity.duplicated(["lead_id", "ts", "type"]).any()
    assert (activity["ts"].dt.date < dt.date(2026, 11, 22)).all()
