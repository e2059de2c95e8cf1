"""Tests for sim.scenario.firms: levers written directly are pinned, `initial` gives starting
values, and `pinned` survives every round trip."""

from __future__ import annotations

import pydantic
import pytest

import sim
from sim.scenario.firms import FirmSpec, written_levers


def _firm(**block) -> FirmSpec:
    return FirmSpec.model_validate(block)


def test_levers_written_directly_that_the_strategy_decides_are_pinned():
    firm = _firm(strategy="4P", price=80, quality=0.9, programs={"financial": 0.1})
    assert firm.pinned == ["price", "programs.financial"]  # 4P does not decide quality
    assert firm.levers().price == 80 and firm.levers().quality == 0.9


def test_a_fixed_firm_pins_nothing_and_keeps_every_lever():
    firm = _firm(price=80, promotion=1000)
    assert firm.pinned == [] and firm.levers().price == 80


def test_initial_gives_starting_values_that_are_not_pinned():
    firm = _firm(strategy="4C", quality=0.8, initial={"price": 95, "programs": {"social": 0.2}})
    assert firm.pinned == []
    levers = firm.levers()
    assert (levers.price, levers.quality, levers.programs.social) == (95, 0.8, 0.2)
    assert levers.programs.financial == 0.0


def test_a_lever_written_both_ways_is_an_error_naming_it():
    with pytest.raises(pydantic.ValidationError, match="price written both directly and under"
                                                       " initial"):
        _firm(strategy="4P", price=80, initial={"price": 90})


def test_pinned_survives_a_dump_and_the_resolved_scenario():
    scenario = sim.scenario_from_dict({"firms": {
        "A": {"strategy": "4R", "price": 120, "initial": {"promotion": 5000}},
        "B": {"strategy": "4P"}}})
    again = sim.scenario_from_dict(scenario.model_dump(mode="json"))
    assert again.firms["A"].pinned == scenario.firms["A"].pinned == ["price"]
    resolved = sim.resolved_scenario(scenario, seed=1, version="test")
    block = resolved["firms"]["A"]
    assert block["pinned"] == ["price"] and block["initial"] is None
    assert block["promotion"] == 5000 and block["goodwill"] == pytest.approx(5000 / 0.2)
    assert sim.scenario_from_dict(resolved).firms["A"].levers() == scenario.firms["A"].levers()


def test_unknown_pinned_levers_are_refused():
    with pytest.raises(pydantic.ValidationError, match="unknown levers"):
        _firm(strategy="4P", pinned=["prize"])


def test_written_levers_split_the_programs():
    assert written_levers({"price": 1, "programs": {"social": 0.1}, "costs": {}}) == {
        "price", "programs.social"}
