"""4P: product-centric mass marketing (McCarthy 1960; Kotler, Marketing Management)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from sim.strategies.base import MarketView, Strategy, StrategyParams, register


@register
class FourP(Strategy):
    """Product, price, place, promotion: sell what the firm makes to the mass market.

    Rule, at each review:
    - **price**: cost-plus, ``unit_cost * (1 + markup)``; when a rival's observed price is
      below that, match it, but never below ``unit_cost * floor`` nor below the observed cost
      to serve a unit (goods, service, relationships and programs per unit sold over the last
      ``payback_window`` periods, :meth:`MarketView.cost_to_serve`) times ``cost_floor``:
      the firm stops following a cut that would sell units at a loss (price following with a
      margin floor; Nagle & Holden);
    - **promotion**: heavy mass promotion, ``promotion_share`` of the last observed revenue,
      at least ``min_promotion``; after ``payback_window`` observed periods with a loss in
      total, the promotion that does not pay back is cut to what the firm can afford: the
      last period's contribution after fixed cost, at least 0 (the affordable method,
      Kotler), until the firm is back in profit;
    - **place**: broad distribution (``coverage``), moderate convenience;
    - **relationships**: ``level`` (basic or reactive) for everyone, no retention programs,
      little two-way communication, no customisation (the offer's position does not move).

    Source: MODEL.md section 4; McCarthy (1960) *Basic Marketing*; Kotler, *Marketing
    Management* (mass marketing; markup pricing; the affordable promotion budget); Nagle &
    Holden (2002) on not following a cut below the cost of the unit.
    """

    name = "4P"
    review_every = 3
    observation_delay = 1
    decides: ClassVar[dict[str, str]] = {
        "price": "markup, floor, cost_floor, match_cuts, payback_window",
        "promotion": "promotion_share, min_promotion, payback_window",
        "coverage": "coverage",
        "convenience": "convenience",
        "communication": "communication",
        "relationship_level": "level",
        "programs": "none: no retention programs",
        "cross_sell": "none: no cross-selling",
    }

    class Params(StrategyParams):
        markup: float = Field(0.6, ge=0.0, le=5.0, description="cost-plus markup on unit cost")
        floor: float = Field(1.05, ge=0.5, le=3.0, description="lowest price, x unit cost")
        match_cuts: bool = Field(True, description="match rivals' lower prices")
        cost_floor: float = Field(1.0, ge=0.0, le=3.0, description="lowest price when"
                                  " following a cut, x the observed cost to serve a unit")
        payback_window: int = Field(6, ge=1, le=60, description="observed periods of losses"
                                    " (in total) before promotion falls to what the firm can"
                                    " afford; the window of the cost to serve")
        promotion_share: float = Field(0.12, ge=0.0, le=1.0, description="promotion budget as"
                                       " a share of the last observed revenue")
        min_promotion: float = Field(6_000.0, ge=0.0, description="least promotion, money"
                                     " per period")
        coverage: float = Field(0.95, ge=0.0, le=1.0, description="distribution coverage")
        convenience: float = Field(0.45, ge=0.0, le=1.0, description="convenience to buy")
        communication: float = Field(0.1, ge=0.0, le=1.0,
                                     description="two-way communication intensity")
        level: Literal["basic", "reactive"] = Field(
            "basic", description="relationship level for every customer")

    def decide(self, view: MarketView) -> dict[str, Any]:
        p = self.params
        price = view.unit_cost * (1.0 + p.markup)
        rivals = view.rival_prices()
        if p.match_cuts and rivals:
            lowest = min(rivals.values())
            if lowest < price:
                serve = view.cost_to_serve(p.payback_window) or 0.0
                price = max(lowest, view.unit_cost * p.floor, min(price, serve * p.cost_floor))
        revenue = view.last("revenue", 0.0) or 0.0
        budget = max(p.min_promotion, p.promotion_share * revenue)
        return {
            "price": round(price, 2),
            "promotion": view.affordable_promotion(budget, p.payback_window),
            "coverage": p.coverage,
            "convenience": p.convenience,
            "communication": p.communication,
            "relationship_level": p.level,
            "programs": {"financial": 0.0, "social": 0.0, "structural": 0.0},
            "cross_sell": 0.0,
        }
