"""Built-in leading indicators against a slow, obviously correct per-row oracle."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring.catalog import FEATURES, MODEL_FEATURES
from scoring.features import FeatureParams, build_features, feature_columns
from storage.repositories.sources import SourceFrames
from tests.scoring.conftest import AS_OF, random_sources

PARAMS = FeatureParams()
RANK = {"urgent": 3, "high": 2, "normal": 1, "low": 0}


def _rel(last: float, prev: float) -> float:
    if prev > 0:
        return (last - prev) / prev
    return 1.0 if last > 0 else 0.0


def _none(v: Any) -> Any:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def _maybe_day(v: Any) -> dt.date | None:
    v = _none(v)
    return None if v is None else pd.Timestamp(v).date()


def _day(v: Any) -> dt.date:
    return pd.Timestamp(v).date()


def _names(names: list[str]) -> str | None:
    if not names:
        return None
    if len(names) > 3:
        return ", ".join(names[:3]) + f" and {len(names) - 3} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _to_renewal(renewal: dt.date, as_of: dt.date) -> int:
    """Days to the renewal's next calendar anniversary on or after ``as_of``."""
    due, year = as_of - dt.timedelta(days=1), as_of.year - 1
    while due < as_of:
        year += 1
        try:
            due = renewal.replace(year=year)
        except ValueError:  # 29 February in a common year
            due = renewal.replace(year=year, day=28)
    return (due - as_of).days


def oracle(src: SourceFrames, as_of: dt.date, p: FeatureParams) -> dict[str, dict[str, Any]]:
    """Every feature by plain loops over rows, straight from docs/features.md."""
    w = dt.timedelta(days=p.window_days)
    cut = pd.Timestamp(as_of, tz="UTC")
    usage = [r for r in src.usage.to_dict("records") if _day(r["date"]) < as_of]
    runs = [r for r in src.integration_runs.to_dict("records") if r["ts"] < cut]
    tickets = [r for r in src.tickets.to_dict("records") if r["opened_at"] < cut]
    available = {r["feature"] for r in usage if r["events"] > 0}
    out: dict[str, dict[str, Any]] = {}
    for acc in src.accounts.to_dict("records"):
        created, churned = _day(acc["created_at"]), _maybe_day(acc["churned_at"])
        if not (created < as_of and (churned is None or churned > as_of)):
            continue
        f: dict[str, Any] = {}
        mine = [r for r in usage if r["account_id"] == acc["account_id"]]
        used = [r for r in mine if r["events"] > 0]
        ever = {r["feature"] for r in used}
        unadopted = [k for k in p.key_features if k not in ever]
        f["unadopted_key_features"] = len(unadopted)
        f["unadopted_key_features_names"] = ", ".join(unadopted) or None
        last = {r["feature"] for r in used if _day(r["date"]) >= as_of - w}
        prev = {r["feature"] for r in used if as_of - 2 * w <= _day(r["date"]) < as_of - w}
        n_avail = len(available)
        f["adoption_breadth"] = len(last) / n_avail if n_avail else 0.0
        f["adoption_breadth_trend"] = (len(last) - len(prev)) / n_avail if n_avail else 0.0

        def daily_max_sum(lo: dt.date, hi: dt.date, rows: list[dict] = mine) -> float:
            total, d = 0.0, lo
            while d < hi:
                total += max([r["active_users"] for r in rows if _day(r["date"]) == d], default=0)
                d += dt.timedelta(days=1)
            return total

        users_last = daily_max_sum(as_of - w, as_of)
        users_prev = daily_max_sum(as_of - 2 * w, as_of - w)
        seats = _none(acc["seats"])
        f["users_per_seat"] = users_last / p.window_days / seats if seats else math.nan
        f["users_per_seat_trend"] = _rel(users_last, users_prev)
        ev_last = sum(r["events"] for r in mine if _day(r["date"]) >= as_of - w)
        ev_prev = sum(r["events"] for r in mine if as_of - 2 * w <= _day(r["date"]) < as_of - w)
        f["usage_trend"] = _rel(ev_last, ev_prev)
        last_use = max((_day(r["date"]) for r in used), default=created)
        f["days_since_last_activity"] = (as_of - last_use).days
        f.update(_integrations(runs, acc["account_id"], as_of, cut, w))
        f.update(_tickets(tickets, acc["account_id"], as_of, cut, w, p.csat_days))
        renewal = _maybe_day(acc["renewal_date"])
        f["days_to_renewal"] = math.nan if renewal is None else _to_renewal(renewal, as_of)
        f["renewal_within_horizon"] = (
            math.nan if renewal is None else float(f["days_to_renewal"] <= p.horizon_days)
        )
        f["tenure_days"] = (as_of - created).days
        f["seats"] = math.nan if seats is None else seats
        f["arr"] = acc["arr"]
        f["segment"] = _none(acc["segment"])
        f["plan"] = _none(acc["plan"])
        out[acc["account_id"]] = f
    return out


