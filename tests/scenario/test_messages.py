"""Tests for sim.scenario.messages: pydantic errors as readable problems at file positions."""

from __future__ import annotations

import pydantic
import pytest
from pydantic import model_validator
from toy_schema import GOOD, Scenario, Strict, edited, lines_for

from sim.scenario.messages import validate_file
from sim.scenario.problems import SourceError

# --------------------------------------------------------------------------- validation messages


def test_valid_file_has_no_problems() -> None:
    assert lines_for(GOOD) == []


def test_wrong_type() -> None:
    assert lines_for(edited("size: 1000", "size: many")) == [
        "scenario.yaml:4:3: market.size: expected an integer (got 'many')"
    ]


def test_out_of_range() -> None:
    assert lines_for(edited("price: 12", "price: -1")) == [
        "scenario.yaml:9:5: firms.Beta.price: must be >= 0 (got -1)"
    ]


def test_literal_lists_the_choices() -> None:
    assert lines_for(edited("strategy: 4C", "strategy: 5P")) == [
        "scenario.yaml:10:5: firms.Beta.strategy: must be one of: 4P, 4C, 4R (got '5P')"
    ]


def test_unknown_key_suggests_the_close_one() -> None:
    assert lines_for(edited("periods: 12", "periods: 12\nperoids: 13")) == [
        "scenario.yaml:3:1: peroids: unknown key 'peroids'; did you mean 'periods'?"
    ]


def test_unknown_key_inside_a_dict_of_models_entry() -> None:
    assert lines_for(edited("price: 10", "pirce: 10")) == [
        "scenario.yaml:6:3: firms.Alpha.price: required field is missing",
        "scenario.yaml:7:5: firms.Alpha.pirce: unknown key 'pirce'; did you mean 'price'?",
    ]


def test_unknown_key_without_a_close_match_lists_the_valid_keys() -> None:
    assert lines_for(edited("size: 1000", "size: 1000\n  zzz: 1")) == [
        "scenario.yaml:5:3: market.zzz: unknown key 'zzz'; valid keys: size, segments"
    ]


def test_unknown_key_is_checked_against_aliases() -> None:
    assert lines_for(GOOD + "random-sed: 4\n") == [
        "scenario.yaml:16:1: random-sed: unknown key 'random-sed'; did you mean 'random-seed'?"
    ]


def test_missing_required_field_points_at_the_parent_key() -> None:
    assert lines_for(edited("market:\n  size: 1000\n", "")) == [
        "scenario.yaml:1:1: market: required field is missing"
    ]


def test_list_index_path() -> None:
    text = GOOD + "  - {kind: campaign, period: 0, firm: Beta, budget: 5}\n"
    assert lines_for(text) == ["scenario.yaml:16:22: events.1.period: must be >= 1 (got 0)"]


def test_union_reports_only_the_branch_that_fits() -> None:
    text = GOOD + "  - {kind: campaign, period: 2, firm: Beta, budgte: 5}\n"
    assert lines_for(text) == [
        "scenario.yaml:16:5: events.1.budget: required field is missing",
        "scenario.yaml:16:45: events.1.budgte: unknown key 'budgte'; did you mean 'budget'?",
    ]


def test_union_with_unknown_kind_names_the_kinds() -> None:
    assert lines_for(edited("kind: price_cut", "kind: price_war")) == [
        "scenario.yaml:12:5: events.0.kind: must be one of: price_cut, campaign (got 'price_war')"
    ]
    text = GOOD + "shocks:\n  - {kind: price_war, period: 1}\n"
    assert lines_for(text) == [
        "scenario.yaml:17:6: shocks.0.kind: must be one of: price_cut, campaign (got 'price_war')"
    ]


def test_union_of_scalars_gives_one_combined_message() -> None:
    assert lines_for(GOOD + "noise: [1]\n") == [
        "scenario.yaml:16:1: noise: expected an integer or a number (got [1])"
    ]


def test_model_validator_message_is_kept() -> None:
    assert lines_for(edited("firm: Alpha", "firm: Gamma")) == [
        "scenario.yaml:1:1: event names firm 'Gamma', which is not in firms"
    ]


def test_problems_are_sorted_by_position_and_never_mention_pydantic() -> None:
    text = edited("size: 1000", "size: 0", edited("periods: 12", "periods: x"))
    lines = lines_for(edited("price: 12", "price: -1", text))
    assert [line.split(": ")[0] for line in lines] == [
        "scenario.yaml:2:1",
        "scenario.yaml:4:3",
        "scenario.yaml:9:5",
    ]
    assert not any("pydantic" in line or "http" in line for line in lines)


def test_empty_file() -> None:
    assert lines_for("") == [
        "scenario.yaml:1:1: the document is empty; expected a mapping (key: value pairs)"
    ]


# --------------------------------------------------------------------------- validate_file


def test_validate_file_returns_the_model_and_positions(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenario.yaml").write_text(GOOD)
    scenario, loaded = validate_file("scenario.yaml", Scenario, overrides=["periods=24"])
    assert scenario.periods == 24
    assert scenario.firms["Beta"].strategy == "4C"
    assert loaded.position(("firms", "Beta")) == (8, 3)


def test_validate_file_raises_every_problem(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenario.yaml").write_text(edited("price: 10", "pirce: 10"))
    with pytest.raises(SourceError) as caught:
        validate_file("scenario.yaml", Scenario, overrides=["periods=0"])
    assert str(caught.value).splitlines() == [
        "--set: periods: must be >= 1 (got 0)",
        "scenario.yaml:6:3: firms.Alpha.price: required field is missing",
        "scenario.yaml:7:5: firms.Alpha.pirce: unknown key 'pirce'; did you mean 'price'?",
    ]
    assert caught.value.__cause__ is None


def test_validate_file_passes_the_context(tmp_path) -> None:
    class Checked(Strict):
        size: int

        @model_validator(mode="after")
        def within_limit(self, info: pydantic.ValidationInfo) -> Checked:
            if self.size > info.context["limit"]:
                raise ValueError(f"size is above the limit of {info.context['limit']}")
            return self

    path = tmp_path / "small.yaml"
    path.write_text("size: 5\n")
    assert validate_file(path, Checked, context={"limit": 10})[0].size == 5
    with pytest.raises(SourceError) as caught:
        validate_file(path, Checked, context={"limit": 3})
    assert str(caught.value) == f"{path}:1:1: size is above the limit of 3"


def test_a_misspelt_key_of_a_dict_of_models_is_one_problem_not_its_missing_fields() -> None:
    from pathlib import Path

    from sim.scenario.loader import load_scenario

    default = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"
    with pytest.raises(SourceError) as caught:
        load_scenario(default, [("--set 1", "market.behaviour.levels.partnershp.cocreation=0")])
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    assert "market.behaviour.levels.partnershp: invalid key" in lines[0]
    assert "partnership" in lines[0]
