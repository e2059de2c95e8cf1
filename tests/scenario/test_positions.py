"""Tests for sim.scenario.positions: field paths traced back to lines and columns."""

from __future__ import annotations

from toy_schema import GOOD

from sim.scenario.positions import LoadedYaml
from sim.scenario.yamlfile import load_yaml


def test_positions_of_keys_items_and_ancestors() -> None:
    loaded = load_yaml("scenario.yaml", text=GOOD)
    assert loaded.position(()) == (1, 1)
    assert loaded.position(("firms", "Beta", "strategy")) == (10, 5)
    assert loaded.position(("events", 0)) == (12, 5)
    assert loaded.position(("events", 0, "amount")) == (15, 5)
    assert loaded.position(("firms", "Beta", "nothing", "here")) == (8, 3)
    assert loaded.position(("events", 7, "period")) == (11, 1)
    assert LoadedYaml("api", {"a": 1}).locate(("a",)) == ("api", 1, 1)
