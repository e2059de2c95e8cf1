"""Tests for sim.market.events: each kind of scheduled event does exactly its one thing."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.events import apply_event
from sim.market.model import MarketModel
from sim.market.population import COMPONENTS, lapse_periods
from sim.scenario.events import EventSpec

MONEY = COMPONENTS.index("money")


@pytest.fixture
def model(make_scenario):
    return MarketModel(make_scenario({"A": {"strategy": "4P"}, "B": {}}, customers=600,
                                     periods=6), seed=3)


def _apply(model, event: dict, enter=None) -> None:
    apply_event(EventSpec(**event), model.firms, model.population,
                model.spec.market.behaviour.lapse_after, enter or model._enter)


def test_a_recession_multiplies_every_money_weight(model):
    before = model.population.weights.copy()
    _apply(model, {"period": 2, "market": {"money_weight": 1.5}})
    np.testing.assert_allclose(model.population.weights[MONEY], before[MONEY] * 1.5, rtol=1e-6)
    others = [k for k in range(len(COMPONENTS)) if k != MONEY]
    np.testing.assert_array_equal(model.population.weights[others], before[others])


def test_needs_shift_and_are_clipped_to_the_unit_square(model):
    before = model.population.needs.copy()
    _apply(model, {"period": 2, "market": {"needs_shift": [0.3, -1.0]}})
    np.testing.assert_allclose(model.population.needs[0], np.clip(before[0] + 0.3, 0, 1),
                               atol=1e-6)
    np.testing.assert_array_equal(model.population.needs[1], np.zeros_like(before[1]))


def test_purchase_rates_are_capped_at_one_and_lapse_times_follow(model):
    _apply(model, {"period": 2, "market": {"purchase_rate": 5.0}})
    pop = model.population
    assert pop.purchase_rate.max() == np.float32(1.0)
    np.testing.assert_array_equal(
        pop.lapse_periods, lapse_periods(pop.purchase_rate,
                                         model.spec.market.behaviour.lapse_after))


def test_a_set_event_changes_only_the_levers_it_names(model):
    before = model.firms["B"].levers
    _apply(model, {"period": 2, "firm": "B", "set": {"price": 77.0,
                                                      "programs": {"social": 0.4}}})
    after = model.firms["B"].levers
    assert after.price == 77.0 and after.programs.social == 0.4
    assert after.programs.financial == before.programs.financial
    assert after.model_copy(update={"price": before.price, "programs": before.programs}) == before


def test_a_strategy_event_switches_and_the_new_strategy_reviews_at_once(model):
    firm = model.firms["A"]
    firm.last_review = 1
    _apply(model, {"period": 2, "firm": "A", "strategy": "4R"})
    assert firm.strategy_name == "4R" and type(firm.strategy).name == "4R"
    assert firm.last_review < -1000


def test_an_entrant_enters_through_the_models_door(model):
    entered = []
    _apply(model, {"period": 4, "add_firm": {"name": "New", "price": 60.0}},
           enter=lambda name, spec, period: entered.append((name, spec.price, period)))
    assert entered == [("New", 60.0, 4)]
