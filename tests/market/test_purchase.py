"""Tests for sim.market.purchase: what a buyer gets, how its relationship moves, what is booked."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.model import MarketModel
from sim.market.purchase import purchases

F32 = np.float32


@pytest.fixture
def ready(make_scenario, replay_period):
    """A market at its fifth period, stopped just before the purchases."""
    model = MarketModel(make_scenario(
        {"Plain": {"price": 95.0}, "Points": {"price": 105.0, "programs": {"financial": 0.1},
                                              "discount": {"deal_seeker": 0.2}}},
        customers=2_000, periods=8), seed=6)
    model.run(periods=4)
    state_before = {k: v.copy() for k, v in vars(model.state).items()}
    period = replay_period(model, until="purchases")
    b, scale = model.spec.market.behaviour, model.spec.market.value
    purchases(period, model.population, model.state, b, scale)
    return model, period, state_before


def test_buyers_become_current_customers_of_the_firm_they_chose(ready):
    model, period, before = ready
    st = model.state
    for firm in period.firms:
        s, bi = firm.slot, period.buyers[firm.slot]
        assert bi.size > 0
        assert (st.current[bi] == s).all() and st.ever[s, bi].all() and st.aware[s, bi].all()
        assert (st.last_purchase[s, bi] == period.t).all()
        continuing = period.current_start[bi] == s
        np.testing.assert_array_equal(st.purchases[s, bi][continuing],
                                      before["purchases"][s, bi][continuing] + 1)
        assert (st.purchases[s, bi][~continuing] == 1).all()
    others = np.setdiff1d(np.arange(st.current.size),
                          np.concatenate([period.buyers[f.slot] for f in period.firms]))
    np.testing.assert_array_equal(st.current[others], before["current"][others])


def test_revenue_is_units_times_the_price_after_discount(ready):
    model, period, _ = ready
    pop = model.population
    for firm in period.firms:
        s, bi = firm.slot, period.buyers[firm.slot]
        discount = period.discounts[s]
        discount = discount if np.isscalar(discount) else discount[bi]
        expected = (pop.volume[bi].astype(np.float64) * firm.levers.price
                    * (1.0 - np.asarray(discount, dtype=np.float64))).sum()
        assert firm.ledger.revenue == pytest.approx(expected, rel=1e-5)
        assert period.sold_units[s] == pytest.approx(float(pop.volume[bi].sum()), rel=1e-5)
        assert period.sales[s][1].sum() == pytest.approx(firm.ledger.revenue, rel=1e-5)


def test_failures_are_the_buyers_whose_failure_draw_falls_below_the_probability(ready):
    _, period, _ = ready
    u_fail = period.uniforms[2]
    for firm in period.firms:
        bi = period.buyers[firm.slot]
        assert firm.failures == int(np.count_nonzero(
            u_fail[bi] < F32(firm.failure_probability())))
        assert firm.failures > 0


def test_points_are_earned_on_spend_and_become_a_switching_cost(ready):
    model, period, before = ready
    firm = model.firms["Points"]
    s, bi = firm.slot, period.buyers[firm.slot]
    revenue = period.sales[s][1]
    threshold = model.spec.market.behaviour.redemption_threshold
    held = before["points"][s, bi]
    redeemed = np.where(held >= threshold, held, F32(0.0))
    assert redeemed.sum() > 0 and (redeemed == 0).any()  # some redeem, some keep collecting
    np.testing.assert_allclose(model.state.points[s, bi], held - redeemed + F32(0.1) * revenue,
                               rtol=1e-5, atol=1e-4)
    assert firm.has_switching_costs and not model.firms["Plain"].has_switching_costs
    # points cost the firm when redeemed, at face value, not when issued
    assert firm.ledger.lines["cost_programs"] == pytest.approx(float(redeemed.sum()), rel=1e-5)
