"""Reference prices: smoothing, gains and losses with loss aversion, the price-quality signal
and waiting for a further cut (sim.market.reference_price), one customer and in the market."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.model import MarketModel
from sim.market.reference_price import (
    next_reference,
    perceived_money,
    reference_term_kernel,
    signal,
    waiting_value,
)
from sim.market.value import OfferTerms, money_cost_kernel
from sim.scenario.market import BehaviourSpec
from sim.scenario.spec import Scenario

B = BehaviourSpec(reference_weight=0.5, loss_aversion=2.0, reference_smoothing=0.8,
                  price_quality=0.3, further_cut_expectation=0.4)


def test_reference_is_exponentially_smoothed_past_prices():
    assert next_reference(100.0, 90.0, B) == pytest.approx(98.0)
    r = 100.0
    for _ in range(60):
        r = next_reference(r, 90.0, B)
    assert r == pytest.approx(90.0, abs=1e-4)


def test_a_loss_weighs_loss_aversion_times_a_gain():
    assert perceived_money(110.0, 100.0, B) == pytest.approx(0.5 * 2.0 * 10.0)
    assert perceived_money(90.0, 100.0, B) == pytest.approx(-0.5 * 10.0)
    assert perceived_money(100.0, 100.0, B) == 0.0
    paid = np.array([80.0, 100.0, 125.0], dtype=np.float32)
    assert reference_term_kernel(paid, 100.0, B) == pytest.approx(
        [perceived_money(float(p), 100.0, B) for p in paid])


def test_signal_and_waiting_value():
    assert signal(90.0, 100.0, B) == pytest.approx(-3.0)
    assert waiting_value(100.0, 90.0, B) == pytest.approx(4.0)
    assert waiting_value(90.0, 100.0, B) == 0.0  # a rise is nothing to wait for


@pytest.mark.parametrize("discount", [0.0, np.array([0.0, 0.1, 0.3], dtype=np.float32)])
def test_money_cost_kernel_adds_the_reference_term(discount):
    offer = OfferTerms(quality=0.7, position=(0.5, 0.5), novelty=0.0, offering_uplift=0.0,
                       price=100.0, points_rate=0.05, convenience=0.5, service=0.5,
                       personnel=0.5, communication=0.0, social=0.0, image=0.5,
                       reference_price=85.0)
    w = np.array([1.0, 1.5, 0.5], dtype=np.float32)
    money = money_cost_kernel(w, offer, discount, behaviour=B)
    d = np.broadcast_to(discount, (3,))
    expected = w * (100.0 * (1 - d) * 0.95
                    + [perceived_money(100.0 * (1 - x), 85.0, B) for x in d])
    assert money == pytest.approx(expected, rel=1e-5)
    plain = money_cost_kernel(w, offer, discount)  # without behaviour: price level only
    assert plain == pytest.approx(w * 100.0 * (1 - d) * 0.95, rel=1e-6)


def _market(new_price: float = 81.0, **behaviour: float) -> Scenario:
    firm = {"strategy": "fixed", "price": 90, "promotion": 3000}
    return Scenario.model_validate({
        "name": "reference", "periods": 30,
        "market": {"customers": 4_000, "awareness": {"initial": 1.0},
                   "behaviour": behaviour},
        "firms": {"A": firm, "B": dict(firm)},
        "events": [{"period": 13, "firm": "A", "set": {"price": new_price}}]})


def _units(scenario: Scenario) -> np.ndarray:
    ts = MarketModel(scenario, seed=2).run().timeseries()
    return ts[ts.firm == "A"].set_index("period")


def test_a_cut_moves_demand_more_at_once_than_once_customers_are_used_to_it():
    """With a reference price, a cut is first a gain (on top of the lower level), and the gain
    fades as the reference catches up: A's extra units over the no-reference market are large
    in the month of the cut and gone by the end."""
    judged = _units(_market(reference_weight=1.0))
    plain = _units(_market(reference_weight=0.0))
    assert judged.reference_price[12] == 90.0 and judged.reference_price[13] == 90.0
    assert judged.reference_price[30] == pytest.approx(81.0 + 9.0 * 0.8 ** 17)  # periods 13..29
    extra = judged.units - plain.units
    assert extra[13] > 0.15 * plain.units[13]
    assert abs(extra[28:30].mean()) < 0.4 * extra[13]


def test_a_price_above_the_reference_is_a_loss_that_weighs_more_than_a_gain():
    rise, base = _units(_market(99.0, reference_weight=1.0)), _units(_market(reference_weight=1.0))
    level_up = _units(_market(99.0, reference_weight=0.0))
    level_down = _units(_market(reference_weight=0.0))
    # the extra effect of judging against the reference, in the month of the change
    loss = level_up.units[13] - rise.units[13]
    gain = base.units[13] - level_down.units[13]
    assert loss > 0 and gain > 0
    assert loss > gain  # loss aversion (2.25), though a rise also loses fewer units per money


def _first_period(**behaviour: float) -> tuple[float, float]:
    scenario = _market(**behaviour)
    model = MarketModel(scenario, seed=4)
    model.firms["A"].reference_price = 100.0  # A's price, 90, is a 10 cut against it
    model.firms["A"].previous_price = 100.0
    model.step()
    ts = model.timeseries()
    return float(ts.units[ts.firm == "A"].iloc[0]), float(ts.share_outside.iloc[0])


def test_an_untried_customer_reads_a_cut_as_lower_quality():
    plain, _ = _first_period()
    suspicious, _ = _first_period(price_quality=1.5)
    assert suspicious < 0.8 * plain


def test_customers_wait_for_a_further_cut():
    units, outside = _first_period()
    waiting_units, waiting_outside = _first_period(further_cut_expectation=0.8)
    assert waiting_units < units and waiting_outside > outside
