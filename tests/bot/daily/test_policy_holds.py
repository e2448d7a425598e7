"""One open play per account: a new alert updates the play's message; a dismissal is honoured
until risk rises by the margin, and the alert posted then says so."""

from __future__ import annotations

import datetime as dt

from bot.daily.alert_policy import Hold, select_alerts
from tests.bot.daily.test_policy import AS_OF, alerted, cand, spec

CHOSEN = Hold("playbook", 41, 0.18, dt.date(2024, 11, 3), "Integration health check")
DISMISSED = Hold("dismissal", 42, 0.52, dt.date(2025, 1, 1), "Already handled")


def test_an_alert_for_an_account_with_an_open_play_updates_that_message() -> None:
    history = [alerted("A", 20, 0.18)]
    [d] = select_alerts([cand("A", 0.34)], history, spec(), AS_OF, holds={"A": CHOSEN})
    assert (d.status, d.follows) == ("pending", 41)
    assert (
        d.since == "Risk rose from 18 % to 34 % since you chose Integration health check on 3 Nov"
    )


def test_an_open_play_does_not_count_towards_the_daily_cap() -> None:
    holds = {"A": CHOSEN}
    [d, _] = select_alerts([cand("A", 0.34), cand("B", 0.9)], [], spec(cap=1), AS_OF, holds=holds)
    assert d.follows == 41


def test_a_dismissal_holds_until_risk_rises_by_the_margin() -> None:
    for risk in (0.15, 0.52, 0.61):
        [d] = select_alerts([cand("A", risk)], [], spec(), AS_OF, holds={"A": DISMISSED})
        assert d.status == "suppressed", risk
        assert "marked not a risk on 2025-01-01 at 52 %" in (d.why or "")
    [d] = select_alerts([cand("A", 0.64)], [], spec(), AS_OF, holds={"A": DISMISSED})
    assert (d.status, d.follows) == ("pending", None)
    assert d.since == (
        "Risk rose from 52 % to 64 % since this was marked not a risk (Already handled) on 1 Jan:"
        " more than the 10-point margin, so it is back"
    )
