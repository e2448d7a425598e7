"""The data audit run before every training: can this data support a churn model, and how well?

It says how far back each table goes, how many matured labels and churned accounts each month
of snapshots holds, which feature columns are missing or constant, the class balance, and
whether each key feature ever appears in usage. ``problems`` stop training (no rows, a single
class, no usable column); ``cold_start`` says why a trained model is not possible yet (too few
churned accounts) and how much more history it needs; ``atrisk train`` then serves the rules
score. ``warnings`` are worth fixing but stop nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring.catalog import MODEL_FEATURES
from scoring.feature_index import Sources, day_numbers
from scoring.features import FeatureParams, day_number
from scoring.labels import churn_days, data_start, snapshot_plan

MOSTLY_MISSING = 0.5
RARE_POSITIVES = 0.01
SPANS = (
    ("accounts", "created_at"),
    ("usage", "date"),
    ("integration_runs", "ts"),
    ("tickets", "opened_at"),
)


@dataclass(frozen=True)
class TableSpan:
    """How far back one source table goes."""

    table: str
    rows: int
    first: dt.date | None
    last: dt.date | None


@dataclass(frozen=True)
class PeriodLabels:
    """Matured labels of the snapshots in one month."""

    period: str  # YYYY-MM
    snapshots: int
    rows: int
    positives: int
    churned_accounts: int


@dataclass
class AuditReport:
    """What the audit found; ``ok`` when nothing stops training."""

    horizon_days: int
    min_positives: int
    tables: list[TableSpan] = field(default_factory=list)
    periods: list[PeriodLabels] = field(default_factory=list)
    first_snapshot: dt.date | None = None
    last_snapshot: dt.date | None = None
    snapshots: int = 0
    snapshots_wanted: int = 0
    rows: int = 0
    positives: int = 0
    churned_accounts: int = 0
    label_coverage: float | None = None
    missing: dict[str, float] = field(default_factory=dict)
    constant: list[str] = field(default_factory=list)
    features_checked: bool = False
    key_features: dict[str, dt.date | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cold_start: list[str] = field(default_factory=list)  # why only the rules score can serve
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def positive_rate(self) -> float | None:
        return self.positives / self.rows if self.rows else None

    @property
    def class_balance(self) -> dict[str, int]:
        return {"0": self.rows - self.positives, "1": self.positives}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings)."""
        out = asdict(self)
        out.update(ok=self.ok, positive_rate=self.positive_rate, class_balance=self.class_balance)
        return _iso(out)


