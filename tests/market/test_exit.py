"""Exits: a firm with an exit rule leaves the market after a run of losses; its customers
lapse, it has no rows afterwards, and the outcomes keep what it earned."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from sim.experiment.task import final_outcomes
from sim.market.model import MarketModel
from sim.scenario.spec import Scenario


def _market(alpha_price: float, fixed: float = 10_000.0, later: float = 60.0,
            **rule: float) -> Scenario:
    alpha = {"strategy": "fixed", "price": alpha_price, "exit": {"periods": 3, **rule},
             "promotion": 2_000, "costs": {"fixed": fixed}}
    return Scenario.model_validate({
        "name": "exit", "periods": 12,
        "market": {"customers": 2_000, "awareness": {"initial": 0.8}},
        "firms": {"Alpha": alpha, "Beta": {"strategy": "fixed", "price": 95}},
        "events": [{"period": 8, "firm": "Alpha", "set": {"price": later}}]})


def test_a_firm_that_loses_money_leaves_after_its_run_of_losses():
    model = MarketModel(_market(40.0), seed=1)  # 40 is below unit cost plus fixed cost
    model.step()
    model.step()
    assert model.exits == {}
    model.step()  # the third loss in a row
    assert model.exits == {"Alpha": 3}
    alpha = model.firms["Alpha"].slot
    assert not (model.state.current == alpha).any()  # its customers lapsed
    before = model.records[-1]["active"]
    model.run()  # the event at month 8 for Alpha is skipped: it has left
    ts = model.timeseries()
    assert ts[ts.firm == "Alpha"].period.max() == 3
    assert [f.name for f in model.active_firms] == ["Beta"]
    beta = ts[ts.firm == "Beta"].set_index("period")
    assert beta.active[6] > before  # Beta takes the customers who are left without a firm


def test_a_firm_that_left_is_no_longer_a_rival():
    model = MarketModel(_market(40.0), seed=1).run(6)
    assert model.exits == {"Alpha": 3}
    beta = model.firms["Beta"]
    assert "Alpha" not in model.observe(beta).competitors  # its stale price is not followed
    early = MarketModel(_market(40.0), seed=1).run(3)  # the exit is not yet observable
    assert "Alpha" in early.observe(early.firms["Beta"]).competitors


def test_a_profitable_firm_never_exits():
    model = MarketModel(_market(95.0, fixed=0.0, later=95.0), seed=1).run()
    ts = model.timeseries()
    assert model.exits == {}
    assert (ts[ts.firm == "Alpha"].profit > 0).all()


def test_the_loss_limit_counts_only_losses_beyond_it():
    patient = MarketModel(_market(40.0, loss=1e9), seed=1).run()
    assert patient.exits == {}


def test_outcomes_keep_what_a_firm_that_left_earned():
    model = MarketModel(_market(40.0), seed=1).run()
    out = final_outcomes(model.timeseries(), 2_000)
    assert out["cumulative_profit@Alpha"] == pytest.approx(model.firms["Alpha"].cumulative_profit)
    assert out["share_units@Alpha"] == 0.0 and out["active@Alpha"] == 0.0
    assert math.isnan(out["churn_rate@Alpha"])
    assert out["share_units@Beta"] > 0


def test_an_exit_rule_needs_a_positive_number_of_periods():
    with pytest.raises(ValidationError, match="periods"):
        _market(40.0, periods=0)