def _integrations(runs: list[dict], aid: str, as_of: dt.date, cut: Any, w: Any) -> dict:
    mine = sorted((r for r in runs if r["account_id"] == aid), key=lambda r: r["ts"])
    by_name: dict[str, list[dict]] = {}
    for r in mine:
        by_name.setdefault(r["integration"], []).append(r)
    stats = []
    for name, rows in by_name.items():
        fails = sum(1 for r in rows if r["ts"] >= cut - w and r["status"] == "failure")
        n_runs = sum(1 for r in rows if r["ts"] >= cut - w)
        streak = 0
        for r in reversed(rows):
            if r["status"] == "success":
                break
            streak += 1
        ok = [r["ts"] for r in rows if r["status"] == "success"]
        anchor = max(ok) if ok else rows[0]["ts"]
        stats.append((-fails, -streak, name, fails, n_runs, streak, anchor))
    stats.sort()
    total_fails = sum(s[3] for s in stats)
    total_runs = sum(s[4] for s in stats)
    worst = stats[0] if stats else None
    return {
        "integration_failures_14d": total_fails,
        "integration_failure_rate_14d": total_fails / total_runs if total_runs else math.nan,
        "consecutive_failures": worst[5] if worst else 0,
        "days_since_last_sync": (as_of - worst[6].date()).days if worst else math.nan,
        "broken_integrations": sum(1 for s in stats if s[5] > 0),
        "worst_integration": worst[2] if worst else None,
        "failing_integrations": _names([s[2] for s in stats if s[3] > 0]),
    }


def _tickets(tickets: list[dict], aid: str, as_of: dt.date, cut: Any, w: Any, csat_days: int):
    mine = [t for t in tickets if t["account_id"] == aid]

    def before(v: Any) -> bool:
        return _none(v) is not None and v < cut

    open_ = [t for t in mine if not before(t["closed_at"])]
    unanswered = [t for t in open_ if not before(t["first_response_at"])]
    unanswered.sort(key=lambda t: (t["opened_at"], -RANK.get(t["priority"], -1), t["ticket_id"]))
    rated = [
        t["csat"]
        for t in mine
        if before(t["closed_at"])
        and t["closed_at"] >= cut - dt.timedelta(days=csat_days)
        and _none(t["csat"]) is not None
    ]
    oldest = unanswered[0] if unanswered else None
    return {
        "open_tickets": len(open_),
        "urgent_open_tickets": sum(1 for t in open_ if t["priority"] in ("urgent", "high")),
        "oldest_unanswered_ticket_days": (as_of - oldest["opened_at"].date()).days if oldest else 0,
        "oldest_unanswered_ticket_priority": (_none(oldest["priority"]) or "unprioritised")
        if oldest
        else None,
        "ticket_volume_trend": sum(1 for t in mine if t["opened_at"] >= cut - w)
        - sum(1 for t in mine if cut - 2 * w <= t["opened_at"] < cut - w),
        "csat_mean": sum(rated) / len(rated) if rated else math.nan,
    }


CHECKED = [
    *MODEL_FEATURES,
    "unadopted_key_features_names",
    "worst_integration",
    "failing_integrations",
    "oldest_unanswered_ticket_priority",
]


def assert_matches_oracle(src: SourceFrames, as_of: dt.date, params: FeatureParams) -> None:
    got = build_features(src, as_of, params)
    want = oracle(src, as_of, params)
    assert sorted(got.index) == sorted(want), "the active accounts differ"
    for aid, expected in want.items():
        for name in CHECKED:
            g, e = _none(got.at[aid, name]), _none(expected[name])
            if isinstance(e, str) or e is None:
                assert g == e, f"{aid} {name}: got {g!r}, oracle {e!r}"
            else:
                assert g == pytest.approx(e, nan_ok=True), f"{aid} {name}: {g!r} vs {e!r}"


@pytest.mark.parametrize("seed", range(1, 9))
def test_every_feature_equals_the_per_row_oracle(seed: int) -> None:
    src = random_sources(seed, n_accounts=6)
    for as_of in (AS_OF, AS_OF - dt.timedelta(days=9)):
        assert_matches_oracle(src, as_of, PARAMS)


def test_other_window_and_key_features_follow_the_params() -> None:
    params = FeatureParams(key_features=("SSO", "Exports", "Nope"), window_days=5, csat_days=20)
    for seed in (4, 5):
        assert_matches_oracle(random_sources(seed, n_accounts=6), AS_OF, params)


def test_frame_has_every_catalog_column_indexed_by_account_id(random_src: SourceFrames) -> None:
    got = build_features(random_src, AS_OF, PARAMS)
    assert list(got.columns) == feature_columns()
    assert set(got.columns) == set(FEATURES)
    assert got.index.name == "account_id"
    assert pd.api.types.is_string_dtype(got.index)
    for name in MODEL_FEATURES:
        kind = got[name].dtype
        if name in ("segment", "plan"):
            assert isinstance(kind, pd.CategoricalDtype)
        else:
            assert pd.api.types.is_float_dtype(kind), name


def test_a_feature_frame_reads_in_plain_words() -> None:
    from scoring.catalog import render_reason

    got = build_features(random_sources(2, n_accounts=6), AS_OF, PARAMS)
    row = got.iloc[0].to_dict()
    text = render_reason("unadopted_key_features", row)
    if row["unadopted_key_features"] > 0:
        assert text.startswith(f"{int(row['unadopted_key_features'])} of 5 key features never")
    assert not np.isnan(got["tenure_days"]).any()
