"""Points: a liability while customers hold them, a cost when redeemed or paid out, nothing
when they expire (sim.market.purchase, sim.market.accounting)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.model import MarketModel
from sim.scenario.spec import Scenario


def _market(size: int | None = None) -> Scenario:
    market = {"customers": 2_000, "awareness": {"initial": 0.8}}
    if size is not None:
        market["size"] = size
    return Scenario.model_validate({
        "name": "points", "periods": 16, "market": market,
        "firms": {"Points": {"strategy": "fixed", "price": 90, "promotion": 2000,
                             "programs": {"financial": 0.1}},
                  "Plain": {"strategy": "fixed", "price": 85, "promotion": 2000}},
        "events": [{"period": 12, "firm": "Points", "set": {"programs": {"financial": 0.0}}}]})


def test_the_liability_is_the_outstanding_balance_and_settling_pays_it_out():
    model = MarketModel(_market(size=4_000), seed=2)
    model.run(11)
    ts = model.timeseries()
    points = ts[ts.firm == "Points"].set_index("period")
    slot = model.firms["Points"].slot
    # real money: two real customers per agent
    assert points.points_liability[11] == pytest.approx(
        2 * float(model.state.points[slot].sum(dtype=np.float64)), rel=1e-6)
    assert points.points_liability[11] > 0
    assert (points.cost_programs[1:11] < points.revenue[1:11] * 0.1).all()
    liability = points.points_liability[11]
    model.run()  # the program stops at month 12: what is outstanding is paid out
    ts = model.timeseries()
    points = ts[ts.firm == "Points"].set_index("period")
    assert points.points_liability[12] == 0.0
    assert points.cost_programs[12] >= liability * (1 - 0.05) * 0.99  # after a month's expiry
    assert (points.cost_programs[13:] == 0.0).all()


def test_expired_points_cost_nothing():
    model = MarketModel(_market(), seed=3)
    model.run(3)
    firm = model.firms["Points"]
    slot = firm.slot
    held = model.state.points[slot].copy()
    assert held.sum() > 0
    model.step()
    bought = model.last_period.buyers[slot]
    # a customer who does not buy keeps its balance minus expiry ...
    idle = np.setdiff1d(np.flatnonzero(held > 0), bought)
    assert idle.size > 0
    np.testing.assert_allclose(model.state.points[slot, idle], held[idle] * np.float32(0.95),
                               rtol=1e-6)
    # ... and the only points cost of the period is what buyers redeemed
    threshold = model.spec.market.behaviour.redemption_threshold
    redeemed = held[bought][held[bought] >= threshold].sum(dtype=np.float64)
    assert redeemed > 0
    assert firm.ledger.lines["cost_programs"] == pytest.approx(redeemed, rel=1e-5)
