"""Point-in-time aggregates from sorted arrays: built once, then read for any ``as_of`` cheaply.

Every event table is turned into arrays sorted by (key, day) with prefix sums, so the sum or
the last row of any key before a day is one ``searchsorted`` away. Building features for many
snapshot dates then costs one pass over the events plus O(keys · log rows) per date, instead of
re-filtering the event frames for each date. All times are whole UTC days: a timestamp is
before ``as_of`` exactly when its UTC date is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

PRIORITY_RANK = {"urgent": 3, "high": 2, "normal": 1, "low": 0}
URGENT = ("urgent", "high")


class Sources(Protocol):
    """The source frames features read (``storage.repositories.sources.SourceFrames``)."""

    @property
    def accounts(self) -> pd.DataFrame: ...
    @property
    def usage(self) -> pd.DataFrame: ...
    @property
    def integration_runs(self) -> pd.DataFrame: ...
    @property
    def tickets(self) -> pd.DataFrame: ...


def day_numbers(values: Any) -> np.ndarray:
    """UTC calendar days since 1970-01-01 as float (NaN where missing); naive times are UTC."""
    t = pd.to_datetime(pd.Series(values), utc=True)
    d = t.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    out = d.astype("int64").astype("float64")
    out[np.isnat(d)] = np.nan
    return out


def floats(values: pd.Series) -> np.ndarray:
    """A numeric column as float64 with NaN for missing (also for nullable ``Int64``)."""
    return np.asarray(pd.to_numeric(values, errors="coerce").astype("float64"), dtype="float64")


def factorize_text(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the sorted distinct values of a text column (-1 where missing).

    Codes follow the sorted order of the values, so sorting by code sorts by text. Working on
    codes keeps pyarrow-backed ``str`` columns with millions of rows fast.
    """
    codes, uniques = pd.factorize(values)
    names = pd.Index(uniques, dtype="str")
    order = np.argsort(names.to_numpy(dtype=object))
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # missing stays -1
    return rank[np.asarray(codes, dtype=np.int64)], names[order]


def argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort``, skipped when ``values`` are already in order (tables read in key order)."""
    if len(values) < 2 or bool(np.all(values[1:] >= values[:-1])):
        return np.arange(len(values))
    return np.argsort(values)


def sort_by_key_then(key: np.ndarray, then: np.ndarray) -> np.ndarray:
    """The order sorting rows by ``key``, ties by ``then``.

    One sort of ``key · span + then`` when that fits in 63 bits, else two stable sorts.
    """
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64)
    lo = int(then.min())
    span = int(then.max()) - lo + 1
    if (int(key.max()) + 1) * span < 2**62:
        return argsort(key * span + (then - lo))
    first = np.argsort(then, kind="stable")
    return first[np.argsort(key[first], kind="stable")]


def _first_per_group(groups: np.ndarray) -> np.ndarray:
    """Positions where a sorted ``groups`` array starts a new value."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


@dataclass
class _Usage:
    nf: int
    span: int
    day0: int
    key_comb: np.ndarray  # used rows sorted: (account·nf + feature)·span + day
    keys: np.ndarray  # distinct used (account·nf + feature)
    first_use: np.ndarray  # per key
    feature_first_use: np.ndarray  # per feature, any account (inf if never)
    daily_comb: np.ndarray  # per (account, day) sorted: account·span + day
    events_cum: np.ndarray  # prefix sums, length n+1
    users_cum: np.ndarray  # prefix sums of the daily max active users, length n+1
    feature_names: list[str]


@dataclass
class _Runs:
    span: int
    day0: int
    comb: np.ndarray  # rows sorted by (key, ts): key·span + day
    keys: np.ndarray  # distinct keys (account·ni + integration)
    key_start: np.ndarray
    fail_cum: np.ndarray
    last_success: np.ndarray  # per row: position of the latest success at or before it, or -1
    day: np.ndarray
    ni: int
    names: list[str]


@dataclass
class _Tickets:
    acc: np.ndarray
    open_day: np.ndarray
    resp_day: np.ndarray
    close_day: np.ndarray
    urgent: np.ndarray
    csat: np.ndarray
    priority: np.ndarray  # object array of str | None
    oldest_order: np.ndarray  # by account, opened_at, priority (highest first), ticket_id


