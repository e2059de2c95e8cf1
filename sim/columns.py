"""The columns of the tidy time series: one row per period and firm, each column with its unit
and meaning.

This vocabulary is shared by every layer: the market writes these rows
(:mod:`sim.market.metrics`), strategies read them in their :class:`~sim.strategies.MarketView`,
scenario expectations and experiment outcomes name them (``column@Firm``), and
docs/outputs.md is generated from :data:`COLUMNS` (a test keeps the two in step).
"""

from __future__ import annotations

__all__ = ["COLUMNS"]

COLUMNS: dict[str, tuple[str, str]] = {
    "period": ("period", "the period (1 = first), in the scenario's period unit"),
    "firm": ("name", "the firm"),
    "strategy": ("name", "the firm's strategy in this period"),
    "customers": ("customers", "customers who bought from the firm this period"),
    "units": ("units", "units sold this period"),
    "share_units": ("0..1", "units sold / all units of the period, where all units are every"
                    " firm's units sold (cross-selling and partnership extras included) plus"
                    " the usual volume of customers who had an occasion and bought nothing"
                    " (firms' shares plus share_outside sum to 1)"),
    "share_value": ("0..1", "revenue / all firms' revenue this period"),
    "share_outside": ("0..1", "share of wanted units not bought from any firm (outside"
                      " option); the same on every row of a period"),
    "acquired": ("customers", "customers who became the firm's current customers this period"
                 " (first purchases, win-backs and switchers)"),
    "retained": ("customers", "the firm's current customers at the start of the period who"
                 " still are at its end"),
    "churned": ("customers", "current customers at the start who are not at the end"
                " (switched away, or silent too long)"),
    "active": ("customers", "the firm's current customers at the end of the period"
               " (= active at start - churned + acquired)"),
    "retention_rate": ("0..1", "retained / current customers at the start of the period"
                       " (empty when the firm had none)"),
    "unaware": ("customers", "customers who do not know the firm"),
    "potential": ("customers", "aware of the firm, never bought from it"),
    "new": ("customers", "current customers with one purchase in the relationship"),
    "repeat": ("customers", "current customers with repeat purchases, without the attitude"
               " of loyalty"),
    "loyal": ("customers", "current customers with repeat buying and attitude: loyalty,"
              " trust and affective commitment above thresholds (true loyalty)"),
    "lapsed": ("customers", "bought before, relationship dissolved (switched or silent)"),
    "spurious": ("customers", "repeat buyers held more by switching costs (calculative"
                 " commitment) than by affect: spurious loyalty (part of repeat)"),
    "mvc": ("customers", "current customers the firm classes most valuable (MVC), at its last"
            " review"),
    "mgc": ("customers", "current customers the firm classes most growable (MGC)"),
    "bz": ("customers", "current customers below zero (BZ): their smoothed margin is negative"),
    "satisfaction": ("0..1", "mean satisfaction of current customers"),
    "trust": ("0..1", "mean trust of current customers"),
    "commitment": ("0..1", "mean affective commitment of current customers"),
    "calculative": ("0..1", "mean calculative commitment (switching costs) of current"
                    " customers"),
    "price": ("money/unit", "list price"),
    "reference_price": ("money/unit", "customers' reference price for the firm this period:"
                        " its past list prices, exponentially smoothed (Winer 1986); a price"
                        " above it is judged a loss, below it a gain"),
    "unit_cost": ("money/unit", "cost of goods per unit"),
    "perceived_value": ("money/unit", "money value of the offer to customers aware of it:"
                        " the sum of their delivered value before price divided by the sum of"
                        " their money weights, over aware customers who see a positive value"
                        " (what the 4C strategy prices from)"),
    "goodwill": ("money", "advertising goodwill stock (Nerlove-Arrow)"),
    "image": ("0..1", "brand image from goodwill"),
    "failures": ("purchases", "service failures this period"),
    "revenue": ("money", "revenue this period"),
    "cost_goods": ("money", "cost of goods sold"),
    "cost_promotion": ("money", "promotion spending"),
    "cost_distribution": ("money", "distribution coverage and convenience"),
    "cost_service": ("money", "service, personnel, and recovery of failures"),
    "cost_relationship": ("money", "relationship levels and two-way communication"),
    "cost_programs": ("money", "retention programs: points redeemed (and outstanding points"
                      " paid out when a program stops), social and structural"),
    "cost_fixed": ("money", "fixed cost"),
    "profit": ("money", "revenue minus every cost line this period"),
    "cumulative_profit": ("money", "sum of profit up to this period"),
    "discounted_profit": ("money", "sum of profit / (1 + discount_rate)^period"),
    "customer_equity": ("money", "sum of current customers' lifetime values (Gupta &"
                        " Lehmann)"),
    "points_liability": ("money", "points customers hold and have not redeemed yet, at the"
                         " end of the period: what the firm owes them (a liability, not yet a"
                         " cost)"),
}
"""Every time-series column: (unit, meaning)."""
