"""Tests for sim.sourcefile: YAML loading with positions, overrides, readable validation errors."""

from __future__ import annotations

import pickle
import tracemalloc
from pathlib import Path
from typing import Annotated, Literal

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, model_validator

import sim
from sim.scenario.messages import problems_from_validation, validate_file
from sim.scenario.overrides import apply_overrides
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import MISSING, Problem, SourceError, short_value
from sim.scenario.yamlfile import load_yaml

# --------------------------------------------------------------------------- a small schema


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Firm(Strict):
    price: float = Field(ge=0)
    strategy: Literal["4P", "4C", "4R"] = "4P"
    awareness: float = Field(default=0.5, ge=0, le=1)


class Market(Strict):
    size: int = Field(ge=1)
    segments: list[str] = []


class PriceCut(Strict):
    kind: Literal["price_cut"]
    period: int = Field(ge=1)
    firm: str
    amount: float = Field(gt=0)


class Campaign(Strict):
    kind: Literal["campaign"]
    period: int = Field(ge=1)
    firm: str
    budget: float = Field(ge=0)


class Scenario(Strict):
    name: str
    periods: int = Field(ge=1)
    market: Market
    firms: dict[str, Firm]
    events: list[PriceCut | Campaign] = []
    shocks: list[Annotated[PriceCut | Campaign, Field(discriminator="kind")]] = []
    noise: int | float | None = None
    random_seed: int = Field(default=0, alias="random-seed")

    @model_validator(mode="after")
    def events_name_known_firms(self) -> Scenario:
        for event in self.events:
            if event.firm not in self.firms:
                raise ValueError(f"event names firm {event.firm!r}, which is not in firms")
        return self


GOOD = """\
name: duopoly
periods: 12
market:
  size: 1000
firms:
  Alpha:
    price: 10
  Beta:
    price: 12
    strategy: 4C
events:
  - kind: price_cut
    period: 3
    firm: Alpha
    amount: 1.5
"""


