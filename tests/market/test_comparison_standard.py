"""Satisfaction against a comparison standard (Woodruff, Cadotte & Jenkins 1983) and the drift
of expectations of firms a customer does not buy from (sim.market.relationship)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.model import MarketModel
from sim.market.relationship import satisfaction_response, update_after_purchase_kernel
from sim.scenario.market import BehaviourSpec
from sim.scenario.spec import Scenario

B = BehaviourSpec()


def test_a_better_alternative_lowers_satisfaction_with_the_same_experience():
    plain = satisfaction_response(120.0, 90.0, 115.0, B)
    compared = satisfaction_response(120.0, 90.0, 115.0, B, standard=20.0)
    assert compared < plain
    # the standard enters like money: 20 more surplus elsewhere = paying 20 more
    assert compared == pytest.approx(satisfaction_response(120.0, 110.0, 115.0, B))


def test_kernel_agrees_with_the_rule_under_a_standard():
    rng = np.random.default_rng(1)
    m = 50
    exp_net, money, expected = (rng.normal(110, 15, m).astype(np.float32),
                                rng.normal(85, 5, m).astype(np.float32),
                                rng.normal(110, 15, m).astype(np.float32))
    standard = rng.uniform(0, 30, m).astype(np.float32)
    first = np.ones(m, dtype=bool)
    ones, zeros = np.ones(m, np.float32), np.zeros(m, np.float32)
    _, sat, _, _ = update_after_purchase_kernel(
        exp_net, money, expected, first, zeros, np.full(m, 0.2, np.float32), zeros, B, ones,
        zeros, 0.0, standard)
    expected_sat = [satisfaction_response(float(a), float(b), float(c), B, float(d))
                    for a, b, c, d in zip(exp_net, money, expected, standard, strict=True)]
    assert sat == pytest.approx(expected_sat, rel=1e-4)


def _two_firms(**behaviour: float) -> Scenario:
    """Two differentiated firms (a narrow fit kernel): with nearly interchangeable firms, the
    customers who stay with A after B improves are those who like A most, and that selection
    would hide, in A's mean satisfaction, what the standard does to each customer."""
    firm = {"strategy": "fixed", "price": 90, "promotion": 3000, "quality": 0.7}
    return Scenario.model_validate({
        "name": "standard", "periods": 30,
        "market": {"customers": 4_000, "awareness": {"initial": 1.0},
                   "behaviour": {"fit_width": 0.3, **behaviour}},
        "firms": {"A": firm, "B": {**firm, "position": [0.4, 0.5]}},
        "events": [{"period": 13, "firm": "B", "set": {"quality": 0.95}}]})


def _firm(scenario: Scenario, name: str):
    ts = MarketModel(scenario, seed=3).run().timeseries()
    return ts[ts.firm == name].set_index("period")


def test_a_firm_that_stands_still_while_a_rival_improves_loses_satisfaction():
    """A changes nothing; B raises its quality at month 13. Judged against zero surplus, A's
    remaining customers are as satisfied as before; judged against the best alternative they
    know, they are less satisfied, and A keeps fewer of them."""
    compared = _firm(_two_firms(comparison_weight=1.0), "A")
    plain = _firm(_two_firms(comparison_weight=0.0), "A")
    drop_compared = compared.satisfaction[10:12].mean() - compared.satisfaction[20:30].mean()
    drop_plain = plain.satisfaction[10:12].mean() - plain.satisfaction[20:30].mean()
    assert drop_compared > drop_plain + 0.03
    assert compared.satisfaction[1:12].mean() < plain.satisfaction[1:12].mean()  # B exists
    assert compared.retention_rate[20:30].mean() < plain.retention_rate[20:30].mean()
    assert compared.active[30] < plain.active[30]


def _win_back(drift: float) -> tuple[MarketModel, float]:
    firm = {"strategy": "fixed", "price": 90, "promotion": 6000}
    scenario = Scenario.model_validate({
        "name": "drift", "periods": 48,
        "market": {"customers": 3_000, "awareness": {"initial": 1.0},
                   "behaviour": {"expectation_drift": drift}},
        "firms": {"A": firm}})
    model = MarketModel(scenario, seed=5)
    model.run(12)
    st = model.state
    # a disaster: every past buyer now expects nothing of A (below any price)
    st.expectation[0][st.ever[0]] = 0.0
    st.current[:] = -1
    model.run()
    ts = model.timeseries()
    return model, float(ts.customers.iloc[-6:].mean())


def test_expectations_of_firms_not_bought_from_drift_so_lapsed_customers_come_back():
    stuck_model, stuck = _win_back(0.0)
    _, recovered = _win_back(0.1)
    # without drift, past buyers never consider A again: only those who never bought can buy
    never_bought = int((~stuck_model.state.ever[0]).sum())
    assert stuck <= never_bought
    assert recovered > 3 * max(stuck, 1.0)
