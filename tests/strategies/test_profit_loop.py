"""The built-in strategies close their plan-do-check-act loop on their own profit and loss:
the MarketView's P&L helpers, 4P's margin floor and affordable promotion, 4C's cost floor, 4R's
relationship levels that the customers' margins pay for."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest

from sim.columns import COLUMNS
from sim.scenario.firms import FirmSpec
from sim.strategies import MarketView
from sim.strategies.four_c import FourC
from sim.strategies.four_p import FourP
from sim.strategies.four_r import FourR

LEVERS = FirmSpec().levers()


def _row(period: int, firm: str, **values: Any) -> MappingProxyType:
    base: dict[str, Any] = dict.fromkeys(COLUMNS, 0.0)
    base.update(period=period, firm=firm, price=80.0, satisfaction=0.8, perceived_value=110.0,
                units=1_000.0, revenue=80_000.0, cost_goods=50_000.0, cost_service=5_000.0,
                cost_distribution=8_000.0, cost_relationship=1_000.0, cost_programs=0.0,
                cost_promotion=6_000.0, cost_fixed=10_000.0, profit=0.0)
    base.update(values)
    return MappingProxyType(base)


def _view(mine: list[dict], rival_price: float | None = None, period: int | None = None,
          margins: dict[str, float] | None = None, unit_cost: float = 46.0) -> MarketView:
    history = tuple(_row(k + 1, "Me", **r) for k, r in enumerate(mine))
    rivals = {} if rival_price is None else {
        "Rival": (_row(1, "Rival", price=90.0), _row(len(mine) or 1, "Rival",
                                                     price=rival_price))}
    return MarketView(period=period or len(mine) + 1, firm="Me", levers=LEVERS,
                      unit_cost=unit_cost, history=history,
                      competitors=MappingProxyType(rivals),
                      class_margin=MappingProxyType(margins or {}))


LOSING = {"profit": -2_000.0}  # revenue 80,000 - costs 82,000 (promotion 6,000, fixed 10,000)


def test_cost_to_serve_is_goods_service_relationships_and_programs_per_unit():
    v = _view([{}, {"units": 500.0, "cost_goods": 25_000.0, "cost_service": 2_500.0,
                    "cost_distribution": 4_000.0, "cost_relationship": 500.0}])
    assert v.cost_to_serve(2) == pytest.approx((56_000 + 28_000) / 1_500)
    assert v.cost_to_serve(1) == pytest.approx(56.0)  # distribution is left out
    assert _view([{"units": 0.0}]).cost_to_serve(1) is None
    assert _view([]).cost_to_serve(6) is None


def test_affordable_promotion_after_a_run_of_losses():
    assert _view([{}] * 6).affordable_promotion(9_000.0, 6) == 9_000.0  # breaking even
    assert _view([LOSING] * 5).affordable_promotion(9_000.0, 6) == 9_000.0  # too early
    # losing: what the last period's contribution leaves after fixed cost, 6,000 - 2,000
    assert _view([LOSING] * 6).affordable_promotion(9_000.0, 6) == pytest.approx(4_000.0)
    deep = [{"profit": -30_000.0}] * 6
    assert _view(deep).affordable_promotion(9_000.0, 6) == 0.0  # nothing is affordable
    assert _view(deep).affordable_promotion(9_000.0, 6, least=500.0) == 500.0


def test_4p_stops_following_a_cut_below_its_cost_to_serve():
    decide = FourP().decide
    # cost to serve 56 per unit: a rival at 60 is followed, a rival at 50 only down to 56
    assert decide(_view([{}] * 6, rival_price=60.0))["price"] == 60.0
    assert decide(_view([{}] * 6, rival_price=50.0))["price"] == pytest.approx(56.0)
    # without the margin floor it follows down to unit_cost * floor
    loose = FourP(cost_floor=0.0).decide(_view([{}] * 6, rival_price=50.0))["price"]
    assert loose == pytest.approx(50.0)


def test_4p_cuts_promotion_that_does_not_pay_back():
    p = FourP()
    budget = max(p.params.min_promotion, p.params.promotion_share * 80_000.0)
    assert p.decide(_view([{}] * 6))["promotion"] == pytest.approx(budget)
    assert p.decide(_view([LOSING] * 6))["promotion"] == pytest.approx(4_000.0)


def test_4c_never_prices_below_its_cost_to_serve():
    out = FourC().decide(_view([{"perceived_value": 30.0}] * 6))
    assert out["price"] >= 56.0
    assert FourC().decide(_view([LOSING] * 6))["promotion"] == pytest.approx(4_000.0)


COSTS = {"basic": 0.0, "reactive": 0.5, "accountable": 2.0, "proactive": 20.0,
         "partnership": 160.0}


def _levels_for(margins: dict[str, float], level_cost: dict[str, float] | None = None,
                **params: Any) -> dict[str, str]:
    view = replace(_view([{}] * 6, margins=margins),
                   class_level_cost=MappingProxyType(level_cost or {}),
                   level_costs=MappingProxyType(COSTS))
    return FourR(**params).decide(view)["relationship_level"]


def test_4r_runs_the_deepest_level_a_class_margin_affords():
    # a tenth of the margin: 1,700 affords partnership (160), 300 proactive (20), 30
    # accountable (2), 8 reactive (0.5), 3 nothing but basic
    assert _levels_for({"MVC": 1_700.0, "MGC": 300.0, "other": 8.0}) == {
        "MVC": "partnership", "MGC": "proactive", "other": "reactive", "BZ": "basic"}
    assert _levels_for({"MVC": 300.0, "MGC": 30.0, "other": 3.0}) == {
        "MVC": "proactive", "MGC": "accountable", "other": "basic", "BZ": "basic"}
    # never deeper than the parameter for the class
    assert _levels_for({"MVC": 1e6, "MGC": 1e6, "other": 1e6})["other"] == "reactive"
    assert _levels_for({"MVC": 1e6}, mvc="accountable")["MVC"] == "accountable"
    # a class without customers keeps its parameter (it applies to nobody yet)
    assert _levels_for({})["MVC"] == "partnership"


def test_4r_judges_a_level_by_the_margin_before_its_own_cost():
    # MVC's margin after a partnership's 160 is 40: before it, 200, which affords proactive
    # (20 <= 20) but not the partnership it runs
    levels = _levels_for({"MVC": 40.0}, level_cost={"MVC": 160.0})
    assert levels["MVC"] == "proactive"
    # a larger share affords more
    assert _levels_for({"MVC": 40.0}, level_cost={"MVC": 160.0},
                       relationship_share=0.8)["MVC"] == "partnership"
