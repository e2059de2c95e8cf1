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
      below that, match it, but never below ``unit_cost * floor`` (price following);
    - **promotion**: heavy mass promotion, ``promotion_share`` of the last observed revenue,
      at least ``min_promotion``;
    - **place**: broad distribution (``coverage``), moderate convenience;
    - **relationships**: ``level`` (basic or reactive) for everyone, no retention programs,
      little two-way communication, no customisation (the offer's position does not move).

    Source: MODEL.md section 4; McCarthy (1960) *Basic Marketing*; Kotler's mass marketing.
    """

    name = "4P"
    review_every = 3
    observation_delay = 1
    decides: ClassVar[dict[str, str]] = {
        "price": "markup, floor, match_cuts",
        "promotion": "promotion_share, min_promotion",
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
                price = max(lowest, view.unit_cost * p.floor)
        revenue = view.last("revenue", 0.0) or 0.0
        return {
            "price": round(price, 2),
            "promotion": max(p.min_promotion, p.promotion_share * revenue),
            "coverage": p.coverage,
            "convenience": p.convenience,
            "communication": p.communication,
            "relationship_level": p.level,
            "programs": {"financial": 0.0, "social": 0.0, "structural": 0.0},
            "cross_sell": 0.0,
        }
