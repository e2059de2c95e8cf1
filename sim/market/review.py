"""Reviews: plan-do-check-act. A firm whose review is due sees the market as it may, with its
own delay, classifies its customers and asks its strategy for the period's levers.

What a firm may observe (:func:`observe`, a frozen :class:`~sim.strategies.MarketView`): its own
rows and its rivals' rows of the time series up to ``period - 1 - observation_delay`` (a firm
seen to have left the market is no longer a rival); with
two-way communication, the mean needs of the customers it talks to (its aware customers,
weighted by their expected volume); its current customers by value and ABC class, and their
mean smoothed margin and relationship-level cost per value class (its customer-profitability
records), its own cost of each level, and the standard error of its current customers' mean
satisfaction. It never
sees another firm's customers or levers directly (DESIGN.md principle 4). Counts are of real
customers (``market.size``).
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.levers import LEVELS
from sim.market.classes import (
    ABC_CODES,
    VALUE_CODES,
    classify_customers,
    level_costs,
    relationship_levels,
)
from sim.market.metrics import scaled_count
from sim.market.population import Population
from sim.market.state import CustomerState
from sim.scenario.market import BehaviourSpec
from sim.strategies import MarketView

if TYPE_CHECKING:
    from sim.market.firm import Firm

__all__ = ["observe", "review"]


def observe(firm: Firm, period: int, records: list[dict[str, Any]], state: CustomerState,
            population: Population) -> MarketView:
    """What ``firm`` may see at ``period``: its own and rivals' rows up to its delay."""
    horizon = period - 1 - firm.observation_delay
    gone = {f.name for f in firm.model.firms.values()  # seen to have left the market
            if f.exited is not None and f.exited < horizon}
    mine: list[dict] = []
    rivals: dict[str, list[dict]] = {}
    for row in records:
        if row["period"] > horizon:
            break
        if row["firm"] == firm.name:
            mine.append(row)
        elif row["firm"] not in gone:
            rivals.setdefault(row["firm"], []).append(row)
    st, pop, s = state, population, firm.slot
    centroid = None
    if firm.levers.communication > 0:
        weight = pop.volume * pop.purchase_rate
        weight *= st.aware[s]
        total = float(weight.sum(dtype=np.float64))
        if total > 0:
            centroid = tuple(float(np.dot(pop.needs[d], weight)) / total for d in (0, 1))
    members = np.flatnonzero(st.current == s)
    value_counts = np.bincount(st.value_class[s].take(members), minlength=len(VALUE_CODES))
    abc_counts = np.bincount(st.abc[s].take(members), minlength=len(ABC_CODES))
    w = firm.model.spec.market.weight
    margin_sums = np.bincount(st.value_class[s].take(members),
                              weights=st.margin[s].take(members), minlength=len(VALUE_CODES))
    class_margin = {k: float(margin_sums[v] / value_counts[v])
                    for k, v in VALUE_CODES.items() if value_counts[v]}
    level = relationship_levels(firm, st, population)
    cost_i = level_costs(firm, level, members, dtype=np.float64)
    if np.isscalar(level):  # one level for everyone: every class costs the same
        class_level_cost = dict.fromkeys(class_margin, float(cost_i))
    else:
        cost_sums = np.bincount(st.value_class[s].take(members), weights=cost_i,
                                minlength=len(VALUE_CODES))
        class_level_cost = {k: float(cost_sums[v] / value_counts[v])
                            for k, v in VALUE_CODES.items() if value_counts[v]}
    sat = st.satisfaction[s].take(members)
    satisfaction_se = (float(sat.std(dtype=np.float64)) / math.sqrt(members.size)
                       if members.size > 1 else 0.0)
    counts = {k: scaled_count(value_counts[v], w) for k, v in VALUE_CODES.items()}
    counts.update({k: scaled_count(abc_counts[v], w) for k, v in ABC_CODES.items()})
    return MarketView(
        period=period, firm=firm.name, levers=firm.levers, unit_cost=firm.unit_cost(),
        history=tuple(MappingProxyType(r) for r in mine),
        competitors=MappingProxyType({n: tuple(MappingProxyType(r) for r in rows)
                                      for n, rows in rivals.items()}),
        needs_centroid=centroid,  # type: ignore[arg-type]
        customer_counts=MappingProxyType(counts), review_every=firm.review_every,
        class_margin=MappingProxyType(class_margin),
        class_level_cost=MappingProxyType(class_level_cost),
        level_costs=MappingProxyType({name: float(firm.costs.relationship[name])
                                      for name in LEVELS}),
        satisfaction_se=satisfaction_se)


def review(firm: Firm, period: int, records: list[dict[str, Any]], state: CustomerState,
           population: Population, b: BehaviourSpec) -> None:
    """If the firm's review is due (every ``review_every`` periods): classify its customers,
    show its strategy what it may observe, and apply the levers the strategy returns."""
    if period - firm.last_review < firm.review_every:
        return
    firm.last_review = period
    classify_customers(firm, state, population, b)
    firm.decide(observe(firm, period, records, state, population))
