"""The risk told against the CSM's own portfolio, the same way in alerts, /atrisk and App Home."""

from __future__ import annotations

import datetime as dt
import json

from bot.answers.activity import HomeAnswer, OpenAlert
from bot.answers.lookups import AccountLine, TopAnswer
from bot.blockkit.alerts import portfolio_phrase
from bot.daily.fallback import Serving
from bot.slack import home_view, queue_views
from tests.bot.slack.test_alert_blocks import EVIL, make_view, payload_text

SERVED = Serving(run_id=1, scored_on=dt.date(2025, 1, 15), paused=False, cause=None, banner=None)


def test_a_risk_reads_as_a_share_of_the_csms_accounts_and_their_typical_risk() -> None:
    assert portfolio_phrase(3, 60, 0.02) == "riskiest 5 % of your accounts (typical: 2 %)"
    assert portfolio_phrase(1, 400, 0.004) == "riskiest 1 % of your accounts (typical: under 1 %)"


def test_a_small_portfolio_is_told_by_rank() -> None:
    assert portfolio_phrase(2, 12, 0.031) == "#2 of your 12 accounts (typical: 3 %)"


def test_an_alert_frames_its_risk_in_the_csms_portfolio() -> None:
    body = payload_text(make_view(risk=0.18, portfolio=(3, 60, 0.02)))
    risk_field = body.split("*Risk*")[1]
    assert "18 % chance of churning in the next 30 days" in risk_field
    assert "riskiest 5 % of your accounts (typical: 2 %)" in risk_field
    assert "of your accounts" not in payload_text(make_view(portfolio=None))


def test_atrisk_frames_each_account_in_its_csms_portfolio_with_the_name_escaped() -> None:
    line = AccountLine("A1", "Acme", EVIL, risk=0.3, portfolio=(1, 50, 0.02))
    out = json.dumps(queue_views.top(TopAnswer("my accounts", (line,), SERVED, at_risk=1)))
    assert "riskiest 2 % of &lt;!channel&gt; Acme" in out
    assert "accounts (typical: 2 %)" in out
    assert "<!channel>" not in out


def test_app_home_frames_each_open_alert_in_the_callers_portfolio() -> None:
    alert = OpenAlert(7, "Acme", 0.25, "3 of 5 key features never used", dt.date(2025, 1, 15),
                      None, portfolio=(4, 80, 0.03))  # fmt: skip
    home = home_view.home(HomeAnswer("Jane", "my accounts", (alert,), (), SERVED, 7))
    assert "riskiest 5 % of your accounts (typical: 3 %)" in json.dumps(home, ensure_ascii=False)
