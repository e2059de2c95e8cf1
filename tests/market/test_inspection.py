"""Tests for sim.market.inspection: the read-only view of one customer."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import sim
from sim.levers import LEVELS
from sim.market.model import CustomerView, MarketModel
from sim.market.relationship import CLASS_NAMES
from sim.market.value import ValueBreakdown, money_cost_kernel, net_value_kernel

F32 = np.float32


# --------------------------------------------------------------------------- customer view
@pytest.fixture(scope="module")
def finished_model():
    scenario = sim.scenario_from_dict({
        "periods": 10, "market": {"customers": 1_500},
        "firms": {"Alpha": {"strategy": "4R"},
                  "Beta": {"discount": {"deal_seeker": 0.2}, "programs": {
                      "financial": 0.05, "social": 0.5, "structural": 0.5}}}})
    return MarketModel(scenario, seed=2).run()


def test_customer_view_describes_the_customer(finished_model):
    model = finished_model
    pop, st = model.population, model.state
    for i in range(0, 1_500, 97):
        view = model.customer(i)
        assert isinstance(view, CustomerView) and view.index == i
        assert view.segment == pop.segment_names[pop.segment[i]]
        assert view.business is False
        assert view.parameters["weights"]["money"] == pytest.approx(float(pop.weights[4, i]))
        assert view.parameters["lapse_periods"] == int(pop.lapse_periods[i])
        cur = int(st.current[i])
        assert view.current_firm == (model.names[cur] if cur >= 0 else None)
        assert set(view.firms) == {"Alpha", "Beta"}
        for name, info in view.firms.items():
            s = model.slot_of[name]
            assert info["loyalty_class"] in CLASS_NAMES
            assert info["loyalty_class"] == CLASS_NAMES[st.loyalty_class[s, i]]
            assert info["relationship_level"] in LEVELS
            assert info["trust"] == pytest.approx(float(st.trust[s, i]))
            value = view.delivered_value(name)
            assert isinstance(value, ValueBreakdown)
            assert {f.name for f in dataclasses.fields(value)} == {
                "product", "service", "personnel", "image", "money", "time", "energy",
                "psychic"}
    with pytest.raises(IndexError):
        model.customer(1_500)


def test_customer_view_value_matches_the_vectorised_kernel(finished_model):
    model = finished_model
    pop, st, b = model.population, model.state, model.spec.market.behaviour
    checked = 0
    for firm in model.active_firms:
        s = firm.slot
        levels = np.broadcast_to(np.asarray(model.relationship_levels(firm)), (pop.n,))
        discount = np.broadcast_to(np.asarray(model.resolve_class_map(
            firm.levers.discount, s, 0.0, float), dtype=F32), (pop.n,))
        idx = np.concatenate([np.flatnonzero(st.current == s)[:10],
                              np.flatnonzero(st.current != s)[:10]])
        for i in idx:
            effect = b.levels[LEVELS[int(levels[i])]]

            def one(x, dtype=F32):
                return np.array([x], dtype=dtype)

            net = net_value_kernel(
                pop.weights[:, i:i + 1], pop.base_value[i:i + 1], pop.needs[:, i:i + 1],
                pop.novelty_appetite[i:i + 1], pop.experience_appetite[i:i + 1],
                firm.offer_terms(), one(st.current[i] == s), one(effect.service_uplift),
                one(effect.cocreation), one(effect.psychic_relief), st.trust[s, i:i + 1],
                st.sentiment[s, i:i + 1], st.bond[s, i:i + 1], model.spec.market.value, b)
            money = money_cost_kernel(pop.weights[4, i:i + 1], firm.offer_terms(),
                                      discount[i:i + 1], behaviour=b)
            view = model.customer(int(i)).delivered_value(firm.name)
            assert view.delivered_value == pytest.approx(float(net[0] - money[0]), abs=0.01)
            assert view.money == pytest.approx(float(money[0]), abs=0.01)
            checked += 1
    assert checked == 40


def test_customer_view_is_read_only(finished_model):
    view = finished_model.customer(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.segment = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        view.firms["Alpha"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        view.firms["Alpha"]["trust"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        view.parameters["weights"]["money"] = 9.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.delivered_value("Alpha").money = 0.0  # type: ignore[misc]
    # reading the view changes nothing in the model
    before = finished_model.state.trust.copy()
    finished_model.customer(3)
    np.testing.assert_array_equal(before, finished_model.state.trust)
    assert math.isfinite(view.delivered_value("Beta").delivered_value)
