"""The built-in library, and a team's folder replacing or extending it."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks import FAMILIES, Library, load_library
from playbooks.errors import LibraryInvalid
from playbooks.validation import MAX_TITLE
from scoring.catalog import FEATURES
from tests.playbooks.factories import PLANNED_FEATURES, playbook, write


def test_the_builtin_library_loads_cleanly_and_covers_every_family() -> None:
    library = load_library()
    assert len(library) >= 8
    assert library.uncovered_families() == set()
    for family in FAMILIES:
        fitting = [p for p in library if family in p.families]
        assert any(p.condition is None for p in fitting), f"{family}: every playbook is conditional"


def test_builtin_conditions_only_name_real_features() -> None:
    load_library(known_features=set(FEATURES))
    load_library(known_features=PLANNED_FEATURES)


def test_builtin_playbooks_fit_slack_and_say_what_happens_next() -> None:
    for p in load_library():
        assert len(p.title) <= MAX_TITLE
        assert p.description[0].isupper() and p.description.endswith(".")
        assert p.follow_up_days >= 1


def test_library_get_finds_a_playbook_by_id() -> None:
    library = load_library()
    assert library.get("integration-health-check").title == "Integration health check"  # type: ignore[union-attr]
    assert library.get("no-such-playbook") is None
    assert "success-review" in library


def test_a_team_folder_replaces_the_builtin_library(tmp_path: Path) -> None:
    write(tmp_path, "call.yml", playbook(id="call-admin"))
    library = load_library(tmp_path)
    assert [p.id for p in library] == ["call-admin"]
    assert library.uncovered_families() == {
        "adoption",
        "integrations",
        "usage",
        "commercial",
        "profile",
    }


def test_a_team_folder_extends_the_builtin_library_and_overrides_by_id(tmp_path: Path) -> None:
    write(tmp_path, "call.yml", playbook(id="call-admin"))
    write(
        tmp_path,
        "renewal.yaml",
        playbook(id="renewal-preparation", title="Call finance", families=["commercial"]),
    )
    builtin = load_library()
    library = load_library(tmp_path, extend_builtin=True)
    assert len(library) == len(builtin) + 1
    assert library.get("call-admin") is not None
    assert library.get("renewal-preparation").title == "Call finance"  # type: ignore[union-attr]
    assert library.get("success-review") == builtin.get("success-review")


def test_an_empty_team_folder_may_extend_the_builtin_library(tmp_path: Path) -> None:
    assert len(load_library(tmp_path, extend_builtin=True)) == len(load_library())


def test_several_playbooks_may_share_a_file_under_playbooks(tmp_path: Path) -> None:
    write(tmp_path, "all.yml", {"playbooks": [playbook(id="one"), playbook(id="two")]})
    assert [p.id for p in load_library(tmp_path)] == ["one", "two"]


def test_a_top_level_list_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "all.yml", [playbook(id="one")])
    with pytest.raises(LibraryInvalid, match="expected one playbook"):
        load_library(tmp_path)


def test_a_library_built_in_code_refuses_duplicate_ids() -> None:
    p = load_library().get("success-review")
    assert p is not None
    with pytest.raises(LibraryInvalid, match="duplicate"):
        Library((p, p))


def test_follow_ups_are_loaded_and_fill_in_their_words() -> None:
    p = load_library().get("escalate-stale-ticket")
    assert p is not None
    notify, reminder = p.follow_ups
    assert notify.channel == "#support-escalations"
    assert reminder.after_days == 2
    text = notify.render({"csm": "Jane", "account": "Acme", "why": "fits the top reason: x"})
    assert text == "Jane escalated a stale ticket at Acme: fits the top reason: x"
