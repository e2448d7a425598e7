"""The tables ``atrisk export`` writes, and how stored rows become their columns.

A thing has one name wherever analysts read it: these columns share their names with the
report's CSV (``bot.report.build.FACT_COLUMNS``: ``alert_id``, ``as_of``, ``risk``, ``action``,
``playbook_title``, ``outcome``, ``outcome_date``…), and docs/export.md lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from bot.report.text import reason_text
from storage.export.schema import ExportColumn, ExportTable


def _c(name: str, kind: Any, doc: str) -> ExportColumn:
    return ExportColumn(name, kind, doc)


_RUN = _c("run_id", "int", "the scoring run that wrote the row")
_VERSION = _c("model_version", "str", "the model version that scored it")
_REASONS = _c("reasons", "str", "the top reasons in words, best first, joined by '; '")
_ALERT = _c("alert_id", "int", "the alert (joins alerts.alert_id)")
_ACCOUNT = _c("account_id", "str", "the account (the input contract's accounts.account_id)")
_ACTION = _c("action", "str", "playbook (a play was chosen) or dismissal (Not a risk)")
_PLAYBOOK = _c("playbook_id", "str", "the chosen playbook's id (empty for a dismissal)")
_TITLE = _c("playbook_title", "str", "the playbook's title as the CSM saw it")

SCORES = ExportTable(
    "scores",
    (
        _c("as_of", "date", "the day scored (features from data strictly before it)"),
        _RUN,
        _ACCOUNT,
        _VERSION,
        _c("shadow", "bool", "true for a shadow model's score (never alerted on)"),
        _c("risk", "float", "calibrated probability of churn within the horizon, 0–1"),
        _c("flagged", "bool", "at risk by the spec's threshold or top share"),
        _c("rank", "int", "rank by risk among the day's accounts (1 = riskiest)"),
        _c("portfolio_rank", "int", "rank by risk among the CSM's active accounts"),
        _c("portfolio_size", "int", "how many active accounts the CSM has"),
        _c("portfolio_median_risk", "float", "the median risk of the CSM's accounts"),
        _REASONS,
    ),
    key=("run_id", "account_id", "model_version"),
    partition="as_of",
)
ALERTS = ExportTable(
    "alerts",
    (
        _ALERT,
        _c("as_of", "date", "the day whose scores raised the alert"),
        _ACCOUNT,
        _c("csm_email", "str", "the account's CSM when alerted"),
        _c("channel", "str", "the Slack channel it went to (id or #name)"),
        _c("status", "str", "pending, posted, held_out or failed"),
        _c("risk", "float", "risk when alerted, 0–1"),
        _c("previous_risk", "float", "the previous alert's risk, if any"),
        _c("arr", "float", "the account's ARR when alerted"),
        _c("fallback", "bool", "true when served from last good scores (model paused)"),
        _REASONS,
        _c("playbooks_offered", "str", "the playbook ids on its buttons, joined by '; '"),
        _RUN,
        _VERSION,
        _c("created_at", "timestamp", "when the alert was written (UTC)"),
        _c("posted_at", "timestamp", "when Slack accepted it (UTC; empty if not posted)"),
    ),
    key=("alert_id",),
    partition="as_of",
)
ACTIONS = ExportTable(
    "actions",
    (
        _c("action_id", "int", "the action"),
        _ALERT,
        _ACCOUNT,
        _c("acted_on", "date", "the UTC day of acted_at (the partition)"),
        _ACTION,
        _PLAYBOOK,
        _TITLE,
        _c("dismiss_reason", "str", "why it is not a risk (dismissals only)"),
        _c("user_email", "str", "who clicked"),
        _c("acted_at", "timestamp", "when (UTC)"),
        _c("hours_to_action", "float", "hours from posted_at to acted_at"),
    ),
    key=("action_id",),
    partition="acted_on",
)
PLAYS = ExportTable(
    "plays",
    (
        _c("play_id", "int", "the play"),
        _ALERT,
        _ACCOUNT,
        _ACTION,
        _PLAYBOOK,
        _TITLE,
        _c("owner_email", "str", "who carries it out"),
        _c("risk", "float", "the alert's risk when the play opened"),
        _c("opened_on", "date", "the day it opened (the partition)"),
        _c("due_on", "date", "when its steps are due"),
        _c("check_on", "date", "when its outcome is checked"),
        _c("status", "str", "open, done, expired or undone"),
        _c("closed_at", "timestamp", "when it left open (UTC)"),
    ),
    key=("play_id",),
    partition="opened_on",
)
OUTCOMES = ExportTable(
    "outcomes",
    (
        _ALERT,
        _ACCOUNT,
        _c("outcome_date", "date", "the day the outcome was read (the partition)"),
        _c("outcome", "str", "retained, churned or downgraded"),
        _c("arr_before", "float", "ARR when alerted"),
        _c("arr_after", "float", "ARR when the outcome was read"),
        _c("acted", "bool", "a playbook was chosen on the alert"),
        _c("held_out", "bool", "the alert was held out (not posted) to measure lift"),
    ),
    key=("alert_id",),
    partition="outcome_date",
)

TABLES: dict[str, ExportTable] = {t.name: t for t in (SCORES, ALERTS, ACTIONS, PLAYS, OUTCOMES)}


def playbook_title(playbooks: Any, pid: Any) -> str | None:
    """The title the alert's button showed for ``pid`` (the id when not found)."""
    if pid is None or (isinstance(pid, float) and pd.isna(pid)):
        return None
    for p in playbooks if isinstance(playbooks, list) else []:
        if isinstance(p, dict) and p.get("id") == pid:
            return str(p.get("title") or pid)
    return str(pid)


def _ids(playbooks: Any) -> str:
    items = playbooks if isinstance(playbooks, list) else []
    return "; ".join(str(p.get("id")) for p in items if isinstance(p, dict) and p.get("id"))


def _scores(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.assign(reasons=raw["reasons"].map(reason_text))


def _alerts(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.assign(
        channel=raw["posted_channel"].where(raw["posted_channel"].notna(), raw["channel"]),
        reasons=raw["reasons"].map(reason_text),
        playbooks_offered=raw["playbooks"].map(_ids),
    )


def _actions(raw: pd.DataFrame) -> pd.DataFrame:
    acted = pd.to_datetime(raw["acted_at"], utc=True)
    posted = pd.to_datetime(raw["posted_at"], utc=True)
    return raw.assign(
        acted_on=acted.dt.date,
        action=raw["kind"],
        playbook_title=[
            playbook_title(p, i) for p, i in zip(raw["playbooks"], raw["playbook_id"], strict=True)
        ],
        hours_to_action=(acted - posted).dt.total_seconds() / 3600.0,
    )


def _plays(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.assign(action=raw["kind"], playbook_title=raw["title"])


def _outcomes(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.assign(outcome_date=raw["observed_on"], outcome=raw["state"])


SHAPERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "scores": _scores,
    "alerts": _alerts,
    "actions": _actions,
    "plays": _plays,
    "outcomes": _outcomes,
}


def shaped(table: ExportTable, raw: pd.DataFrame) -> pd.DataFrame:
    """The stored rows ``raw`` as ``table``'s columns, ordered by its key (so an export of the
    same rows writes the same file)."""
    if raw.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in table.column_names})
    out = SHAPERS[table.name](raw)[table.column_names]
    return out.sort_values(list(table.key), kind="stable").reset_index(drop=True)
