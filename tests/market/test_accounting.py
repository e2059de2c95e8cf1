"""Tests for sim.market.accounting: customer lifetime value and closing the books."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.accounting import clv


# --------------------------------------------------------------------------- CLV
def test_clv_formula_numbers():
    # m (1 + d) / (1 + d - r)
    assert clv(10.0, 0.9, 0.01) == pytest.approx(10.0 * 1.01 / 0.11)
    assert clv(10.0, 0.0, 0.01) == pytest.approx(10.0)
    assert clv(-4.0, 0.5, 0.0) == pytest.approx(-8.0)
    # retention is capped at 0.995 (a finite value at r = 1)
    assert clv(1.0, 1.0, 0.0) == pytest.approx(1.0 / 0.005)
    assert clv(1.0, -0.5, 0.0) == pytest.approx(1.0)
    np.testing.assert_allclose(clv(np.array([1.0, 2.0]), 0.8, 0.01), np.array([1.0, 2.0])
                               * 1.01 / 0.21)


def test_retention_raises_clv_more_than_proportionally():
    # Reichheld & Sasser: +5 points of retention from 0.80 more than doubles a 5% gain
    assert clv(10.0, 0.85, 0.01) / clv(10.0, 0.80, 0.01) > 1.25


# --------------------------------------------------------------------------- closing the books
def test_close_books_books_each_cost_line_by_its_rule(make_scenario, replay_period):
    from sim.levers import LEVELS
    from sim.market.accounting import close_books
    from sim.market.model import MarketModel

    model = MarketModel(make_scenario(
        {"Deep": {"relationship_level": "proactive", "communication": 0.5,
                  "programs": {"social": 0.4, "structural": 0.2}, "promotion": 7_000.0},
         "Shallow": {}}, customers=1_500, periods=6), seed=9)
    model.run(periods=3)
    period = replay_period(model, until="accounting")
    firm = model.firms["Deep"]
    ledger_before = dict(firm.ledger.lines)
    close_books(period, model.state, model.spec)
    c, lv, n = firm.costs, firm.levers, 1_500
    members = period.members[firm.slot]
    assert members.size > 0
    booked = {k: firm.ledger.lines[k] - ledger_before[k] for k in ledger_before}
    level_cost = c.relationship[LEVELS[int(period.levels[firm.slot])]]
    assert booked["cost_relationship"] == pytest.approx(
        members.size * (level_cost + lv.communication * c.communication))
    assert booked["cost_programs"] == pytest.approx(
        members.size * (lv.programs.social * c.social + lv.programs.structural * c.structural))
    assert booked["cost_distribution"] == pytest.approx(lv.coverage * n * c.coverage)
    assert booked["cost_promotion"] == 7_000.0 and booked["cost_fixed"] == c.fixed
    assert booked["cost_goods"] == 0.0  # booked with the sales, in the purchase phase
    assert firm.cumulative_profit == pytest.approx(
        model.timeseries().query("firm == 'Deep'")["profit"].sum() + firm.ledger.profit)
    start = period.start_count[firm.slot]
    assert period.retention_rate[firm.slot] == period.retained[firm.slot] / start
