"""``when`` conditions: evaluated safely against feature values, never executed."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbooks import parse_condition
from playbooks.errors import ConditionInvalid

VALUES = {
    "integration_failures_14d": 14,
    "csat_mean": 2.5,
    "days_to_renewal": 45,
    "segment": "Enterprise",
    "usage_trend": -0.4,
    "arr": None,
    "seats": float("nan"),
}


def holds(text: str, values: dict | None = None) -> bool:
    return parse_condition(text).holds(VALUES if values is None else values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("integration_failures_14d >= 5", True),
        ("integration_failures_14d >= 15", False),
        ("integration_failures_14d == 14", True),
        ("integration_failures_14d != 14", False),
        ("csat_mean < 3", True),
        ("csat_mean <= 2.5", True),
        ("csat_mean > 2.5", False),
        ("usage_trend <= -0.3", True),
        ("5 < integration_failures_14d", True),
        ("segment == 'Enterprise'", True),
        ('segment != "SMB"', True),
        ("integration_failures_14d > 1e1", True),
        ("csat_mean < days_to_renewal", True),
    ],
)
def test_a_comparison_holds_or_not(text: str, expected: bool) -> None:
    assert holds(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "open_tickets >= 1",
        "open_tickets < 1",
        "open_tickets != 1",
        "arr >= 0",
        "arr != 0",
        "seats < 10",
        "seats >= 10",
        "open_tickets in [1, 2]",
    ],
)
def test_a_missing_or_empty_feature_makes_the_comparison_false(text: str) -> None:
    assert holds(text) is False


def test_a_number_compared_with_text_is_false() -> None:
    assert holds("segment == 5") is False
    assert holds("segment != 5") is False
    assert holds("integration_failures_14d == '14'") is False


def test_and_binds_tighter_than_or_and_parentheses_regroup() -> None:
    # True or (False and False) = True; (True or False) and False = False
    assert holds("csat_mean < 3 or arr > 1 and seats > 1") is True
    assert holds("(csat_mean < 3 or arr > 1) and seats > 1") is False
    assert holds("((csat_mean < 3) and (days_to_renewal <= 90))") is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("segment in ['Enterprise', 'Mid-Market']", True),
        ("segment in ['SMB']", False),
        ("integration_failures_14d in [13, 14, 15,]", True),
        ("integration_failures_14d in ['14']", False),
    ],
)
def test_in_checks_membership_of_a_list(text: str, expected: bool) -> None:
    assert holds(text) is expected


def test_numpy_values_are_read_as_numbers() -> None:
    values = {"seats": np.int64(12), "users_per_seat": np.float64(0.2), "gone": np.float64("nan")}
    assert parse_condition("seats >= 10 and users_per_seat < 0.5").holds(values)
    assert not parse_condition("gone < 1").holds(values)


def test_a_condition_names_the_features_it_reads() -> None:
    cond = parse_condition("(seats >= 10 and users_per_seat < 0.5) or plan in ['Pro']")
    assert cond.features == {"seats", "users_per_seat", "plan"}
    assert str(cond) == "(seats >= 10 and users_per_seat < 0.5) or plan in ['Pro']"


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('rm -rf /')",
        "os.system('id') == 0",
        "open('/etc/passwd') != ''",
        "(lambda: 1)() == 1",
        "seats == 1; import os",
        "seats == [].__class__",
        "seats == `id`",
        "seats == 1 if True else 2",
        "not seats == 1",
    ],
)
def test_code_is_refused_not_run(text: str) -> None:
    with pytest.raises(ConditionInvalid):
        parse_condition(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the condition is empty"),
        ("seats == 'unclosed", "has no closing '"),
        ("1 == 1", "compares two constants"),
        ("segment < 'M'", "compares numbers, not text"),
        ("seats >= 10 seats", "expected 'and', 'or' or the end at column 13"),
        ("seats >= 10d", "'10d' at column 10 is not a number"),
        ("seats > 1 < 2", "expected 'and', 'or' or the end"),
        ("'SMB' in ['SMB']", "'in' needs a feature name on its left"),
        ("seats in []", "expected a feature name, a number or 'text'"),
        ("(" * 20 + "seats > 1" + ")" * 20, "nested parentheses"),
        ("seats > 1 and " * 40 + "seats > 1", "a condition holds at most 500"),
    ],
)
def test_a_malformed_condition_says_what_is_wrong(text: str, expected: str) -> None:
    with pytest.raises(ConditionInvalid, match=None) as info:
        parse_condition(text)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("text", "author_sees"),
    [
        ("__import__('os')", "__import__('os') at column 1 is a call"),
        ("f(seats) > 1", "f(seats) at column 1 is a call"),
        ("seats.real > 1", "seats.real at column 1 is an attribute"),
        ("seats[0] > 1", "seats[0] at column 1 is indexing"),
        ("seats > 1 and x.y == 2", "x.y at column 15 is an attribute"),
        ("lambda: 1", "lambda: 1 at column 1 is a lambda"),
        ("seats ** 2 > 100", "seats ** 2 at column 1 is arithmetic (**)"),
        ("seats + 1 > 2", "is arithmetic (+)"),
        ("(seats := 1) > 0", "seats := 1 at column 2 is an assignment (:=)"),
        ("segment == f'{segment}'", "f'{segment}' at column 12 is an f-string"),
        ("seats > 1 if seats else 2", "is 'if … else'"),
        ("not seats == 1", "'not' at column 1 is not part of the language"),
        ("seats is 1", "unknown operator 'is' at column 7"),
        ("segment not in ['SMB']", "unknown operator 'not in' at column 9"),
        ("segment in ('SMB', 'Mid-Market')", "'in' needs a list in square brackets at column 12"),
        ("segment in [plan]", "an 'in' list holds numbers or 'text', not the feature plan"),
        ("seats == True", "True at column 10 is not a feature name, a number or 'text'"),
        ("seats == 0x10", "0x10 at column 10 is not a feature name, a number or 'text'"),
        ("segment == r'SMB'", "write text in plain 'single' or \"double\" quotes"),
        ("(seats) > 1", "parentheses around seats at column 2"),
        ("seats > 1 # and seats < 5", "unexpected character '#' at column 11"),
        ("seats == `id`", "unexpected character '`' at column 10"),
        ("seats > 1 if", "'if' at column 11 is a reserved word"),
        ("seats = 3", "unknown operator '=' at column 7"),
        ("(seats > 1 seats < 5)", "expected ')' at column 12, got 'seats'"),
        ("segment in ['SMB' 'Mid-Market']", "write text in plain"),
        ("seats in [1 2]", "expected ',' or ']' at column 13, got '2'"),
    ],
)
def test_what_is_not_a_condition_is_refused_naming_it_and_its_column(
    text: str, author_sees: str
) -> None:
    with pytest.raises(ConditionInvalid) as info:
        parse_condition(text)
    assert author_sees in str(info.value)


def test_nothing_in_a_refused_condition_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for text in (
        f"__import__('pathlib').Path({str(marker)!r}).touch() == 1",
        f"seats == [open({str(marker)!r}, 'w')][0]",
    ):
        with pytest.raises(ConditionInvalid):
            parse_condition(text)
    assert not marker.exists()


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(ConditionInvalid, match=r"seats\.x at column 25 is an attribute"):
        parse_condition("segment == 'Équipe' and seats.x > 1")


def test_an_unknown_feature_is_refused_with_its_column_when_the_features_are_known() -> None:
    with pytest.raises(ConditionInvalid) as info:
        parse_condition(
            "seats >= 10 and users_per_sat < 0.5", known_features={"seats", "users_per_seat"}
        )
    assert "unknown feature 'users_per_sat' (did you mean 'users_per_seat'?) at column 17" in str(
        info.value
    )
    assert parse_condition("seats >= 10", known_features={"seats"}).features == {"seats"}


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("seats >= 10\nand segment == 'SMB'", {"seats": 12, "segment": "SMB"}, True),
        ("seats >= 10\tor  seats < 2", {"seats": 1}, True),
        ("path == 'C:\\temp\\n'", {"path": "C:\\temp\\n"}, True),
        ("note == 'a\\'", {"note": "a\\"}, True),
        ("seats >= 07", {"seats": 7}, True),
        ("class > 1 and from == 'web'", {"class": 2, "from": "web"}, True),
        ("segment in ['SMB', \"Mid-Market\"]", {"segment": "Mid-Market"}, True),
    ],
)
def test_text_numbers_and_line_breaks_are_read_as_written(
    text: str, values: dict, expected: bool
) -> None:
    assert parse_condition(text).holds(values) is expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_19 .-'\"()[],<>=!&|in ordseat")), max_size=40))
def test_any_text_either_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        cond = parse_condition(text)
    except ConditionInvalid:
        return
    result = cond.holds({"a": 1, "b": "x", "seat": math.nan})
    assert isinstance(result, bool)
