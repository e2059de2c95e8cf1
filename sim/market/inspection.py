"""Looking at one customer: who it is, and where it stands with every firm.

:func:`customer_view` reads the columnar state of one customer into a frozen
:class:`CustomerView`, with its delivered value from each firm computed by the one-customer
rule (:func:`sim.market.value.delivered_value`) and its loyalty class by
:func:`sim.market.relationship.loyalty_class`, so the dashboard and the tests see the textbook
rules applied to that customer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from sim.levers import ABC_CLASSES, LEVELS, VALUE_CLASSES
from sim.market.classes import relationship_levels, resolve_class_map
from sim.market.population import COMPONENTS
from sim.market.relationship import CLASS_NAMES, RelationshipState, loyalty_class
from sim.market.value import (
    CustomerTerms,
    RelationTerms,
    ValueBreakdown,
    delivered_value,
)

if TYPE_CHECKING:
    from sim.market.model import MarketModel

__all__ = ["CustomerView", "customer_view"]


@dataclass(frozen=True)
class CustomerView:
    """A read-only view of one customer: who it is, and where it stands with every firm."""

    index: int
    segment: str
    business: bool
    parameters: MappingProxyType
    current_firm: str | None
    firms: MappingProxyType
    """By firm name: aware, reachable, ever_bought, loyalty_class, satisfaction, trust,
    commitment, calculative, loyalty, expectation, points, bond, relationship_level, and
    ``value``: a :class:`~sim.market.value.ValueBreakdown` of its delivered value component by
    component."""

    def delivered_value(self, firm: str) -> ValueBreakdown:
        """This customer's delivered value from ``firm``, component by component."""
        return self.firms[firm]["value"]


def customer_view(model: MarketModel, i: int) -> CustomerView:
    """A read-only view of customer ``i``, with its delivered value from every firm."""
    pop, st, b = model.population, model.state, model.spec.market.behaviour
    if not 0 <= i < pop.n:
        raise IndexError(f"customer index {i} out of range 0..{pop.n - 1}")
    weights = {c: float(pop.weights[k, i]) for k, c in enumerate(COMPONENTS)}
    terms = CustomerTerms(weights=weights, base_value=float(pop.base_value[i]),
                          needs=(float(pop.needs[0, i]), float(pop.needs[1, i])),
                          novelty_appetite=float(pop.novelty_appetite[i]),
                          experience_appetite=float(pop.experience_appetite[i]))
    params = {
        "weights": MappingProxyType(weights), "base_value": terms.base_value,
        "needs": terms.needs, "novelty_appetite": terms.novelty_appetite,
        "experience_appetite": terms.experience_appetite,
        "purchase_rate": float(pop.purchase_rate[i]), "volume": float(pop.volume[i]),
        "word_of_mouth": float(pop.word_of_mouth[i]),
        "loyalty_smoothing": float(pop.loyalty_smoothing[i]),
        "loyalty_weight": float(pop.loyalty_weight[i]),
        "lapse_periods": int(pop.lapse_periods[i]),
    }
    cur = int(st.current[i])
    firms = {}
    for firm in model.active_firms:
        s = firm.slot
        level = relationship_levels(firm, st, pop)
        level_code = int(level if np.isscalar(level) else level[i])
        effect = b.levels[LEVELS[level_code]]
        disc = resolve_class_map(firm.levers.discount, s, 0.0, float, st, pop)
        active = cur == s
        relation = RelationTerms(
            active=active, discount=float(disc if np.isscalar(disc) else disc[i]),
            service_uplift=effect.service_uplift, cocreation=effect.cocreation,
            psychic_relief=effect.psychic_relief, trust=float(st.trust[s, i]),
            sentiment=float(st.sentiment[s, i]), bond=float(st.bond[s, i]))
        value = delivered_value(terms, firm.offer_terms(), relation, model.spec.market.value,
                                b)
        rstate = RelationshipState(
            aware=bool(st.aware[s, i]), ever_bought=bool(st.ever[s, i]), active=active,
            purchases=int(st.purchases[s, i]), expectation=float(st.expectation[s, i]),
            satisfaction=float(st.satisfaction[s, i]), trust=float(st.trust[s, i]),
            commitment=float(st.commitment[s, i]), loyalty=float(st.loyalty[s, i]))
        switching = float(st.points[s, i]) + b.structural_switching * float(st.bond[s, i])
        firms[firm.name] = MappingProxyType({
            "aware": rstate.aware,
            "reachable": bool(pop.reach_draw[s, i] < firm.levers.coverage),
            "ever_bought": rstate.ever_bought, "purchases": rstate.purchases,
            "loyalty_class": CLASS_NAMES[loyalty_class(rstate, b)],
            "satisfaction": rstate.satisfaction, "trust": rstate.trust,
            "commitment": rstate.commitment,
            "calculative": 1.0 - math.exp(-switching / b.calculative_scale),
            "loyalty": rstate.loyalty, "expectation": rstate.expectation,
            "points": float(st.points[s, i]), "bond": float(st.bond[s, i]),
            "relationship_level": LEVELS[level_code],
            "value_class": VALUE_CLASSES[int(st.value_class[s, i])],
            "abc_class": ABC_CLASSES[int(st.abc[s, i])],
            "margin": float(st.margin[s, i]),
            "value": value,
        })
    return CustomerView(
        index=i, segment=pop.segment_names[int(pop.segment[i])],
        business=bool(pop.business[i]), parameters=MappingProxyType(params),
        current_firm=model.names[cur] if cur >= 0 else None,
        firms=MappingProxyType(firms))
