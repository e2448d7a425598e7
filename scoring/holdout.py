"""The held-out period: the purge, the calibration/test split, and the label checks on each part.

The latest snapshots are held out by time (``scoring.labels.split_by_time``); here the
training rows whose label window reaches into that period are dropped (the "purge", so no
churn is seen twice) and the held-out rows are split again by time: the earlier half fits the
calibration, the later half is the test period every reported metric comes from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.errors import NotEnoughSignal
from scoring.outcome_words import CHURN_WORDS, OutcomeWords

LABEL = "label"


def purge(train: pd.DataFrame, held: pd.DataFrame, horizon_days: int) -> tuple[pd.DataFrame, int]:
    """Drop training rows whose label window ends after the first held-out snapshot."""
    if "as_of" not in train or train.empty or held.empty:
        return train, 0
    first_held = pd.Timestamp(held["as_of"].min())
    ends = pd.to_datetime(train["as_of"]) + pd.Timedelta(days=horizon_days)
    keep = (ends <= first_held).to_numpy()
    if pd.Timestamp(train["as_of"].max()) >= first_held or not keep.any():
        return train, 0  # one snapshot date split by rows: there is no time order to protect
    return train[keep], int((~keep).sum())


def split_held_out(held: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Earlier half of the held-out snapshots → calibration, later half → test.

    With a single snapshot date there is no time order: the rows are split in half,
    stratified by label, and the sentence says so.
    """
    days = sorted(pd.unique(held["as_of"])) if "as_of" in held else []
    if len(days) >= 2:
        per_day = held.groupby("as_of").size().reindex(days).cumsum().to_numpy()
        cut = int(np.searchsorted(per_day, per_day[-1] / 2))
        cut = min(max(cut, 0), len(days) - 2)
        calib_days = set(days[: cut + 1])
        in_calib = held["as_of"].isin(calib_days).to_numpy()
        test_from = days[cut + 1]
        return (
            held[in_calib],
            held[~in_calib],
            (
                f"calibrated on the held-out snapshots before {pd.Timestamp(test_from).date()}, "
                f"tested on the {len(days) - cut - 1} from then on"
            ),
        )
    rng = np.random.default_rng(seed)
    in_calib = np.zeros(len(held), dtype=bool)
    for label in (0, 1):
        idx = np.flatnonzero(held[LABEL].to_numpy() == label)
        rng.shuffle(idx)
        in_calib[idx[: len(idx) // 2]] = True
    return (
        held[in_calib],
        held[~in_calib],
        (
            "the held-out rows share one snapshot date, so they were split in half at random "
            "(stratified by label) into calibration and test rows"
        ),
    )


def check_labels(
    frame: pd.DataFrame,
    min_positives: int,
    where: str,
    *,
    fix: str,
    words: OutcomeWords = CHURN_WORDS,
) -> None:
    """Refuse rows with a single class or fewer than ``min_positives`` positive rows (churned
    accounts, converted leads: ``words``); the message ends with ``fix``, what to change so
    training can go ahead."""
    positives, rows = int(frame[LABEL].sum()), len(frame)
    w = words
    if positives == rows and rows:
        raise NotEnoughSignal(
            f"every one of the {rows} {where} rows is {w.positive}: a model needs {w.negative} "
            f"{w.unit}s too; check {w.label}"
            + (" (or churned_within_horizon)" if w is CHURN_WORDS else "")
        )
    if positives == 0:
        raise NotEnoughSignal(
            f"no {w.positive} {w.unit} in the {where} rows ({rows} rows, all {w.negative}): {fix}"
        )
    if positives < min_positives:
        raise NotEnoughSignal(
            f"only {positives} {w.positive} {w.unit}-snapshots in the {where} rows; at least "
            f"{min_positives} are needed (training.min_positives) for a model worth trusting: "
            f"{fix}"
        )
