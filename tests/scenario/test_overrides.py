"""Tests for sim.scenario.overrides: --set PATH=VALUE, typed, positioned at their origin."""

from __future__ import annotations

import pytest
from toy_schema import GOOD, lines_for

from sim.scenario.overrides import apply_overrides
from sim.scenario.problems import SourceError
from sim.scenario.yamlfile import load_yaml

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
    assert changed.locate(("firms", "Gamma", "price")) == ("--set", 0, 0)
    assert changed.locate(("firms", "Gamma")) == ("--set", 0, 0)
    assert changed.locate(("firms", "Beta", "price")) == ("scenario.yaml", 9, 5)


def test_bad_overrides_are_reported_at_the_origin() -> None:
    loaded = load_yaml("scenario.yaml", text=GOOD)
    with pytest.raises(SourceError) as caught:
        apply_overrides(
            loaded,
            ["periods", "=3", "firms.Alpha.price.cents=5", "events.x=1", "a..b=1", "name=[1,"],
        )
    assert str(caught.value).splitlines() == [
        "--set: periods: an override must look like PATH=VALUE (got 'periods')",
        "--set: an override needs a field path before '=' (got '=3')",
        "--set: firms.Alpha.price.cents: cannot set a key inside 'firms.Alpha.price', "
        "which is a number (got 10)",
        "--set: events.x: 'events' is a list; 'x' is not an item number",
        "--set: a..b: the field path has an empty part (got 'a..b=1')",
        "--set: name: cannot read the value: expected the node content, but found "
        "'<stream end>' (got '[1,')",
    ]


def test_override_values_cannot_carry_tags() -> None:
    loaded = load_yaml("scenario.yaml", text=GOOD)
    with pytest.raises(SourceError) as caught:
        apply_overrides(loaded, ["name=!!python/name:os.system"], origin="arm cheap")
    assert str(caught.value) == (
        "arm cheap: name: cannot read the value: tags are not allowed "
        "(got '!!python/name:os.system')"
    )


def test_invalid_override_value_is_reported_at_set() -> None:
    assert lines_for(GOOD, ("firms.Alpha.price=-5", "periods=12")) == [
        "--set: firms.Alpha.price: must be >= 0 (got -5)"
    ]
