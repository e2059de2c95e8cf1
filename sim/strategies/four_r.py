"""4R: relationship marketing (Schultz 2001): relevance, reaction, relationship, reward."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from sim.levers import LEVELS
from sim.strategies.base import MarketView, Strategy, StrategyParams, register

Level = Literal["basic", "reactive", "accountable", "proactive", "partnership"]


@register
class FourR(Strategy):
    """Relevance, reaction, relationship, reward.

    Rule, at each review (by default every period with no delay: reaction):
    - **relevance**: structural and social bonds (Berry's programs at ``structural`` and
      ``social``) that add co-created value, making switching unattractive rather than costly;
    - **reaction**: fast recovery of failed service (``recovery``); when its observed mean
      satisfaction falls, or a rival's is higher, it raises service by ``service_step``. It
      tracks satisfaction on a control chart (Shewhart 1931): a fall or a rival's lead counts
      only beyond the noise of its observed mean, ``noise_limit`` standard errors of the mean
      satisfaction of its current customers (and at least 0.005), so it acts on a change in
      its customers, not on which of them happened to buy this period; and so its reaction
      does not depend on how many customers are simulated;
    - **relationship**: the relationship level by customer value: ``mvc`` for the most valuable
      customers, ``mgc`` for the most growable, ``other`` for the rest, ``bz`` for customers
      below zero (discipline: basic contact, no discount). Relationship spending must return
      its cost: each class gets the deepest level, no deeper than its parameter, whose cost
      per customer and period is at most ``relationship_share`` of the class's mean smoothed
      margin before that cost (Kotler: the level should fit the customer's profitability, so
      it deepens with volume x unit margin while its cost per account stays the same;
      Reinartz & Kumar 2000: long-life customers are not necessarily profitable ones; Ryals
      2005: manage customers' service by their value). The default share, a tenth, is about
      where Kotler's grid puts the line: in ``experiments/kotler_levels.yaml`` the level that
      earns most in a cell costs 2-8% of the accounts' margin and the next deeper one 11-75%
      of it (docs/model.md);
    - **reward**: spends where customer profitability returns it: cross-selling and
      up-selling to loyal customers (``cross_sell``); prices at a relationship premium
      (``markup`` over unit cost) and does not follow rivals' cuts; promotion
      ``promotion_share`` of revenue, at least ``min_promotion``, cut to what the firm can
      afford after ``payback_window`` periods of losses (Kotler's affordable method).

    Source: Schultz (2001) "Marketers: Bid farewell to strategy based on old 4Ps";
    MODEL.md section 4; Berry & Parasuraman (1991) for the retention levels; Reinartz, W. &
    Kumar, V. (2000), On the profitability of long-life customers in a noncontractual
    setting, *Journal of Marketing* 64(4), 17-35; Ryals, L. (2005), Making customer
    relationship management work: the measurement and profitable management of customer
    relationships, *Journal of Marketing* 69(4), 252-261.
    """

    name = "4R"
    review_every = 1
    observation_delay = 0
    decides: ClassVar[dict[str, str]] = {
        "relationship_level": "mvc, mgc, other, bz, relationship_share",
        "discount": "none: no discount",
        "programs.financial": "none: no points",
        "programs.social": "social",
        "programs.structural": "structural",
        "recovery": "recovery",
        "service": "service_step, noise_limit",
        "cross_sell": "cross_sell",
        "communication": "communication",
        "price": "markup",
        "promotion": "promotion_share, min_promotion, payback_window",
    }

    class Params(StrategyParams):
        mvc: Level = Field("partnership", description="deepest level for the most valuable"
                           " customers")
        mgc: Level = Field("proactive", description="deepest level for the most growable"
                           " customers")
        other: Level = Field("reactive", description="deepest level for the other customers")
        bz: Level = Field("basic", description="level for below-zero customers")
        structural: float = Field(0.5, ge=0.0, le=1.0, description="structural program")
        social: float = Field(0.5, ge=0.0, le=1.0, description="social program")
        recovery: float = Field(0.8, ge=0.0, le=1.0, description="share of failures recovered")
        cross_sell: float = Field(0.6, ge=0.0, le=1.0, description="cross-selling to loyal"
                                  " customers")
        noise_limit: float = Field(2.0, ge=0.0, le=10.0, description="standard errors of"
                                   " the observed mean satisfaction a fall (or a rival's"
                                   " lead) must exceed before service is raised")
        service_step: float = Field(0.05, ge=0.0, le=1.0, description="service added when"
                                    " satisfaction falls or a rival's is higher")
        markup: float = Field(0.7, ge=0.0, le=5.0, description="relationship premium: markup on"
                                " unit cost")
        communication: float = Field(0.5, ge=0.0, le=1.0,
                                     description="two-way communication intensity")
        promotion_share: float = Field(0.04, ge=0.0, le=1.0, description="promotion budget as"
                                       " a share of the last observed revenue")
        min_promotion: float = Field(3_000.0, ge=0.0, description="least promotion, money"
                                     " per period")
        relationship_share: float = Field(
            0.1, ge=0.0, le=1.0, description="most of a class's margin (before relationship"
            " costs) that its relationship level may cost")
        payback_window: int = Field(6, ge=1, le=60, description="periods of losses before"
                                    " promotion falls to what the firm can afford")

    def _levels(self, view: MarketView) -> dict[str, str]:
        """Each class's level: the deepest, up to its parameter, that its margin affords."""
        p = self.params
        wanted = {"MVC": p.mvc, "MGC": p.mgc, "other": p.other}
        levels = {}
        for cls, level in wanted.items():
            k = LEVELS.index(level)
            margin = view.class_margin.get(cls)
            if margin is not None and view.level_costs:
                budget = p.relationship_share * (margin + view.class_level_cost.get(cls, 0.0))
                while k > 0 and view.level_costs[LEVELS[k]] > budget:
                    k -= 1
            levels[cls] = LEVELS[k]
        return {**levels, "BZ": p.bz}

    def decide(self, view: MarketView) -> dict[str, Any]:
        p = self.params
        lv = view.levers
        service = lv.service or 0.0
        if len(view.history) >= 2:
            now, before = view.history[-1]["satisfaction"], view.history[-2]["satisfaction"]
            rivals = [rows[-1]["satisfaction"] for rows in view.competitors.values() if rows]
            rivals = [s for s in rivals if s == s]
            limit = max(0.005, p.noise_limit * view.satisfaction_se)
            if (now == now and before == before and now < before - limit) or (
                    rivals and now == now and max(rivals) > now + limit):
                service = min(1.0, service + p.service_step)
        revenue = view.last("revenue", 0.0) or 0.0
        return {
            "relationship_level": self._levels(view),
            "discount": 0.0,
            "programs": {"financial": 0.0, "social": p.social, "structural": p.structural},
            "recovery": p.recovery,
            "service": service,
            "cross_sell": p.cross_sell,
            "communication": p.communication,
            "price": round(view.unit_cost * (1.0 + p.markup), 2),
            "promotion": view.affordable_promotion(
                max(p.min_promotion, p.promotion_share * revenue), p.payback_window),
        }
