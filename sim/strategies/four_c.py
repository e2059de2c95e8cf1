"""4C: customer-centric marketing (Lauterborn 1990)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from sim.strategies.base import MarketView, Strategy, StrategyParams, register


@register
class FourC(Strategy):
    """Consumer wants and needs, cost to satisfy, convenience to buy, communication.

    Rule, at each review:
    - **consumer**: learns its customers' needs through two-way communication and moves the
      offer's position toward them: ``position += learning * communication * (centroid -
      position)``;
    - **cost**: prices by the value customers perceive (perceived-value pricing, as economic
      value to the customer: the rivals' mean price plus ``value_capture`` times the extra
      value customers see in this firm's offer over the rivals', Nagle & Holden); moves price
      by ``adjust`` toward that target, never below ``unit_cost * floor`` nor below the
      observed cost to serve a unit (goods, service, relationships and programs per unit over
      the last ``payback_window`` periods, :meth:`MarketView.cost_to_serve`) times
      ``cost_floor``: a price that does not pay for the unit is not the customer's cost to
      satisfy, it is a subsidy. Without rivals the
      target is ``value_capture`` times the perceived value itself;
    - **convenience**: high convenience and direct channels lower the customers' time and
      energy cost; on a rival's price cut it holds its price and raises convenience by
      ``convenience_step`` instead (``hold_on_price_cut``), or follows the cut if not;
    - **communication**: two-way, ``communication``; accountable relationships (``level``);
      promotion ``promotion_share`` of revenue, at least ``min_promotion``, cut to what the
      firm can afford after ``payback_window`` periods of losses (Kotler's affordable method).

    Source: Lauterborn (1990) "New marketing litany: 4P's passé; C-words take over";
    Nagle & Holden (2002) *The Strategy and Tactics of Pricing* (economic value to the
    customer); MODEL.md sections 4 and 6 (perceived-value pricing; holding price on a rival's
    cut).
    """

    name = "4C"
    review_every = 3
    observation_delay = 1
    decides: ClassVar[dict[str, str]] = {
        "position": "learning, communication",
        "price": "value_capture, adjust, floor, cost_floor, payback_window, hold_on_price_cut",
        "convenience": "convenience, convenience_step, hold_on_price_cut",
        "communication": "communication",
        "relationship_level": "level",
        "promotion": "promotion_share, min_promotion, payback_window",
    }

    class Params(StrategyParams):
        value_capture: float = Field(0.8, gt=0.0, le=1.5, description="share of the extra perceived"
                                     " value over rivals the price takes")
        adjust: float = Field(0.5, gt=0.0, le=1.0, description="share of the price gap closed")
        floor: float = Field(1.1, ge=0.5, le=3.0, description="lowest price, x unit cost")
        cost_floor: float = Field(1.0, ge=0.0, le=3.0, description="lowest price, x the"
                                  " observed cost to serve a unit")
        payback_window: int = Field(6, ge=1, le=60, description="observed periods of losses"
                                    " (in total) before promotion falls to what the firm can"
                                    " afford; the window of the cost to serve")
        learning: float = Field(0.5, ge=0.0, le=1.0, description="needs learning per review")
        convenience: float = Field(0.8, ge=0.0, le=1.0, description="least convenience")
        convenience_step: float = Field(0.1, ge=0.0, le=1.0, description="convenience added"
                                        " in answer to a rival's price cut")
        hold_on_price_cut: bool = Field(True, description="on a rival's cut, hold price and"
                                        " raise convenience (false: follow the cut)")
        communication: float = Field(0.6, ge=0.0, le=1.0,
                                     description="two-way communication intensity")
        promotion_share: float = Field(0.06, ge=0.0, le=1.0, description="promotion budget as"
                                       " a share of the last observed revenue")
        min_promotion: float = Field(4_000.0, ge=0.0, description="least promotion, money"
                                     " per period")
        level: Literal["basic", "reactive", "accountable", "proactive", "partnership"] = Field(
            "accountable", description="relationship level for every customer")

    def decide(self, view: MarketView) -> dict[str, Any]:
        p = self.params
        lv = view.levers
        out: dict[str, Any] = {
            "communication": p.communication,
            "relationship_level": p.level,
            "convenience": max(lv.convenience or 0.0, p.convenience),
        }
        if view.needs_centroid is not None:
            step = p.learning * p.communication
            x, y = lv.position or (0.5, 0.5)
            cx, cy = view.needs_centroid
            out["position"] = (x + step * (cx - x), y + step * (cy - y))
        price = lv.price or 0.0
        least = max(view.unit_cost * p.floor,
                    (view.cost_to_serve(p.payback_window) or 0.0) * p.cost_floor)
        wtp = view.last("perceived_value")
        cuts = view.rival_price_cut()
        if cuts and p.hold_on_price_cut:
            out["convenience"] = min(1.0, out["convenience"] + p.convenience_step)
        elif cuts:
            price = max(min(view.rival_prices().values()), least)
        elif wtp is not None and wtp == wtp:  # not NaN
            rivals = [rows[-1] for rows in view.competitors.values() if rows]
            rivals = [r for r in rivals if r["perceived_value"] == r["perceived_value"]]
            if rivals:
                ref_price = sum(r["price"] for r in rivals) / len(rivals)
                ref_value = sum(r["perceived_value"] for r in rivals) / len(rivals)
                target = ref_price + p.value_capture * (wtp - ref_value)
            else:
                target = p.value_capture * wtp
            target = max(target, least)
            price += p.adjust * (target - price)
        out["price"] = round(max(price, least), 2)
        revenue = view.last("revenue", 0.0) or 0.0
        out["promotion"] = view.affordable_promotion(
            max(p.min_promotion, p.promotion_share * revenue), p.payback_window)
        return out
