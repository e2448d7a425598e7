"""Training snapshots and labels: features at many past dates whose 30-day horizon has matured.

The label of an account at ``as_of`` is 1 when it churned in ``(as_of, as_of + horizon_days]``.
Only accounts active at ``as_of`` are rows, and only snapshots whose horizon lies entirely in
the past are taken, so no label is read before it is known. Validation holds out the latest
snapshots (time split), never a random split across time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from scoring.feature_index import Sources, day_numbers
from scoring.features import FeatureBuilder, FeatureParams, day_number

LABEL = "label"
SPLIT_SEED = 0


def snapshot_dates(first: dt.date, last: dt.date, every_days: int) -> list[dt.date]:
    """Dates ``every_days`` apart, ending on ``last``, none before ``first``; oldest first."""
    if every_days < 1:
        raise ValueError("every_days must be at least 1")
    out: list[dt.date] = []
    d = last
    while d >= first:
        out.append(d)
        d -= dt.timedelta(days=every_days)
    return out[::-1]


def data_start(src: Sources) -> dt.date | None:
    """The first day with any usage or integration run in the frames (None when both are empty)."""
    firsts = [
        pd.to_datetime(src.usage["date"]).min() if len(src.usage) else pd.NaT,
        pd.to_datetime(src.integration_runs["ts"], utc=True).min()
        if len(src.integration_runs)
        else pd.NaT,
    ]
    days = [pd.Timestamp(f).date() for f in firsts if not pd.isna(f)]
    return min(days) if days else None


def snapshot_plan(
    src: Sources | dt.date | None,
    last_as_of: dt.date,
    params: FeatureParams,
    *,
    every_days: int = 7,
    history_days: int = 540,
) -> list[dt.date]:
    """The training snapshot dates: matured horizons only, within ``history_days``, after the data
    has run for two feature windows (before that a trend would compare against nothing).

    ``src``: the source frames, or the first day of data itself (``None``: no events).
    """
    newest = last_as_of - dt.timedelta(days=params.horizon_days)
    first = last_as_of - dt.timedelta(days=history_days)
    start = src if src is None or isinstance(src, dt.date) else data_start(src)
    if start is not None:
        first = max(first, start + dt.timedelta(days=2 * params.window_days))
    return snapshot_dates(first, newest, every_days)


def churn_days(accounts: pd.DataFrame) -> pd.Series:
    """Each account's churn day number (NaN while active), indexed by ``account_id``."""
    ids = pd.Index(accounts["account_id"].astype("str"), name="account_id")
    return pd.Series(day_numbers(accounts["churned_at"]), index=ids)


def labels_at(churned: pd.Series, index: pd.Index, as_of: dt.date, horizon_days: int) -> np.ndarray:
    """1 where the account churned in ``(as_of, as_of + horizon_days]``, else 0, for ``index``."""
    c = churned.reindex(index).to_numpy()
    a = day_number(as_of)
    return ((c > a) & (c <= a + horizon_days)).astype(np.int64)