def lines_for(text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    """Problem lines for validating ``text`` as scenario.yaml (empty if it is valid)."""
    try:
        loaded = apply_overrides(load_yaml("scenario.yaml", text=text), list(overrides))
        Scenario.model_validate(loaded.data)
    except SourceError as error:
        return str(error).splitlines()
    except pydantic.ValidationError as error:
        return [str(p) for p in problems_from_validation(error, loaded, Scenario)]
    return []


def edited(old: str, new: str, text: str = GOOD) -> str:
    assert old in text
    return text.replace(old, new, 1)


# --------------------------------------------------------------------------- Problem, SourceError


def test_problem_line_format_with_and_without_path_and_value() -> None:
    assert str(Problem("a.yaml", 3, 5, "firms.Alpha.price", "must be >= 0", -5)) == (
        "a.yaml:3:5: firms.Alpha.price: must be >= 0 (got -5)"
    )
    assert str(Problem("a.yaml", 1, 1, "name", "required field is missing")) == (
        "a.yaml:1:1: name: required field is missing"
    )
    assert str(Problem("a.yaml", 2, 1, "", "bad YAML")) == "a.yaml:2:1: bad YAML"
    assert Problem("a", 1, 1, "", "m").got is MISSING


def test_short_value_is_yaml_like_and_truncated() -> None:
    assert short_value(None) == "null"
    assert short_value(True) == "true"
    assert short_value("5P") == "'5P'"
    assert short_value({"a": [1, 2.5]}) == "{a: [1, 2.5]}"
    long = short_value(list(range(10_000)))
    assert len(long) == 60
    assert long.endswith("...")
    assert short_value("x" * 500).endswith("...")


def test_source_error_lists_one_problem_per_line_and_pickles() -> None:
    problems = [Problem("a", 1, 1, "x", "bad", 1), Problem("a", 2, 1, "y", "worse")]
    error = SourceError(problems)
    assert str(error) == "a:1:1: x: bad (got 1)\na:2:1: y: worse"
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == problems
    assert again.problems[1].got is MISSING


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


# --------------------------------------------------------------------------- loading problems


def test_duplicate_key_points_at_the_second_and_names_the_first() -> None:
    assert lines_for(edited("  Beta:\n", "  Alpha:\n")) == [
        "scenario.yaml:8:3: firms.Alpha: duplicate key 'Alpha' (first defined at line 6, column 3)"
    ]


def test_python_tag_is_refused_without_running_anything(tmp_path) -> None:
    marker = tmp_path / "ran"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n"
    assert lines_for(text) == [
        "scenario.yaml:1:7: name: tags are not allowed (got '!!python/object/apply:os.system')"
    ]
    assert not marker.exists()


def test_custom_tag_is_refused() -> None:
    assert lines_for(edited("price: 10", "price: !money 10")) == [
        "scenario.yaml:7:12: firms.Alpha.price: tags are not allowed (got '!money')"
    ]


def test_standard_tags_are_allowed_and_checked() -> None:
    assert load_yaml("f", text="a: !!str 12\nb: !!float 1\nc: !!null x\n").data == {
        "a": "12",
        "b": 1.0,
        "c": None,
    }
    assert lines_for("a: !!int twelve\n") == [
        "scenario.yaml:1:4: a: cannot read this as an integer (got 'twelve')"
    ]


def test_syntax_error_has_the_parsers_position() -> None:
    assert lines_for("name: x\nfirms: [Alpha, Beta\nperiods: 3\n") == [
        "scenario.yaml:3:8: invalid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence at line 2, column 8)"
    ]


def test_tab_indentation_is_explained() -> None:
    assert lines_for("market:\n\tsize: 3\n") == [
        "scenario.yaml:2:1: invalid YAML: tabs cannot be used for indentation; use spaces"
    ]


def test_mapping_keys_are_the_text_written_and_collections_are_refused() -> None:
    loaded = load_yaml("f", text="on: 1\n2: b\nnull: c\n")
    assert loaded.data == {"on": 1, "2": "b", "null": "c"}
    with pytest.raises(SourceError) as caught:
        load_yaml("f", text="? [a, b]\n: 1\n")
    assert str(caught.value) == "f:1:3: mapping keys must be text, not a list"


def test_billion_laughs_is_refused_before_expanding() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    bomb = "\n".join(levels) + "\n"
    assert len(bomb) < 1024
    tracemalloc.start()
    try:
        with pytest.raises(SourceError) as caught:
            load_yaml("bomb.yaml", text=bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == (
        "bomb.yaml:6:36: the document expands to more than 1,000,000 values "
        "(aliases included); refusing to load it"
    )
    assert peak < 2_000_000  # bytes; the expanded structure would need gigabytes


def test_aliases_are_counted_by_what_they_expand_to() -> None:
    text = "a: &a [1, 2, 3, 4]\nb: [*a, *a]\n"  # 1 + 2 + (1 + 4) + (1 + 2 * 5) = 19 nodes
    assert load_yaml("f", text=text, max_nodes=19).data == {
        "a": [1, 2, 3, 4],
        "b": [[1, 2, 3, 4], [1, 2, 3, 4]],
    }
    with pytest.raises(SourceError):
        load_yaml("f", text=text, max_nodes=18)


def test_aliases_give_independent_copies_and_merge_keys_work() -> None:
    text = "base: &base {price: 1, strategy: 4P}\nfirms:\n  A: *base\n  B: {<<: *base, price: 2}\n"
    loaded = load_yaml("f", text=text)
    assert loaded.data["firms"] == {
        "A": {"price": 1, "strategy": "4P"},
        "B": {"price": 2, "strategy": "4P"},
    }
    assert loaded.data["firms"]["A"] is not loaded.data["base"]
    assert loaded.position(("firms", "B", "strategy")) == (1, 24)  # written in the anchor
    assert loaded.position(("firms", "B", "price")) == (4, 18)


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(SourceError) as caught:
        load_yaml("f", text="a: &a [1, *a]\n")
    assert str(caught.value) == (
        "f:1:11: alias *a is used inside its own anchor (recursive structures are not allowed)"
    )


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(SourceError) as caught:
        load_yaml("f", text="[" * 300)
    assert str(caught.value) == "f:1:101: nesting is deeper than 100 levels"


def test_missing_unreadable_and_oversized_files(tmp_path) -> None:
    with pytest.raises(SourceError) as caught:
        load_yaml(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}:1:1: file not found"
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100)
    with pytest.raises(SourceError) as caught:
        load_yaml(big, max_bytes=100)
    assert str(caught.value) == f"{big}:1:1: file is larger than 100 bytes"
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(SourceError) as caught:
        load_yaml(binary)
    assert str(caught.value) == f"{binary}:2:4: file is not UTF-8 text (byte 0xff)"


def test_positions_of_keys_items_and_ancestors() -> None:
    loaded = load_yaml("scenario.yaml", text=GOOD)
    assert loaded.position(()) == (1, 1)
    assert loaded.position(("firms", "Beta", "strategy")) == (10, 5)
    assert loaded.position(("events", 0)) == (12, 5)
    assert loaded.position(("events", 0, "amount")) == (15, 5)
    assert loaded.position(("firms", "Beta", "nothing", "here")) == (8, 3)
    assert loaded.position(("events", 7, "period")) == (11, 1)
    assert LoadedYaml("api", {"a": 1}).locate(("a",)) == ("api", 1, 1)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=120),
        st.text(alphabet=list("ab1:-[]{}&*!|>'\"#,?~%@`<= \n\t."), max_size=120),
    )
)
def test_loading_any_text_raises_only_source_error(text: str) -> None:
    try:
        loaded = load_yaml("random.yaml", text=text, max_nodes=1000)
    except SourceError as error:
        assert error.problems
        assert all(str(problem).startswith("random.yaml:") for problem in error.problems)
    else:
        assert isinstance(loaded.data, dict | list | str | int | float | bool | type(None))


