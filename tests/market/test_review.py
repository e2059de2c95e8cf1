"""Tests for sim.market.review: reviews come when due, and a firm sees only what it may."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from sim.market.model import MarketModel
from sim.strategies import MarketView, Strategy


class Recorder(Strategy):
    """Test strategy: records every view it is shown and changes nothing."""

    name = "test-recorder"
    review_every: ClassVar[int] = 3
    observation_delay: ClassVar[int] = 2

    def reset(self) -> None:
        self.views: list[MarketView] = []

    def decide(self, view: MarketView) -> dict:
        self.views.append(view)
        return {}


def _model(make_scenario, **firm) -> MarketModel:
    model = MarketModel(make_scenario({"Me": {"strategy": "fixed", **firm}, "Rival": {}},
                                      customers=800, periods=10), seed=7)
    model.firms["Me"].strategy = Recorder()
    model.firms["Me"].review_every, model.firms["Me"].observation_delay = 3, 2
    return model


def test_reviews_come_every_review_every_periods(make_scenario):
    model = _model(make_scenario)
    model.run()
    assert [v.period for v in model.firms["Me"].strategy.views] == [1, 4, 7, 10]


def test_a_firm_sees_rows_only_up_to_its_observation_delay(make_scenario):
    model = _model(make_scenario)
    model.run()
    for view in model.firms["Me"].strategy.views:
        horizon = view.period - 1 - 2
        assert [r["period"] for r in view.history] == list(range(1, horizon + 1))
        assert [r["period"] for r in view.competitors.get("Rival", ())] == (
            list(range(1, horizon + 1)))
        assert all(r["firm"] == "Me" for r in view.history)


def test_communication_teaches_the_needs_of_the_customers_the_firm_talks_to(make_scenario):
    silent = _model(make_scenario, communication=0.0)
    silent.run(periods=1)
    assert silent.firms["Me"].strategy.views[0].needs_centroid is None

    talking = _model(make_scenario, communication=0.6)
    talking.run(periods=4)
    pop, st, slot = talking.population, talking.state, talking.firms["Me"].slot
    view = talking.observe(talking.firms["Me"])
    weight = (pop.volume * pop.purchase_rate * st.aware[slot]).astype(np.float64)
    expected = [float(np.dot(pop.needs[d], weight) / weight.sum()) for d in (0, 1)]
    np.testing.assert_allclose(view.needs_centroid, expected, rtol=1e-5)


def test_a_review_classifies_the_current_customers_first(make_scenario):
    model = _model(make_scenario)
    model.run(periods=6)
    view = model.firms["Me"].strategy.views[-1]  # the review at period 4
    counts = view.customer_counts
    current = int(np.count_nonzero(model.state.current == model.firms["Me"].slot))
    assert counts["A"] + counts["B"] + counts["C"] == sum(
        counts[k] for k in ("MVC", "MGC", "BZ", "other")) > 0
    # unclassified customers are all C and "other": these counts come from the review's classes
    assert counts["A"] > 0 and counts["MVC"] > 0
    assert current > 0


def test_a_firm_sees_what_each_value_class_costs_it_in_relationships(make_scenario):
    levels = {"MVC": "proactive", "MGC": "accountable", "BZ": "basic", "other": "reactive"}
    model = _model(make_scenario, relationship_level=levels,
                   costs={"relationship": {"proactive": 25.0}})
    model.run(periods=4)
    view = model.observe(model.firms["Me"])
    assert view.level_costs == {"basic": 0.0, "reactive": 0.5, "accountable": 2.0,
                                "proactive": 25.0, "partnership": 160.0}
    # every member of a class runs the class's level: the mean cost is that level's cost
    assert set(view.class_level_cost) == set(view.class_margin)
    for cls, cost in view.class_level_cost.items():
        assert cost == view.level_costs[levels[cls]]
    # a firm with one level for everyone
    plain = _model(make_scenario, relationship_level="accountable")
    plain.run(periods=4)
    assert set(plain.observe(plain.firms["Me"]).class_level_cost.values()) == {2.0}


def test_a_firm_sees_the_standard_error_of_its_customers_mean_satisfaction(make_scenario):
    model = _model(make_scenario)
    model.run(periods=4)
    view = model.observe(model.firms["Me"])
    slot = model.firms["Me"].slot
    sat = model.state.satisfaction[slot][model.state.current == slot].astype(np.float64)
    assert sat.size > 1
    assert view.satisfaction_se == pytest.approx(sat.std() / np.sqrt(sat.size), rel=1e-6)
    assert view.satisfaction_se > 0
