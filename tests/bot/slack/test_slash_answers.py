"""``/atrisk`` subcommands: one account, one CSM, report, status, help, and the kill switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.lifecycle.model_state import current
from tests.bot.slack.app_harness import (
    ADMIN,
    ANALYST,
    JANE,
    MANAGER,
    OMAR,
    ZOE,
    Harness,
    running_app,
    text_of,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble

BANNER = "Model paused — using last week's data"


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


def test_an_account_by_exact_name_shows_its_details(app: Harness) -> None:
    text = text_of(app.answer("acme corp", user=JANE))
    assert "*Acme Corp* (acme)" in text
    assert "*Risk* critical · 81 % ↑ from 52 %" in text and "*CSM* Jane Doe" in text
    assert "acme: 14 failed Salesforce syncs" in text


def test_an_account_by_id_or_a_misspelling_is_found(app: Harness) -> None:
    assert "*Initech* (initech)" in text_of(app.answer("initech", user=MANAGER))
    assert "*Initech* (initech)" in text_of(app.answer("Initch", user=MANAGER))


def test_several_matches_give_a_short_list(app: Harness) -> None:
    text = text_of(app.answer("o", user=MANAGER))  # Globex & Sons, Acme Corp
    assert "Accounts matching “o”" in text
    assert "Acme Corp" in text and "Globex" in text and "Initech" not in text


def test_no_match_suggests_what_was_meant(app: Harness) -> None:
    text = text_of(app.answer("Acne Crop", user=JANE))
    assert "No account in your scope matches “Acne Crop”" in text
    assert "Did you mean “Acme Corp”?" in text


def test_csm_by_mention_shows_their_accounts_to_their_manager(app: Harness) -> None:
    text = text_of(app.answer("csm <@U0OMAR0001|omar>", user=MANAGER))
    assert "Omar Khan's accounts" in text and "Initech" in text and "Acme" not in text


def test_csm_by_name_or_email_works_too(app: Harness) -> None:
    assert "Initech" in text_of(app.answer("csm Omar Khan", user=ANALYST))
    assert "Initech" in text_of(app.answer("csm @omar@example.com", user=ANALYST))


def test_csm_outside_the_callers_team_is_politely_refused(app: Harness) -> None:
    text = text_of(app.answer(f"csm <@{ZOE}|zoe>", user=MANAGER))
    assert "outside what you can see" in text and "Umbrella" not in text


def test_csm_nobody_knows_is_named_as_unknown(app: Harness) -> None:
    text = text_of(app.answer("csm Nobody Atall", user=MANAGER))
    assert "Nobody called “Nobody Atall” is in atrisk's team table" in text


def test_report_shows_this_weeks_alerts_ungraded_until_the_week_ends(app: Harness) -> None:
    app.click_playbook(user=JANE)
    wait_until(lambda: app.actions())
    text = text_of(app.answer("report", user=ANALYST))
    assert "No full week with alerts yet: adoption is not graded." in text
    assert "This week so far (not graded): 2 alerts sent · playbook chosen on *1* (50 %)" in text
    assert "*1 / 2*" in text and "best-in-class" not in text.split("Tiers")[0]
    manager = text_of(app.answer("report", user=MANAGER))
    assert "1 alerts sent · playbook chosen on *1*" in manager and "*1 / 1*" in manager


def test_status_names_model_run_freshness_and_fallback(app: Harness) -> None:
    text = text_of(app.answer("status", user=JANE))
    assert "*Model* `2026-03-01.1`" in text and "ROC AUC 0.830 on the test period" in text
    assert "*State* *active*" in text
    assert "*Last run* 10 Mar 2026: *succeeded*, 5 scored" in text
    assert "*Freshness* fresh: scores of 2026-03-10, 0 days old (stale after 8)" in text
    assert "*Fallback* no" in text


def test_help_shows_the_consumer_from_the_spec_and_the_commands(app: Harness) -> None:
    text = text_of(app.answer("help", user=JANE))
    assert "Customer success managers" in text and "/atrisk report" in text


def test_the_kill_switch_is_for_admins_only(app: Harness) -> None:
    text = text_of(app.answer("model disable bad data", user=MANAGER))
    assert "Only atrisk admins" in text
    assert current(app.ctx).state == "active"


def test_an_admin_disables_and_answers_carry_the_banner_until_enabled(app: Harness) -> None:
    text = text_of(app.answer("model disable bad data since Monday", user=ADMIN))
    assert "Model disabled: bad data since Monday" in text
    state = current(app.ctx)
    assert (state.state, state.reason, state.changed_by) == (
        "disabled",
        "bad data since Monday",
        "adam@example.com",
    )
    assert BANNER in text_of(app.answer("", user=OMAR))
    assert BANNER in text_of(app.answer("status", user=OMAR))
    assert "Model enabled" in text_of(app.answer("model enable", user=ADMIN))
    assert current(app.ctx).state == "active"


def test_disabling_a_disabled_model_in_slack_says_by_whom_and_when(app: Harness) -> None:
    text_of(app.answer("model disable bad data since Monday", user=ADMIN))
    text = text_of(app.answer("model disable something else", user=ADMIN))
    assert "already disabled by adam@example.com at " in text and "bad data since Monday" in text
    assert current(app.ctx).reason == "bad data since Monday"


def test_anything_not_understood_gets_help(app: Harness) -> None:
    text = text_of(app.answer("model frobnicate", user=JANE))
    assert "`/atrisk model` takes `disable &lt;reason&gt;` or `enable`" in text
    assert "/atrisk report" in text


def test_a_mention_label_with_markup_is_shown_once_escaped_not_twice(app: Harness) -> None:
    text = text_of(app.answer("csm <@U0NOBODY1|&lt;!channel&gt; &amp; co>", user=MANAGER))
    assert "&amp;lt;" not in text and "&amp;amp;" not in text
    assert "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text
