"""atrisk.yml: a validated spec that names what is missing, and `atrisk spec` for a PM."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.bootstrap import default_spec_path
from bot.cli import run
from bot.errors import SpecError
from bot.spec import load_spec, parse_spec


@pytest.fixture
def spec_data() -> dict:
    return yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))


def test_the_example_spec_is_valid():
    spec = load_spec(default_spec_path())
    assert spec.feedback.outcome_days == 30
    assert spec.entity.horizon_days == 30


def test_a_spec_without_a_feedback_signal_is_refused_naming_the_field(spec_data):
    del spec_data["feedback"]["outcome_days"]
    with pytest.raises(SpecError) as e:
        parse_spec(spec_data)
    assert str(e.value) == (
        "atrisk.yml: feedback.outcome_days is required — "
        "a data product without a feedback signal cannot start"
    )


@pytest.mark.parametrize("section", ["consumer", "accuracy", "surface", "owners", "feedback"])
def test_each_required_section_is_named_when_missing(spec_data, section):
    del spec_data[section]
    with pytest.raises(SpecError, match=f"atrisk.yml: {section} is required"):
        parse_spec(spec_data)


def test_every_problem_is_reported_at_once(spec_data):
    del spec_data["feedback"]
    spec_data["freshness"]["timezone"] = "Mars/Olympus"
    spec_data["surface"]["colour"] = "red"
    with pytest.raises(SpecError) as e:
        parse_spec(spec_data)
    text = str(e.value)
    assert "feedback is required" in text
    assert "unknown time zone 'Mars/Olympus'" in text
    assert "surface.colour is not a known field" in text


def test_a_floor_above_the_target_is_refused(spec_data):
    spec_data["accuracy"]["floor"] = 0.95
    with pytest.raises(SpecError, match=r"floor 0\.95 is above target"):
        parse_spec(spec_data)


def test_a_missing_spec_file_says_how_to_start(tmp_path):
    with pytest.raises(SpecError, match="atrisk spec --example"):
        load_spec(tmp_path / "atrisk.yml")


def test_a_spec_that_is_not_yaml_is_refused(tmp_path):
    path = tmp_path / "atrisk.yml"
    path.write_text("consumer: [unclosed\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(path)


def test_relative_paths_in_the_spec_are_relative_to_its_folder(tmp_path, spec_data):
    spec = parse_spec(spec_data, base_dir=tmp_path)
    assert spec.resolve("data/company") == str(tmp_path / "data" / "company")
    assert spec.resolve("postgresql://db/x") == "postgresql://db/x"


def test_atrisk_spec_renders_the_one_page_spec_for_a_pm(capsys):
    assert run(["spec", "--spec", str(default_spec_path())]) == 0
    out = capsys.readouterr().out
    for heading in (
        "Consumer and job to be done",
        "Inference contract",
        "Input schema",
        "Output schema",
        "Latency budget",
        "Freshness SLA",
        "Accuracy SLA",
        "Surface",
        "Action",
        "Feedback signal",
        "Owners",
    ):
        assert heading in out
    assert "floor 0.70" in out


def test_atrisk_spec_on_a_broken_spec_exits_2_with_the_field(tmp_path, spec_data, capsys):
    del spec_data["feedback"]["outcome_days"]
    path = tmp_path / "atrisk.yml"
    path.write_text(yaml.safe_dump(spec_data), encoding="utf-8")
    assert run(["spec", "--spec", str(path)]) == 2
    assert "feedback.outcome_days is required" in capsys.readouterr().err


def test_atrisk_spec_example_prints_a_spec_that_loads(tmp_path, capsys):
    assert run(["spec", "--example"]) == 0
    path = Path(tmp_path / "atrisk.yml")
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    assert load_spec(path).name


EXAMPLE = default_spec_path().read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("written", "says"),
    [  # a value whose closing quote is missing swallows the fields below, up to the next quote
        ('  cron: "0 6 * * *"', "the quoted value at line 22, column 9 runs on to line 33"),
        (
            '  default_channel: "#cs-at-risk"',
            "the quoted value at line 33, column 20 runs on to line 34",
        ),
        (  # no quote follows: YAML itself fails, at the end of the file
            '  retrain_cron: "0 3 * * 0"',
            "not valid YAML at line 64, column 1: found unexpected end of stream (while scanning "
            "a quoted scalar that starts at line 59, column 17)",
        ),
    ],
)
def test_a_missing_closing_quote_names_its_line_not_a_cascade_of_field_errors(
    tmp_path, monkeypatch, capsys, written, says
):
    assert written in EXAMPLE
    path = tmp_path / "atrisk.yml"
    path.write_text(EXAMPLE.replace(written, written[:-1]), encoding="utf-8")
    with pytest.raises(SpecError) as e:
        load_spec(path)
    message = str(e.value)
    assert message.startswith(f"{path}: {says}") and "closing quote" in message
    assert "\n" not in message and "is not a known field" not in message
    monkeypatch.setenv("ATRISK_SPEC", str(path))
    assert run(["spec"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_a_quoted_value_over_several_lines_is_fine_when_the_spec_is_valid(tmp_path):
    path = tmp_path / "atrisk.yml"
    text = EXAMPLE.replace("name: Churn risk for customer success", 'name: "Churn risk\n  for CS"')
    path.write_text(text, encoding="utf-8")
    assert load_spec(path).name == "Churn risk for CS"


def test_a_misspelt_key_suggests_the_one_meant_with_its_line(tmp_path):
    text = default_spec_path().read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["surface"]["risk_flor"] = 0.02
    data["training"]["min_postives"] = 10
    data["feedbak"] = {"outcome_days": 30}
    path = tmp_path / "atrisk.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(SpecError) as e:
        load_spec(path)
    text = str(e.value)
    flor = lines.index("  risk_flor: 0.02") + 1
    assert (
        f"atrisk.yml, line {flor}: surface.risk_flor is not a known field — did you mean "
        "surface.risk_floor?"
    ) in text
    assert "training.min_postives is not a known field — did you mean training.min_positives?" in (
        text
    )
    assert "feedbak is not a known field — did you mean feedback?" in text


def test_an_unknown_key_with_no_close_match_lists_the_keys_of_its_level(spec_data):
    spec_data["drift"]["zzz"] = 1
    with pytest.raises(SpecError) as e:
        parse_spec(spec_data)
    assert "atrisk.yml: drift.zzz is not a known field — drift takes " in str(e.value)
    assert "psi_threshold" in str(e.value)
