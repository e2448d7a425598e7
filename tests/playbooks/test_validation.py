"""A broken playbook file is refused with every problem named: file, playbook id, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks import load_library
from playbooks.errors import LibraryInvalid
from tests.playbooks.factories import playbook, write


def problems(folder: Path, **known: object) -> list[str]:
    with pytest.raises(LibraryInvalid) as info:
        load_library(folder, **known)  # type: ignore[arg-type]
    return info.value.problems


def one_problem(tmp_path: Path, **overrides: object) -> str:
    folder = tmp_path / "team"
    write(folder, "pb.yml", playbook(**overrides))
    found = problems(folder)
    assert len(found) == 1, found
    assert found[0].startswith(f"{folder / 'pb.yml'}: ")
    return found[0]


def test_a_valid_playbook_loads(tmp_path: Path) -> None:
    write(tmp_path, "pb.yml", playbook())
    assert [p.id for p in load_library(tmp_path)] == ["call-admin"]


def test_a_title_too_long_for_a_slack_button_is_named_with_file_id_and_field(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "playbooks" / "team"
    write(folder, "escalate.yml", playbook(id="escalate-ticket", title="x" * 81))
    assert problems(folder) == [
        f"{folder / 'escalate.yml'}: escalate-ticket: title: "
        "81 characters, a Slack button holds at most 75"
    ]


def test_a_title_of_exactly_75_characters_fits(tmp_path: Path) -> None:
    write(tmp_path, "pb.yml", playbook(title="x" * 75))
    assert load_library(tmp_path).get("call-admin") is not None


def test_an_unknown_family_is_refused(tmp_path: Path) -> None:
    msg = one_problem(tmp_path, families=["support", "suport"])
    assert "call-admin: families: unknown family 'suport'" in msg
    assert "did you mean 'support'" in msg


def test_a_duplicate_id_is_refused_naming_both_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", playbook())
    write(tmp_path, "b.yml", playbook(title="Another call"))
    [msg] = problems(tmp_path)
    assert msg.startswith(f"{tmp_path / 'b.yml'}: call-admin: id: duplicate")
    assert str(tmp_path / "a.yml") in msg


def test_a_missing_title_is_refused(tmp_path: Path) -> None:
    assert "call-admin: title: is required" in one_problem(tmp_path, title=None)


def test_a_missing_description_is_refused(tmp_path: Path) -> None:
    assert "call-admin: description: is required" in one_problem(tmp_path, description=None)


def test_a_description_too_long_for_a_slack_confirmation_is_refused(tmp_path: Path) -> None:
    msg = one_problem(tmp_path, description="Call them. " * 30)
    assert "description: 329 characters, a Slack confirmation holds at most 300" in msg


def test_a_bad_style_is_refused(tmp_path: Path) -> None:
    msg = one_problem(tmp_path, style="red")
    assert "call-admin: style: 'red' is not a button style" in msg


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("open_tickets >= ", "expected a feature name, a number or 'text' at column 17"),
        ("open_tickets => 3", "unknown operator '=>' at column 14"),
        ("open_tickets = 3", "unknown operator '='"),
        ("open_tickets > 3 && csat_mean < 3", "unknown operator '&&'"),
        ("(open_tickets > 3", "expected ')'"),
        ("open_tickets", "expected a comparison"),
    ],
)
def test_a_bad_condition_is_refused_saying_where(tmp_path: Path, when: str, expected: str) -> None:
    msg = one_problem(tmp_path, when=when)
    assert "call-admin: when: " in msg
    assert expected in msg


def test_a_condition_that_is_not_text_is_refused(tmp_path: Path) -> None:
    assert "when: must be a condition in quotes" in one_problem(tmp_path, when=True)


def test_unknown_features_are_refused_only_when_the_known_features_are_given(
    tmp_path: Path,
) -> None:
    write(tmp_path, "pb.yml", playbook(when="open_tikets >= 3"))
    assert load_library(tmp_path).get("call-admin") is not None
    [msg] = problems(tmp_path, known_features={"open_tickets", "csat_mean"})
    assert "when: unknown feature 'open_tikets' (did you mean 'open_tickets'?) at column 1" in msg


@pytest.mark.parametrize("days", [0, -3, "soon", 2.5, True, 400])
def test_a_bad_follow_up_days_is_refused(tmp_path: Path, days: object) -> None:
    assert "call-admin: follow_up_days: " in one_problem(tmp_path, follow_up_days=days)


def test_a_missing_follow_up_days_is_refused(tmp_path: Path) -> None:
    msg = one_problem(tmp_path, follow_up_days=None)
    assert "follow_up_days: is required" in msg


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yml", "id: x\ntitle: [unclosed\n")
    [msg] = problems(tmp_path)
    assert msg.startswith(f"{path}: not valid YAML at line ")


def test_an_unknown_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    msg = one_problem(tmp_path, stlye="primary")
    assert "call-admin: stlye: not a known field (did you mean 'style'?)" in msg


def test_a_bad_id_is_refused(tmp_path: Path) -> None:
    assert "id: 'Call Admin' must be a slug" in one_problem(tmp_path, id="Call Admin")


def test_a_missing_id_names_the_playbook_by_position(tmp_path: Path) -> None:
    assert ": playbook #1: id: is required" in one_problem(tmp_path, id=None)


def test_the_dismissal_id_is_reserved(tmp_path: Path) -> None:
    assert "is reserved for the dismissal button" in one_problem(tmp_path, id="not-a-risk")


def test_a_priority_that_is_not_a_whole_number_is_refused(tmp_path: Path) -> None:
    assert "priority: 'high' is not a whole number" in one_problem(tmp_path, priority="high")


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ({"type": "email", "text": "hi"}, "follow_ups[1].type: 'email' is not one of"),
        (
            {"type": "notify_channel", "channel": "support", "text": "hi"},
            "follow_ups[1].channel: 'support' is not a channel",
        ),
        ({"type": "notify_channel", "channel": "#cs"}, "follow_ups[1].text: is required"),
        ({"type": "thread_reminder", "text": "hi"}, "follow_ups[1].after_days: is required"),
        (
            {"type": "thread_reminder", "after_days": 2, "text": "hi {owner}"},
            "follow_ups[1].text: unknown placeholder {owner}",
        ),
        (
            {"type": "thread_reminder", "after_days": 2, "channel": "#cs", "text": "hi"},
            "follow_ups[1].channel: not a known field of thread_reminder",
        ),
    ],
)
def test_a_bad_follow_up_is_refused(tmp_path: Path, follow_up: dict, expected: str) -> None:
    assert expected in one_problem(tmp_path, follow_ups=[follow_up])


def test_every_problem_in_every_file_is_listed_and_nothing_is_loaded(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", playbook(id="a", title="x" * 80, style="blue"))
    write(tmp_path, "b.yml", {"playbooks": [playbook(id="b"), playbook(id="c", families=[])]})
    write(tmp_path, "c.yml", playbook(id="fine"))
    found = problems(tmp_path)
    assert len(found) == 3
    assert any(": a: title: " in p for p in found)
    assert any(": a: style: " in p for p in found)
    assert any(": c: families: is required" in p for p in found)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "empty.yml", "")
    assert "the file is empty" in problems(tmp_path)[0]


def test_a_folder_without_playbooks_cannot_replace_the_library(tmp_path: Path) -> None:
    assert "no playbook files" in problems(tmp_path)[0]


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    assert "no such playbook folder" in problems(tmp_path / "nope")[0]
