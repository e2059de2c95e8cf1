"""Tests for sim.market.firm: goodwill, image and reach, unit cost, failures, levers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import sim
from sim.levers import OFFERINGS


@pytest.fixture
def small_model(make_scenario):
    scenario = make_scenario({"Acme": {"promotion": 5_000.0}, "Rival": {"strategy": "4P"}},
                             customers=400, periods=6)
    return sim.MarketModel(scenario, seed=2)


# --------------------------------------------------------------------------- goodwill
def test_goodwill_starts_at_the_steady_state_and_follows_nerlove_arrow(small_model):
    firm = small_model.firms["Acme"]
    decay = small_model.spec.market.behaviour.goodwill_decay
    assert firm.goodwill == pytest.approx(5_000.0 / decay)
    firm.update_goodwill()
    assert firm.goodwill == pytest.approx(5_000.0 / decay)  # steady state
    firm.apply({"promotion": 0.0})
    firm.update_goodwill()
    assert firm.goodwill == pytest.approx((1 - decay) * 5_000.0 / decay)
    firm.apply({"promotion": 1_000.0})
    before = firm.goodwill
    firm.update_goodwill()
    assert firm.goodwill == pytest.approx((1 - decay) * before + 1_000.0)


def test_goodwill_recursion_in_the_time_series(run_model):
    model = run_model({"Acme": {"promotion": 4_000.0, "goodwill": 0.0}}, customers=300,
                      periods=8, events=[{"period": 4, "firm": "Acme",
                                          "set": {"promotion": 10_000.0}}])
    df = model.timeseries()
    g = df["goodwill"].to_numpy()
    promotion = np.array([4_000.0] * 3 + [10_000.0] * 5)
    assert g[0] == pytest.approx(4_000.0)
    np.testing.assert_allclose(g[1:], 0.8 * g[:-1] + promotion[1:])
    np.testing.assert_allclose(df["cost_promotion"], promotion)


def test_image_and_reach_from_goodwill(small_model):
    firm = small_model.firms["Acme"]
    scale = small_model.spec.market.awareness.goodwill_reach * 400
    assert firm.goodwill_reach_scale() == pytest.approx(scale)
    assert firm.image == pytest.approx(firm.goodwill / (firm.goodwill + scale))
    assert firm.promotion_reach == pytest.approx(1 - math.exp(-firm.goodwill / scale))
    firm.goodwill = scale
    assert firm.image == pytest.approx(0.5)
    assert firm.promotion_reach == pytest.approx(1 - math.exp(-1))


# --------------------------------------------------------------------------- unit cost
def test_unit_cost_numbers(small_model):
    firm = small_model.firms["Acme"]
    # 30 x (1 + 0.6 x quality 0.7) x (1 + goods 0.1)
    assert firm.unit_cost() == pytest.approx(30.0 * 1.42 * 1.1)


def test_unit_cost_rises_with_quality_offering_and_customisation(small_model):
    firm = small_model.firms["Acme"]
    by_quality = []
    for q in (0.0, 0.3, 0.6, 1.0):
        firm.apply({"quality": q})
        by_quality.append(firm.unit_cost())
    assert all(a < b for a, b in itertools.pairwise(by_quality))
    assert by_quality[-1] / by_quality[0] == pytest.approx(1.6)
    by_offering = []
    for offering in OFFERINGS:
        firm.apply({"offering": offering})
        by_offering.append(firm.unit_cost())
    assert all(a < b for a, b in itertools.pairwise(by_offering))
    assert by_offering[-1] / by_offering[0] == pytest.approx(1.7)
    before = firm.unit_cost()
    firm.apply({"position": (0.8, 0.9)})
    assert firm.unit_cost() == pytest.approx(before * (1 + 0.1 * 0.5))


def test_unit_cost_at_quality_zero_commodity_level_is_the_documented_base(small_model):
    firm = small_model.firms["Acme"]
    firm.apply({"quality": 0.0, "offering": "commodity"})
    assert firm.unit_cost() == pytest.approx(firm.costs.unit_cost)
    firm.apply({"offering": "goods"})
    assert firm.unit_cost() == pytest.approx(firm.costs.unit_cost * 1.1)


def test_failure_probability_falls_with_quality_and_service(small_model):
    firm = small_model.firms["Acme"]
    firm.apply({"quality": 0.0, "service": 0.0})
    assert firm.failure_probability() == pytest.approx(0.08)
    firm.apply({"quality": 1.0, "service": 1.0})
    assert firm.failure_probability() == pytest.approx(0.02)
    firm.apply({"quality": 0.5, "service": 0.5})
    assert firm.failure_probability() == pytest.approx(0.05)


# --------------------------------------------------------------------------- levers
def test_apply_validates_and_merges_programs(small_model):
    firm = small_model.firms["Acme"]
    firm.apply({"programs": {"financial": 0.1, "social": 0.4, "structural": 0.3}})
    firm.apply({"programs": {"financial": 0.0}})
    assert firm.levers.programs.financial == 0.0
    assert firm.levers.programs.social == 0.4 and firm.levers.programs.structural == 0.3
    before = firm.levers
    firm.apply({})
    assert firm.levers is before
    with pytest.raises(ValueError, match="Acme"):
        firm.apply({"quality": 1.5})
    with pytest.raises(ValueError):
        firm.apply({"no_such_lever": 1})
    assert firm.levers == before


def test_offer_terms_come_from_the_levers(small_model):
    firm = small_model.firms["Acme"]
    firm.apply({"programs": {"financial": 0.05, "social": 0.5}, "offering": "experience",
                "price": 77.0})
    offer = firm.offer_terms()
    assert offer.points_rate == 0.05 and offer.social == 0.5 and offer.price == 77.0
    assert offer.offering_uplift == small_model.spec.market.behaviour.offerings[
        "experience"].value_uplift
    assert offer.image == pytest.approx(firm.image)


def test_strategy_review_defaults_and_switching(small_model):
    acme, rival = small_model.firms["Acme"], small_model.firms["Rival"]
    assert (acme.review_every, acme.observation_delay) == (1, 0)  # fixed
    assert (rival.review_every, rival.observation_delay) == (3, 1)  # 4P
    acme.set_strategy("4R", {"markup": 0.5})
    assert acme.strategy_name == "4R" and acme.strategy.params.markup == 0.5
    assert acme.last_review < 0
    assert repr(acme) == "Firm('Acme', strategy='4R')"


# --------------------------------------------------------------------------- pinned levers
def test_the_strategy_decides_every_lever_but_the_pinned_ones(make_scenario):
    scenario = make_scenario({"P": {"strategy": "4P", "price": 77.0,
                                    "programs": {"financial": 0.05}}, "Q": {}},
                             customers=300, periods=4)
    model = sim.MarketModel(scenario, seed=1)
    firm = model.firms["P"]
    assert firm.pinned == {"price", "programs.financial"}
    model.run()
    rows = model.timeseries().query("firm == 'P'")
    assert (rows.price == 77.0).all()
    assert firm.levers.programs.financial == 0.05  # 4P sets programs to zero: not this one
    assert firm.levers.coverage == 0.95  # 4P's own coverage (not pinned)


def test_a_set_event_pins_and_release_hands_back(make_scenario):
    scenario = make_scenario({"P": {"strategy": "4R"}, "Q": {}}, customers=300, periods=8,
                             events=[{"period": 3, "firm": "P", "set": {"price": 60.0}},
                                     {"period": 6, "firm": "P", "release": ["price"]}])
    model = sim.MarketModel(scenario, seed=1).run()
    price = model.timeseries().query("firm == 'P'").set_index("period")["price"]
    markup = price.loc[1]
    assert (price.loc[3:5] == 60.0).all()
    assert price.loc[6] == markup != 60.0  # 4R's relationship premium again
    assert model.firms["P"].pinned == set()


def test_a_strategy_that_sets_an_undeclared_lever_is_an_error(make_scenario):
    from typing import ClassVar

    from sim.market.firm import StrategyError

    class Sneaky(sim.Strategy):
        """Declares price but also sets service (a test strategy)."""

        name = "test-sneaky"
        decides: ClassVar[dict[str, str]] = {"price": "none"}

        def decide(self, view):
            return {"price": 50.0, "service": 0.9}

    model = sim.MarketModel(make_scenario({"S": {}}, customers=200, periods=3), seed=1)
    model.firms["S"].strategy = Sneaky()
    with pytest.raises(StrategyError, match=r"does not declare in 'decides': \['service'\]"):
        model.step()