def training_set(
    src: Sources,
    last_as_of: dt.date,
    params: FeatureParams,
    *,
    every_days: int = 7,
    history_days: int = 540,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Feature snapshots with labels: columns ``as_of``, ``account_id``, features…, ``label``.

    Snapshots run back from ``last_as_of - horizon_days`` (the newest matured horizon) every
    ``every_days`` for ``history_days``, but not earlier than two feature windows after the
    first event in the data (before that the trend windows would be empty, not quiet).
    """
    builder = FeatureBuilder(src, params)
    dates = snapshot_plan(src, last_as_of, params, every_days=every_days, history_days=history_days)
    return snapshots(builder.at, dates, src.accounts, params, last_as_of, progress=progress)


def snapshots(
    features_at: Callable[[dt.date], pd.DataFrame],
    dates: list[dt.date],
    accounts: pd.DataFrame,
    params: FeatureParams,
    last_as_of: dt.date,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The training set from ``features_at(as_of)`` (one row per active account, e.g.
    ``FeatureBuilder.at`` or the SQL push-down) at each of ``dates``, labelled from ``accounts``."""
    newest = last_as_of - dt.timedelta(days=params.horizon_days)
    churned = churn_days(accounts)
    frames: list[pd.DataFrame] = []
    for i, as_of in enumerate(dates):
        features = features_at(as_of)
        frame = features.reset_index()
        frame.insert(0, "as_of", pd.Timestamp(as_of))
        frame[LABEL] = labels_at(churned, features.index, as_of, params.horizon_days)
        frames.append(frame)
        if progress is not None:
            progress(i + 1, len(dates))
    if not frames:
        empty = features_at(newest).iloc[0:0].reset_index()
        empty.insert(0, "as_of", pd.Series([], dtype="datetime64[s]"))
        empty[LABEL] = pd.Series([], dtype=np.int64)
        return empty
    out = pd.concat(frames, ignore_index=True)
    out["as_of"] = out["as_of"].astype("datetime64[s]")
    return out


def _dates(values: pd.Series) -> list[dt.date]:
    return sorted({pd.Timestamp(v).date() for v in values})


def split_by_time(
    train: pd.DataFrame, validation_share: float
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Hold out the latest whole snapshot dates (≈ ``validation_share`` of rows); say which split.

    With a single snapshot date (a team's own ``account_features`` table) there is no time to
    split on: a stratified random split with a fixed seed is used, and the sentence says so.
    """
    if not 0 < validation_share < 1:
        raise ValueError("validation_share must be between 0 and 1")
    dates = _dates(train["as_of"])
    if len(dates) <= 1:
        return _stratified(train, validation_share, dates)
    per_date = train.groupby(pd.to_datetime(train["as_of"]).dt.date).size().sort_index()
    target = validation_share * len(train)
    held, rows = 0, 0
    for n in per_date.to_numpy()[::-1]:
        if held >= len(dates) - 1 or (held and abs(rows + n - target) > abs(rows - target)):
            break
        held, rows = held + 1, rows + int(n)
    cut = dates[-held]
    is_val = pd.to_datetime(train["as_of"]).dt.date >= cut
    fit, val = train[~is_val], train[is_val]
    fit_dates, val_dates = dates[:-held], dates[-held:]
    how = (
        f"time split: trained on {len(fit_dates)} snapshots {fit_dates[0]} … {fit_dates[-1]} "
        f"({len(fit):,} rows), validated on {len(val_dates)} "
        f"{'snapshot' if len(val_dates) == 1 else 'snapshots'} {val_dates[0]} … {val_dates[-1]} "
        f"({len(val):,} rows)"
    )
    return fit, val, how


def _stratified(
    train: pd.DataFrame, share: float, dates: list[dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    rng = np.random.default_rng(SPLIT_SEED)
    labels = train[LABEL] if LABEL in train else train.get("churned_within_horizon")
    groups = labels.fillna(-1).to_numpy() if labels is not None else np.zeros(len(train))
    is_val = np.zeros(len(train), dtype=bool)
    for g in np.unique(groups):
        pos = np.flatnonzero(groups == g)
        n_val = round(share * len(pos))
        if len(pos) > 1:
            n_val = min(max(n_val, 1), len(pos) - 1)
        is_val[rng.permutation(pos)[:n_val]] = True
    pct = round(share * 100)
    when = f" ({dates[0]})" if dates else ""
    how = (
        f"only one snapshot date{when}: stratified {100 - pct}/{pct} split "
        f"(seed {SPLIT_SEED}; {int((~is_val).sum()):,} training rows, "
        f"{int(is_val.sum()):,} validation rows)"
    )
    return train[~is_val], train[is_val], how


def drop_treated(
    frame: pd.DataFrame, treated: pd.DataFrame, horizon_days: int
) -> tuple[pd.DataFrame, int]:
    """Training snapshots without those of accounts inside a treated window, and how many left.

    ``treated`` has ``account_id`` and ``acted_on`` (date a playbook was chosen on an alert).
    A snapshot at ``as_of`` is left out when a playbook was acted on in
    ``(as_of − horizon_days, as_of + horizon_days]``: the action can have changed the churn its
    label reads, so a save would teach the model that the risk was low.
    """
    if frame.empty or treated.empty:
        return frame, 0
    t = treated.assign(acted_on=pd.to_datetime(treated["acted_on"]))
    rows = frame[["account_id", "as_of"]].reset_index()
    rows["as_of"] = pd.to_datetime(rows["as_of"])
    m = rows.merge(t, on="account_id")
    gap = (m["acted_on"] - m["as_of"]).dt.days
    hit = m.loc[(gap > -horizon_days) & (gap <= horizon_days), "index"].unique()
    return frame.drop(index=hit), len(hit)
