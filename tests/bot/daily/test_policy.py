"""The alert policy: daily cap, cooldown, holdout — a pure function of candidates and history."""

from __future__ import annotations

import datetime as dt
import hashlib

from bot.bootstrap import default_spec_path
from bot.daily.alert_policy import (
    AlertCandidate,
    holdout_bucket,
    is_held_out,
    select_alerts,
)
from bot.spec import Spec, load_spec

AS_OF = dt.date(2025, 1, 15)


def spec(cap: int = 5, cooldown: int = 14, margin: float = 0.1, holdout: float = 0.0) -> Spec:
    s = load_spec(default_spec_path())
    s.surface = s.surface.model_copy(
        update={"daily_cap_per_csm": cap, "cooldown_days": cooldown, "risk_rise_margin": margin}
    )
    s.feedback = s.feedback.model_copy(update={"holdout_share": holdout})
    return s


def cand(aid: str, risk: float, csm: str | None = "jane@example.com", rank: int = 1):
    return AlertCandidate(account_id=aid, csm_email=csm, risk=risk, rank=rank)


def alerted(aid: str, days_ago: int, risk: float, status: str = "posted") -> dict:
    return {
        "account_id": aid,
        "as_of": AS_OF - dt.timedelta(days=days_ago),
        "status": status,
        "risk": risk,
        "csm_email": "jane@example.com",
    }


def statuses(decisions) -> dict[str, str]:
    return {d.account_id: d.status for d in decisions}


def test_each_csm_gets_at_most_the_daily_cap_riskiest_first() -> None:
    jane = [cand(f"J{i}", 0.5 + i / 100) for i in range(7)]
    omar = [cand("O1", 0.3, "omar@example.com")]
    decisions = select_alerts(jane + omar, [], spec(cap=5), AS_OF)
    got = statuses(decisions)
    assert [d.account_id for d in decisions] == [c.account_id for c in jane + omar]
    assert {a for a, s in got.items() if s == "pending"} == {"J2", "J3", "J4", "J5", "J6", "O1"}
    assert got["J0"] == got["J1"] == "suppressed"
    why = next(d.why for d in decisions if d.account_id == "J0")
    assert "daily cap of 5 alerts for jane@example.com" in why


def test_alerts_already_made_today_count_towards_the_cap() -> None:
    history = [{**alerted(f"X{i}", 0, 0.9), "status": "posted"} for i in range(4)]
    got = statuses(select_alerts([cand("A", 0.8), cand("B", 0.7)], history, spec(cap=5), AS_OF))
    assert got == {"A": "pending", "B": "suppressed"}


def test_an_account_alerted_within_the_cooldown_is_suppressed() -> None:
    decisions = select_alerts([cand("A", 0.62)], [alerted("A", 7, 0.55)], spec(), AS_OF)
    assert decisions[0].status == "suppressed"
    assert "alerted on 2025-01-08, within the 14-day cooldown" in (decisions[0].why or "")


def test_a_risk_rise_of_the_margin_alerts_again_within_the_cooldown() -> None:
    history = [alerted("A", 7, 0.55)]
    assert statuses(select_alerts([cand("A", 0.65)], history, spec(), AS_OF)) == {"A": "pending"}


def test_the_cooldown_ends_after_its_days() -> None:
    history = [alerted("A", 14, 0.55)]
    assert statuses(select_alerts([cand("A", 0.55)], history, spec(), AS_OF)) == {"A": "pending"}


def test_suppressed_alerts_do_not_start_a_cooldown_but_held_out_ones_do() -> None:
    history = [alerted("A", 3, 0.5, "suppressed"), alerted("B", 3, 0.5, "held_out")]
    got = statuses(select_alerts([cand("A", 0.5), cand("B", 0.5)], history, spec(), AS_OF))
    assert got == {"A": "pending", "B": "suppressed"}


def test_no_cooldown_when_it_is_zero_days() -> None:
    history = [alerted("A", 1, 0.9)]
    got = statuses(select_alerts([cand("A", 0.5)], history, spec(cooldown=0), AS_OF))
    assert got == {"A": "pending"}


def test_the_holdout_is_about_its_share_and_stable_within_a_month() -> None:
    ids = [f"acct-{i}" for i in range(4000)]
    held = [a for a in ids if is_held_out(a, AS_OF, 0.1)]
    assert 0.085 < len(held) / len(ids) < 0.115
    assert held == [a for a in ids if is_held_out(a, AS_OF.replace(day=28), 0.1)]
    assert held != [a for a in ids if is_held_out(a, dt.date(2025, 2, 1), 0.1)]


def test_the_holdout_hash_is_sha256_not_pythons_salted_hash() -> None:
    expected = int.from_bytes(hashlib.sha256(b"A001|2025-01").digest()[:8], "big") / 2.0**64
    assert holdout_bucket("A001", AS_OF) == expected


def test_held_out_accounts_are_not_posted_and_do_not_use_the_cap() -> None:
    ids = [f"acct-{i}" for i in range(200)]
    held = next(a for a in ids if is_held_out(a, AS_OF, 0.1))
    free = [a for a in ids if not is_held_out(a, AS_OF, 0.1)][:2]
    candidates = [cand(held, 0.9), cand(free[0], 0.8), cand(free[1], 0.7)]
    decisions = select_alerts(candidates, [], spec(cap=2, holdout=0.1), AS_OF)
    assert [d.status for d in decisions] == ["held_out", "pending", "pending"]
    assert "control group" in (decisions[0].why or "")
