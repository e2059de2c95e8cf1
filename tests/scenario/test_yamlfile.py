"""Tests for sim.scenario.yamlfile: safe YAML loading, refused tags, aliases, limits."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from toy_schema import edited, lines_for

import sim
from sim.scenario.problems import SourceError
from sim.scenario.yamlfile import load_yaml

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


def test_no_module_loads_yaml_unsafely() -> None:
    """Only the safe composer of sim.scenario.yamlfile reads YAML: no module uses yaml.load or
    the unsafe and full loaders."""
    modules = sorted(Path(sim.__file__).parent.rglob("*.py"))
    assert len(modules) > 30
    for module in modules:
        source = module.read_text(encoding="utf-8")
        for unsafe in ("yaml.load(", "UnsafeLoader", "FullLoader", "yaml.unsafe_load"):
            assert unsafe not in source, f"{module}: {unsafe}"
