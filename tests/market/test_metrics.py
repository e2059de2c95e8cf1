"""Tests for sim.market.metrics: the period's rows add up."""

from __future__ import annotations

import math

import pytest

from sim.market.model import MarketModel


@pytest.fixture(scope="module")
def rows():
    import sim

    scenario = sim.scenario_from_dict({
        "periods": 10, "market": {"customers": 2_500},
        "firms": {"A": {"strategy": "4P"}, "B": {"strategy": "4C"}, "C": {"strategy": "4R"}}})
    return MarketModel(scenario, seed=12).run().timeseries()


def test_loyalty_classes_cover_every_customer_of_the_market(rows):
    classes = ["unaware", "potential", "new", "repeat", "loyal", "lapsed"]
    assert (rows[classes].sum(axis=1) == 2_500).all()


def test_customer_flows_balance(rows):
    for _, firm in rows.groupby("firm"):
        active_before = firm["active"].shift(1, fill_value=0)
        assert (firm["active"] == active_before - firm["churned"] + firm["acquired"]).all()
        assert (firm["retained"] == active_before - firm["churned"]).all()
        known = firm[active_before > 0]
        assert (known["retention_rate"] - known["retained"] / active_before[active_before > 0]
                ).abs().max() < 1e-12
        assert math.isnan(firm["retention_rate"].iloc[0])


def test_shares_of_units_and_the_outside_option_sum_to_one(rows):
    for _, period in rows.groupby("period"):
        assert period["share_units"].sum() + period["share_outside"].iloc[0] == pytest.approx(1)
        assert period["share_value"].sum() == pytest.approx(1)


def test_profit_is_revenue_minus_every_cost_line_and_accumulates(rows):
    costs = [c for c in rows.columns if c.startswith("cost_")]
    assert (rows["profit"] - (rows["revenue"] - rows[costs].sum(axis=1))).abs().max() < 1e-6
    for _, firm in rows.groupby("firm"):
        assert firm["cumulative_profit"].iloc[-1] == pytest.approx(firm["profit"].sum())
