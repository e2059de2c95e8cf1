"""The generated reference pages: up to date on disk, and complete."""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from sim.columns import COLUMNS
from sim.scenario import fieldtext, reference
from sim.scenario.firms import FirmSpec
from sim.scenario.spec import Scenario

ROOT = Path(__file__).resolve().parents[2]
STALE = ("{name} is out of date with the code: run `python -m sim.scenario.reference` and commit"
         " the result")


@pytest.mark.parametrize(("name", "generate"), [
    ("outputs.md", reference.columns_markdown),
    ("reference.md", reference.reference_markdown),
])
def test_page_on_disk_is_what_the_code_generates(name: str, generate: Any) -> None:
    path = ROOT / "docs" / name
    assert path.exists(), f"docs/{name} is missing: run `python -m sim.scenario.reference`"
    assert path.read_text(encoding="utf-8") == generate(), STALE.format(name=f"docs/{name}")


def test_pages_say_they_are_generated() -> None:
    for text in (reference.columns_markdown(), reference.reference_markdown()):
        first = text.splitlines()[0]
        assert "python -m sim.scenario.reference" in first and "not edit" in first


def _documented(text: str) -> set[str]:
    """First-column code paths of every table row, with ``<name>`` placeholders as ``<*>``."""
    paths = set()
    for line in text.splitlines():
        match = re.match(r"^\| `([^`]+)` \|", line)
        if match:
            paths.add(re.sub(r"<[^>]+>", "<*>", match.group(1)))
    return paths