def _iso(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass(frozen=True)
class SourceSummary:
    """What the audit reads of the sources: the accounts table and the events in aggregate.

    Built from the frames by ``summarize``, or by the source engine itself for a source read in
    place (no event row fetched).
    """

    accounts: pd.DataFrame
    spans: list[TableSpan]
    #: every product feature in usage → the first day it appears
    feature_first_use: dict[str, dt.date]
    #: the first day with any usage or integration run
    data_start: dt.date | None


def summarize(src: Sources) -> SourceSummary:
    """The summary of source frames."""
    usage = src.usage
    first_use: dict[str, dt.date] = {}
    if len(usage):
        first = pd.to_datetime(usage["date"]).groupby(usage["feature"].astype("str")).min()
        first_use = {str(k): v.date() for k, v in first.items()}
    return SourceSummary(src.accounts, table_spans(src), first_use, data_start(src))


def table_spans(src: Sources) -> list[TableSpan]:
    """Rows and first/last date of each source table's main date column."""
    out = []
    for name, col in SPANS:
        frame: pd.DataFrame = getattr(src, name)
        days = day_numbers(frame[col]) if len(frame) and col in frame else np.array([])
        days = days[~np.isnan(days)]
        first = _date(days.min()) if len(days) else None
        last = _date(days.max()) if len(days) else None
        out.append(TableSpan(name, len(frame), first, last))
    return out


def _date(day: float) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


def key_feature_presence(
    first_use: dict[str, dt.date], key_features: Sequence[str]
) -> dict[str, Any]:
    """The first date each key feature appears in usage (None: never)."""
    return {k: first_use.get(k) for k in key_features}


def label_periods(
    src: Sources | SourceSummary, dates: list[dt.date], horizon_days: int
) -> tuple[list[PeriodLabels], int, int, set[str]]:
    """Matured labels per month of snapshot dates, from the accounts table alone (no features)."""
    acc = src.accounts
    ids = acc["account_id"].astype("str").to_numpy()
    created = day_numbers(acc["created_at"])
    churned = churn_days(acc).to_numpy()
    by_month: dict[str, list[int]] = {}
    churners: dict[str, set[str]] = {}
    rows = positives = 0
    for d in dates:
        a = day_number(d)
        active = (created < a) & ~(churned <= a)
        label = active & (churned <= a + horizon_days)
        month = d.strftime("%Y-%m")
        counts = by_month.setdefault(month, [0, 0, 0])
        counts[0] += 1
        counts[1] += int(active.sum())
        counts[2] += int(label.sum())
        churners.setdefault(month, set()).update(ids[label])
        rows += int(active.sum())
        positives += int(label.sum())
    periods = [
        PeriodLabels(m, c[0], c[1], c[2], len(churners[m])) for m, c in sorted(by_month.items())
    ]
    every = set().union(*churners.values()) if churners else set()
    return periods, rows, positives, every


def audit(
    src: Sources | SourceSummary,
    last_as_of: dt.date,
    params: FeatureParams,
    *,
    history_days: int = 540,
    every_days: int = 7,
    min_positives: int = 50,
    features: pd.DataFrame | None = None,
) -> AuditReport:
    """Audit the source tables for training on snapshots up to ``last_as_of``.

    Labels are counted from the accounts table alone, so the audit is cheap enough to run
    before building any feature. Pass ``features`` (a training set or a feature frame) to
    also check for missing and constant feature columns.
    """
    summary = src if isinstance(src, SourceSummary) else summarize(src)
    h = params.horizon_days
    report = AuditReport(horizon_days=h, min_positives=min_positives, tables=summary.spans)
    dates = snapshot_plan(
        summary.data_start, last_as_of, params, every_days=every_days, history_days=history_days
    )
    periods, rows, positives, churners = label_periods(summary, dates, h)
    report.periods, report.rows, report.positives = periods, rows, positives
    report.churned_accounts = len(churners)
    report.first_snapshot = dates[0] if dates else None
    report.last_snapshot = dates[-1] if dates else None
    report.snapshots = len(dates)
    report.snapshots_wanted = (history_days - h) // every_days + 1 if history_days >= h else 0
    if report.snapshots_wanted:
        report.label_coverage = min(len(dates) / report.snapshots_wanted, 1.0)
    report.key_features = key_feature_presence(summary.feature_first_use, params.key_features)
    _label_problems(report, f"a matured {h}-day horizon")
    _table_warnings(report, summary)
    if features is not None:
        check_columns(report, features, [c for c in MODEL_FEATURES if c in features.columns])
    return report


def audit_account_features(
    table: pd.DataFrame, *, min_positives: int = 50, label: str = "churned_within_horizon"
) -> AuditReport:
    """Audit a team's own ``account_features`` table: labels, coverage, columns."""
    report = AuditReport(horizon_days=0, min_positives=min_positives)
    known = table[table[label].notna()] if label in table else table.iloc[0:0]
    report.rows = len(known)
    report.positives = int((known[label] == 1).sum()) if len(known) else 0
    report.churned_accounts = int(known.loc[known[label] == 1, "account_id"].nunique())
    report.label_coverage = len(known) / len(table) if len(table) else None
    if len(known):
        as_of = pd.to_datetime(known["as_of"])
        report.first_snapshot, report.last_snapshot = as_of.min().date(), as_of.max().date()
        report.snapshots = int(as_of.nunique())
        for month, part in known.groupby(as_of.dt.strftime("%Y-%m")):
            pos = part[label] == 1
            report.periods.append(
                PeriodLabels(
                    str(month),
                    int(part["as_of"].nunique()),
                    len(part),
                    int(pos.sum()),
                    int(part.loc[pos, "account_id"].nunique()),
                )
            )
    report.tables.append(
        TableSpan("account_features", len(table), report.first_snapshot, report.last_snapshot)
    )
    if label not in table:
        report.problems.append(f"account_features has no {label} column: nothing to learn from")
        return report
    if report.label_coverage is not None and report.label_coverage < 1:
        unknown = len(table) - len(known)
        report.warnings.append(
            f"{unknown:,} account_features rows have no {label} yet; they are not trained on"
        )
    _label_problems(report, f"a known {label}")
    columns = [c for c in table.columns if c not in ("account_id", "as_of", label)]
    check_columns(report, known, columns)
    return report


def _between(report: AuditReport) -> str:
    if report.first_snapshot is None:
        return ""
    return f" between {report.first_snapshot} and {report.last_snapshot}"


def _label_problems(report: AuditReport, matured: str) -> None:
    if report.rows == 0:
        report.problems.append(
            f"no training rows: no account was active on a snapshot date with {matured} — "
            "ingest more history (at least the horizon plus a few weeks)"
        )
        return
    n, need = report.churned_accounts, report.min_positives
    if n == 0:
        report.problems.append(
            f"no churned account with {matured}{_between(report)} (the label has a single "
            "class) — check churned_at (or churned_within_horizon), or ingest a longer history"
        )
    elif n < need:
        report.cold_start.append(
            f"only {n} churned {'account' if n == 1 else 'accounts'} with {matured}"
            f"{_between(report)}; a trained model needs at least {need} "
            f"(training.min_positives): {_how_much_more(report)}"
        )
    if report.positives == report.rows:
        report.problems.append(
            f"every one of the {report.rows:,} training rows is a churn: the label has a single "
            "class — check churned_at (or churned_within_horizon)"
        )
    rate = report.positive_rate or 0.0
    if 0 < rate < RARE_POSITIVES:
        report.warnings.append(
            f"churn is rare: {rate:.2%} of training rows are positive; expect a noisy model"
        )


def _how_much_more(report: AuditReport) -> str:
    """``6 more churned accounts; at the recent 2.1 a month, about 3 more months of history``."""
    missing = report.min_positives - report.churned_accounts
    months = len(report.periods)
    rate = report.churned_accounts / months if months else 0.0
    more = f"{missing} more churned {'account' if missing == 1 else 'accounts'}"
    if rate <= 0:
        return f"{more} — ingest a longer history as churn is recorded"
    need = int(np.ceil(missing / rate))
    return (
        f"{more}; at the recent {rate:.1f} a month, about {need} more "
        f"{'month' if need == 1 else 'months'} of history (or lower training.min_positives)"
    )


def _table_warnings(report: AuditReport, summary: SourceSummary) -> None:
    for span in report.tables:
        if span.rows == 0:
            report.warnings.append(f"{span.table} is empty: its features are all zero or missing")
    never = [k for k, first in report.key_features.items() if first is None]
    if never:
        seen = sorted(summary.feature_first_use)
        shown = ", ".join(seen[:12]) + (" …" if len(seen) > 12 else "")
        for k in never:
            report.warnings.append(
                f"key feature {k!r} never appears in usage: check contract.key_features "
                f"(usage has: {shown or 'nothing'})"
            )


def check_columns(report: AuditReport, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Record missing shares and constant columns; all-missing or constant ones are warnings."""
    report.features_checked = True
    if not columns:
        report.problems.append("no feature columns to learn from")
        return
    n = len(frame)
    for col in columns:
        missing = float(frame[col].isna().mean()) if n else 1.0
        if missing > 0:
            report.missing[col] = round(missing, 4)
        if missing >= 1.0:
            report.warnings.append(f"{col} is missing in every row: it carries no signal")
        elif missing > MOSTLY_MISSING:
            report.warnings.append(f"{col} is missing in {missing:.0%} of rows")
        elif frame[col].nunique(dropna=True) <= 1:
            report.constant.append(col)
            report.warnings.append(f"{col} has the same value in every row: it carries no signal")
    if len(report.constant) + sum(1 for v in report.missing.values() if v >= 1) == len(columns):
        report.problems.append("every feature column is missing or constant: nothing to learn")