class PointInTimeIndex:
    """Sorted arrays of the source tables; ``raw(as_of, …)`` gives per-account aggregates."""

    def __init__(self, src: Sources, key_features: tuple[str, ...]) -> None:
        acc = src.accounts
        self.account_ids = pd.Index(acc["account_id"].astype("str"), name="account_id")
        self.n = len(self.account_ids)
        self.created = day_numbers(acc["created_at"])
        self.churned = day_numbers(acc["churned_at"])
        self.key_features = key_features
        self.usage = self._index_usage(src.usage)
        self.runs = self._index_runs(src.integration_runs)
        self.tickets = self._index_tickets(src.tickets)

    def _codes(self, ids: pd.Series) -> np.ndarray:
        """Account positions for an id column; -1 for ids not in the accounts table."""
        codes, uniques = factorize_text(ids)
        lookup = np.r_[self.account_ids.get_indexer(uniques), -1]
        return np.asarray(lookup[codes], dtype=np.int64)

    def _index_usage(self, usage: pd.DataFrame) -> _Usage:
        acc = self._codes(usage["account_id"])
        day = day_numbers(usage["date"])
        feat_codes, names = factorize_text(usage["feature"])
        ok = (acc >= 0) & ~np.isnan(day) & (feat_codes >= 0)
        acc, day, feat_codes = acc[ok], day[ok].astype(np.int64), feat_codes[ok]
        events = np.nan_to_num(floats(usage["events"])[ok])
        users = np.nan_to_num(floats(usage["active_users"])[ok])
        nf = max(len(names), 1)
        day0 = int(day.min()) - 1 if len(day) else 0
        span = int(day.max()) - day0 + 2 if len(day) else 2
        off = day - day0
        used = events > 0
        keys_all = acc * nf + feat_codes
        key_comb = np.sort(keys_all[used] * span + off[used])
        key_of = key_comb // span
        starts = _first_per_group(key_of)
        keys = key_of[starts]
        first_use = key_comb[starts] % span + day0
        feature_first_use = np.full(nf, np.inf)
        np.minimum.at(feature_first_use, keys % nf, first_use.astype("float64"))
        comb = acc * span + off
        order = argsort(comb)
        comb, events_s, users_s = comb[order], events[order], users[order]
        starts_d = _first_per_group(comb)
        daily_e = np.add.reduceat(events_s, starts_d) if len(comb) else events_s
        daily_u = np.maximum.reduceat(users_s, starts_d) if len(comb) else users_s
        return _Usage(
            nf=nf,
            span=span,
            day0=day0,
            key_comb=key_comb,
            keys=keys,
            first_use=first_use,
            feature_first_use=feature_first_use,
            daily_comb=comb[starts_d],
            events_cum=np.r_[0.0, np.cumsum(daily_e)],
            users_cum=np.r_[0.0, np.cumsum(daily_u)],
            feature_names=[str(x) for x in names],
        )

    def _index_runs(self, runs: pd.DataFrame) -> _Runs:
        acc = self._codes(runs["account_id"])
        ts = pd.to_datetime(runs["ts"], utc=True)
        integ, names = factorize_text(runs["integration"])
        ok = (acc >= 0) & ts.notna().to_numpy() & (integ >= 0)
        integ = integ[ok]
        ni = max(len(names), 1)
        key = acc[ok] * ni + integ
        tsv = ts[ok].dt.tz_localize(None).to_numpy().astype("datetime64[us]").astype("int64")
        order = sort_by_key_then(key, tsv)
        key, tsv = key[order], tsv[order]
        status, status_names = factorize_text(runs["status"])
        ok_code = status_names.get_indexer(["success"])[0]
        success = (status[ok] == ok_code)[order] if ok_code >= 0 else np.zeros(len(key), bool)
        day = tsv // 86_400_000_000
        day0 = int(day.min()) - 1 if len(day) else 0
        span = int(day.max()) - day0 + 2 if len(day) else 2
        starts = _first_per_group(key)
        key_start = np.repeat(starts, np.diff(np.r_[starts, len(key)]))
        pos = np.where(success, np.arange(len(key)), -1)
        last_success = np.maximum.accumulate(pos) if len(pos) else pos
        last_success = np.where(last_success >= key_start, last_success, -1)
        return _Runs(
            span=span,
            day0=day0,
            comb=key * span + (day - day0),
            keys=key[starts],
            key_start=key_start,
            fail_cum=np.r_[0, np.cumsum(~success)],
            last_success=last_success,
            day=day.astype("float64"),
            ni=ni,
            names=[str(x) for x in names],
        )

    def _index_tickets(self, tickets: pd.DataFrame) -> _Tickets:
        acc = self._codes(tickets["account_id"])
        opened = pd.to_datetime(tickets["opened_at"], utc=True)
        ok = (acc >= 0) & opened.notna().to_numpy()
        t = tickets[ok]
        prio = t["priority"] if "priority" in t else pd.Series(None, index=t.index, dtype="str")
        codes, names = factorize_text(prio)
        prio_obj = np.array([*names, None], dtype=object)[codes]
        rank = np.array([*(PRIORITY_RANK.get(p, -1) for p in names), -1])[codes]
        opened_ns = (
            opened[ok].dt.tz_localize(None).to_numpy().astype("datetime64[ns]").astype("int64")
        )
        ids, _ = factorize_text(t["ticket_id"])
        oldest_order = np.lexsort((ids, -rank, opened_ns, acc[ok]))

        def col(name: str) -> np.ndarray:
            return day_numbers(t[name]) if name in t else np.full(len(t), np.nan)

        csat = floats(t["csat"]) if "csat" in t else np.full(len(t), np.nan)
        return _Tickets(
            acc=acc[ok],
            open_day=day_numbers(t["opened_at"]),
            resp_day=col("first_response_at"),
            close_day=col("closed_at"),
            urgent=np.isin(prio_obj, URGENT),
            csat=csat,
            priority=prio_obj,
            oldest_order=oldest_order,
        )

    # ------------------------------------------------------------------ reading at a date

    def active(self, a: int) -> np.ndarray:
        """Positions of accounts active at day ``a``: created before it, not churned by it."""
        return np.flatnonzero((self.created < a) & ~(self.churned <= a))

    def raw(self, a: int, window: int, csat_days: int) -> pd.DataFrame:
        """Per-account aggregates at day ``a`` for every account (``features.finish`` reads them).

        key_used_<i>, features_available, adopted_last/prev, last_active_day, events_last/prev,
        users_last_sum/prev_sum (sums of the daily highest active users), runs_w, fails_w,
        broken, n_failing, worst_integration, failing_2, failing_3, worst_streak,
        worst_anchor_day (last success, else first run), open_tickets, urgent_open,
        oldest_unanswered_days, oldest_priority, tickets_last/prev, csat_sum, csat_n.
        """
        out: dict[str, Any] = {}
        out.update(self._usage_raw(a, window))
        out.update(self._runs_raw(a, window))
        out.update(self._tickets_raw(a, window, csat_days))
        return pd.DataFrame(out, index=self.account_ids)

    def _usage_raw(self, a: int, w: int) -> dict[str, Any]:
        u, n = self.usage, self.n
        out: dict[str, Any] = {}
        used_before = u.first_use < a
        key_acc, key_feat = u.keys // u.nf, u.keys % u.nf
        for i, name in enumerate(self.key_features):
            flag = np.zeros(n, dtype=bool)
            if name in u.feature_names:
                f = u.feature_names.index(name)
                sel = used_before & (key_feat == f)
                flag[key_acc[sel]] = True
            out[f"key_used_{i}"] = flag

        def last_before(day: int) -> np.ndarray:
            pos = np.searchsorted(u.key_comb, u.keys * u.span + (day - u.day0)) - 1
            safe = np.maximum(pos, 0)
            hit = (pos >= 0) & (u.key_comb[safe] // u.span == u.keys)
            return np.where(hit, u.key_comb[safe] % u.span + u.day0, -np.inf)

        last_a, last_prev = last_before(a), last_before(a - w)
        out["features_available"] = np.full(n, float((u.feature_first_use < a).sum()))
        out["adopted_last"] = np.bincount(key_acc[last_a >= a - w], minlength=n).astype(float)
        out["adopted_prev"] = np.bincount(key_acc[last_prev >= a - 2 * w], minlength=n).astype(
            float
        )
        last_active = np.full(n, -np.inf)
        np.maximum.at(last_active, key_acc, last_a)
        out["last_active_day"] = np.where(np.isinf(last_active), np.nan, last_active)
        base = np.arange(n, dtype=np.int64) * u.span

        def window_sum(cum: np.ndarray, lo: int, hi: int) -> np.ndarray:
            i_hi = np.searchsorted(u.daily_comb, base + (hi - u.day0))
            i_lo = np.searchsorted(u.daily_comb, base + (lo - u.day0))
            return np.asarray(cum[i_hi] - cum[i_lo])

        out["events_last"] = window_sum(u.events_cum, a - w, a)
        out["events_prev"] = window_sum(u.events_cum, a - 2 * w, a - w)
        out["users_last_sum"] = window_sum(u.users_cum, a - w, a)
        out["users_prev_sum"] = window_sum(u.users_cum, a - 2 * w, a - w)
        return out

    def _runs_raw(self, a: int, w: int) -> dict[str, Any]:
        r, n = self.runs, self.n
        keys = r.keys
        end = np.searchsorted(r.comb, keys * r.span + (a - r.day0))
        lo = np.searchsorted(r.comb, keys * r.span + (a - w - r.day0))
        start = np.searchsorted(r.comb, keys * r.span)
        has = end > start
        keys, end, lo, start = keys[has], end[has], lo[has], start[has]
        fails = (r.fail_cum[end] - r.fail_cum[lo]).astype(float)
        runs = (end - lo).astype(float)
        ls = r.last_success[end - 1]
        streak = np.where(ls >= 0, end - 1 - ls, end - start).astype(float)
        anchor = np.where(ls >= 0, r.day[np.maximum(ls, 0)], r.day[start])
        acc, integ = keys // r.ni, keys % r.ni
        order = np.lexsort((integ, -streak, -fails, acc))
        acc_o, integ_o, fails_o = acc[order], integ[order], fails[order]
        first = _first_per_group(acc_o)
        rank = np.arange(len(acc_o)) - np.repeat(first, np.diff(np.r_[first, len(acc_o)]))
        names = np.array([*r.names, None], dtype=object)

        def name_at(k: int) -> np.ndarray:
            col = np.full(n, None, dtype=object)
            sel = (rank == k) & ((fails_o > 0) if k else True)
            col[acc_o[sel]] = names[integ_o[sel]]
            return col

        worst = np.full(n, len(keys), dtype=np.int64)  # len(keys): the "no runs" sentinel
        worst[acc_o[first]] = order[first]
        return {
            "runs_w": np.bincount(acc, weights=runs, minlength=n),
            "fails_w": np.bincount(acc, weights=fails, minlength=n),
            "broken": np.bincount(acc, weights=(streak > 0).astype(float), minlength=n),
            "n_failing": np.bincount(acc, weights=(fails > 0).astype(float), minlength=n),
            "worst_integration": name_at(0),
            "failing_2": name_at(1),
            "failing_3": name_at(2),
            "worst_streak": np.r_[streak, 0.0][worst],
            "worst_anchor_day": np.r_[anchor, np.nan][worst],
        }

    def _tickets_raw(self, a: int, w: int, csat_days: int) -> dict[str, Any]:
        t, n = self.tickets, self.n
        opened = t.open_day < a
        is_open = opened & ~(t.close_day < a)
        unanswered = is_open & ~(t.resp_day < a)
        idx = t.oldest_order[unanswered[t.oldest_order]]
        first = idx[_first_per_group(t.acc[idx])]
        oldest = np.zeros(n)
        oldest[t.acc[first]] = a - t.open_day[first]
        prio = np.full(n, None, dtype=object)
        prio[t.acc[first]] = t.priority[first]
        rated = (t.close_day >= a - csat_days) & (t.close_day < a) & ~np.isnan(t.csat)

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(t.acc[mask], minlength=n).astype(float)

        return {
            "open_tickets": count(is_open),
            "urgent_open": count(is_open & t.urgent),
            "oldest_unanswered_days": oldest,
            "oldest_priority": prio,
            "tickets_last": count((t.open_day >= a - w) & opened),
            "tickets_prev": count((t.open_day >= a - 2 * w) & (t.open_day < a - w)),
            "csat_sum": np.bincount(t.acc[rated], weights=t.csat[rated], minlength=n),
            "csat_n": count(rated),
        }
