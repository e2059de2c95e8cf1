"""Tests for sim.market.consumer_panel: the panel agrees with the time series it watches."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.market.consumer_panel import PurchasePanel

FIRMS = {"Acme": {"price": 90.0}, "Rival": {"strategy": "4P", "initial": {"price": 85.0}}}


@pytest.fixture(scope="module")
def watched(make_scenario):
    scenario = make_scenario(FIRMS, customers=1_500, periods=20)
    model = sim.MarketModel(scenario, seed=4)
    panel = PurchasePanel(model, first=9, last=20)
    while model.running:
        model.step()
        panel.observe(model)
    return model, panel, model.timeseries()


def test_purchases_in_the_window_are_the_buyers_of_each_period(watched):
    model, panel, ts = watched
    window = ts[ts.period >= 9]
    for name in FIRMS:
        s = model.slot_of[name]
        assert int(panel.counts[s].sum()) == int(window[window.firm == name].customers.sum())
    # a customer buys from at most one firm a period
    assert int(panel.counts.sum(axis=0).max()) <= panel.window


def test_halves_split_the_window(watched):
    _model, panel, _ = watched
    assert panel.middle == 15
    bought = panel.counts > 0
    assert np.array_equal(bought, panel.first_half | panel.second_half)


def test_every_relationship_that_ends_in_the_window_is_a_churned_customer(watched):
    model, panel, ts = watched
    window = ts[ts.period >= 9]
    for name in FIRMS:
        s = model.slot_of[name]
        churned = int(window[window.firm == name].churned.sum())
        assert churned > 0
        assert int(panel.spells[s]) == churned
        assert 1 <= panel.spell_periods[s] / panel.spells[s] <= 19


def test_occasions_without_a_purchase_are_counted(watched):
    _model, panel, _ts = watched
    assert 0 < panel.no_purchase < panel.occasions
    # every purchase in the window was an occasion that did not end with no purchase
    assert int(panel.counts.sum()) == panel.occasions - panel.no_purchase


def test_a_panel_starts_with_the_market(make_scenario):
    model = sim.MarketModel(make_scenario(FIRMS, customers=200, periods=4), seed=1)
    model.step()
    with pytest.raises(ValueError, match="first period"):
        PurchasePanel(model, 1, 4)
    with pytest.raises(ValueError, match="empty"):
        PurchasePanel(sim.MarketModel(make_scenario(FIRMS, customers=200, periods=4)), 3, 2)