def test_every_column_is_documented() -> None:
    documented = _documented(reference.columns_markdown())
    assert documented == set(COLUMNS)
    for name, (unit, meaning) in COLUMNS.items():
        assert f"| `{name}` | {unit} |" in reference.columns_markdown()
        assert meaning.split()[0] in reference.columns_markdown()


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every leaf field of the schema, written independently of sim.reference's walk.

    A firm entering through an event (``events[].add_firm``) has every field of a firm; its
    inherited fields are documented once, under ``firms.<name>``.
    """
    for name, info in model.model_fields.items():
        if model is not FirmSpec and issubclass(model, FirmSpec) and name in FirmSpec.model_fields:
            continue
        ann = _strip(info.annotation)
        path = f"{prefix}{name}"
        if _is_model(ann):
            yield from _leaf_paths(ann, f"{path}.")
        elif get_origin(ann) is dict and _is_model(_strip(get_args(ann)[1])):
            yield from _leaf_paths(_strip(get_args(ann)[1]), f"{path}.<*>.")
        elif get_origin(ann) is list and _is_model(_strip(get_args(ann)[0])):
            yield from _leaf_paths(_strip(get_args(ann)[0]), f"{path}[].")
        else:
            yield path


def test_every_scenario_leaf_field_is_documented() -> None:
    leaves = list(_leaf_paths(Scenario))
    assert len(leaves) > 100  # the walk reached the nested sections
    documented = _documented(reference.reference_markdown())
    missing = [p for p in leaves if p not in documented]
    assert not missing, f"scenario fields missing from docs/reference.md: {missing}"
    assert {"firms.<*>.price", "market.segments.<*>.share", "events[].period",
            "market.behaviour.levels.<*>.trust_gain", "firms.<*>.costs.fixed"} <= documented


def test_entrant_section_points_to_the_firm_fields() -> None:
    text = reference.reference_markdown()
    section = text.split("## `events[].add_firm`")[1].split("\n## ")[0]
    assert "as in `firms.<name>`" in section


def test_defaults_include_built_in_segments_and_levels() -> None:
    text = reference.reference_markdown()
    share = next(ln for ln in text.splitlines()
                 if ln.startswith("| `market.segments.<name>.share`"))
    assert "lighthouse `0.15`" in share and "deal_seeker `0.2`" in share
    trust = next(ln for ln in text.splitlines()
                 if ln.startswith("| `market.behaviour.levels.<level>.trust_gain`"))
    assert "partnership `1.8`" in trust
    price = next(ln for ln in text.splitlines() if ln.startswith("| `firms.<name>.price`"))
    assert "| `100` | ≥ 0 |" in price


def test_every_strategy_parameter_is_documented() -> None:
    text = reference.reference_markdown()
    for name, cls in reference.builtin_strategies().items():
        section = text.split(f"### `{name}`")[1].split("\n### ")[0]
        assert inspect.cleandoc(cls.__doc__).splitlines()[0] in section
        for param in cls.Params.model_fields:
            assert f"| `params.{param}` |" in section, (name, param)
    assert set(reference.builtin_strategies()) >= {"4P", "4C", "4R", "fixed"}


def test_type_and_range_texts() -> None:
    from sim.levers import LeverSet
    from sim.scenario.market import NetworkSpec, SegmentSpec

    assert fieldtext.type_text(NetworkSpec.model_fields["degree"].annotation) == "integer"
    assert fieldtext.type_text(SegmentSpec.model_fields["needs"].annotation) == "[number, number]"
    assert fieldtext.type_text(SegmentSpec.model_fields["kind"].annotation) == (
        "one of consumer/business")
    assert "class map" in fieldtext.type_text(LeverSet.model_fields["discount"].annotation)
    assert fieldtext.range_text(SegmentSpec.model_fields["share"].annotation,
                                SegmentSpec.model_fields["share"]) == "(0, 1]"
    assert fieldtext.range_text(SegmentSpec.model_fields["loyalty_smoothing"].annotation,
                                SegmentSpec.model_fields["loyalty_smoothing"]) == "[0, 1)"
    assert fieldtext.range_text(LeverSet.model_fields["discount"].annotation,
                                LeverSet.model_fields["discount"]) == "[0, 0.9]"


def test_write_docs_writes_both_pages(tmp_path: Path) -> None:
    written = reference.write_docs(tmp_path)
    assert [p.name for p in written] == ["outputs.md", "reference.md"]
    assert (tmp_path / "docs" / "reference.md").read_text(encoding="utf-8") == (
        reference.reference_markdown())


# --------------------------------------------------------------------------- docs/model.md
def _markdown_table(text: str, first_header: str) -> list[list[str]]:
    """Rows (cells stripped of backticks) of the table whose header starts with ``first_header``."""
    lines = text.splitlines()
    start = next(k for k, ln in enumerate(lines) if ln.startswith(f"| {first_header} |"))
    rows = []
    for ln in lines[start:]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip().strip("`") for c in ln.strip().strip("|").split("|")])
    return [rows[0], *rows[2:]]


def _number_or_text(cell: str) -> Any:
    try:
        return float(cell)
    except ValueError:
        return cell


def test_model_md_default_segments_match_the_code() -> None:
    from sim.scenario.market import default_segments

    header, *rows = _markdown_table((ROOT / "docs" / "model.md").read_text(encoding="utf-8"),
                                    "parameter")
    segments = default_segments()
    assert header[1:] == list(segments)
    for path, *cells in rows:
        for name, cell in zip(segments, cells, strict=True):
            value: Any = segments[name]
            for part in path.split("."):
                value = getattr(value, part)
            if isinstance(value, tuple):
                value = str(list(value))
                assert cell == value, (path, name)
            else:
                assert _number_or_text(cell) == value, (path, name)
    assert len(rows) >= 15


def test_model_md_relationship_levels_match_the_code() -> None:
    from sim.levers import LEVELS
    from sim.scenario.firms import FirmCosts
    from sim.scenario.market import BehaviourSpec

    header, *rows = _markdown_table((ROOT / "docs" / "model.md").read_text(encoding="utf-8"),
                                    "level")
    effects, costs = BehaviourSpec().levels, FirmCosts().relationship
    assert [r[0] for r in rows] == list(LEVELS)
    fields = header[2:-1]
    assert set(fields) == set(type(effects["basic"]).model_fields)
    for level, _meaning, *cells in rows:
        for name, cell in zip(fields, cells[:-1], strict=True):
            assert float(cell) == getattr(effects[level], name), (level, name)
        assert float(cells[-1]) == costs[level], level


def test_model_md_python_example_runs(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    for code in blocks:
        exec(compile(code, "docs/model.md", "exec"), {})
    assert "delivered_value" in capsys.readouterr().out