# --------------------------------------------------------------------------- overrides


def test_overrides_are_typed_and_create_keys() -> None:
    loaded = load_yaml("scenario.yaml", text=GOOD)
    changed = apply_overrides(
        loaded,
        [
            "periods=90",
            "firms.Alpha.awareness=0.5",
            "firms.Gamma.price=7",
            "firms.Beta.strategy=4R",
            "market.segments=[students, families]",
            "events.0.amount=2",
            "name=Price war: round 2",
            "noise=true",
        ],
    )
    data = changed.data
    assert data["periods"] == 90
    assert data["firms"]["Alpha"] == {"price": 10, "awareness": 0.5}
    assert data["firms"]["Gamma"] == {"price": 7}
    assert data["firms"]["Beta"]["strategy"] == "4R"
    assert data["market"]["segments"] == ["students", "families"]
    assert data["events"][0]["amount"] == 2
    assert data["name"] == "Price war: round 2"
    assert data["noise"] is True
    assert loaded.data["periods"] == 12  # the original is unchanged
    assert changed.locate(("firms", "Gamma", "price")) == ("--set", 1, 1)
    assert changed.locate(("firms", "Gamma")) == ("--set", 1, 1)
    assert changed.locate(("firms", "Beta", "price")) == ("scenario.yaml", 9, 5)


def test_bad_overrides_are_reported_at_the_origin() -> None:
    loaded = load_yaml("scenario.yaml", text=GOOD)
    with pytest.raises(SourceError) as caught:
        apply_overrides(
            loaded,
            ["periods", "=3", "firms.Alpha.price.cents=5", "events.x=1", "a..b=1", "name=[1,"],
        )
    assert str(caught.value).splitlines() == [
        "--set:1:1: periods: an override must look like PATH=VALUE (got 'periods')",
        "--set:1:1: an override needs a field path before '=' (got '=3')",
        "--set:1:1: firms.Alpha.price.cents: cannot set a key inside 'firms.Alpha.price', "
        "which is a number (got 10)",
        "--set:1:1: events.x: 'events' is a list; 'x' is not an item number",
        "--set:1:1: a..b: the field path has an empty part (got 'a..b=1')",
        "--set:1:1: name: cannot read the value: expected the node content, but found "
        "'<stream end>' (got '[1,')",
    ]


def test_override_values_cannot_carry_tags() -> None:
    loaded = load_yaml("scenario.yaml", text=GOOD)
    with pytest.raises(SourceError) as caught:
        apply_overrides(loaded, ["name=!!python/name:os.system"], origin="arm cheap")
    assert str(caught.value) == (
        "arm cheap:1:1: name: cannot read the value: tags are not allowed "
        "(got '!!python/name:os.system')"
    )


def test_invalid_override_value_is_reported_at_set() -> None:
    assert lines_for(GOOD, ("firms.Alpha.price=-5", "periods=12")) == [
        "--set:1:1: firms.Alpha.price: must be >= 0 (got -5)"
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
        "--set:1:1: periods: must be >= 1 (got 0)",
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


def test_no_module_loads_yaml_unsafely() -> None:
    """Only the safe composer of sim.scenario.yamlfile reads YAML: no module uses yaml.load or
    the unsafe and full loaders."""
    modules = sorted(Path(sim.__file__).parent.rglob("*.py"))
    assert len(modules) > 30
    for module in modules:
        source = module.read_text(encoding="utf-8")
        for unsafe in ("yaml.load(", "UnsafeLoader", "FullLoader", "yaml.unsafe_load"):
            assert unsafe not in source, f"{module}: {unsafe}"
