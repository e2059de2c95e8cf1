"""Customer delivered value (Kotler): total customer value minus total customer cost.

For customer i and firm f, in money per unit bought, each component weighted by the
customer's own weight ``w_k`` (see :mod:`sim.market.population`):

    product   = base_value * quality * fit * (1 + experience_appetite * uplift[offering])
                + novelty_scale * novelty_appetite * novelty
                + base_value * cocreation[level] + structural_value * bond
    service   = service_scale * service * (1 + service_uplift[level])
    personnel = personnel_scale * personnel + social_value * social
    image     = image_scale * clip(image_f + wom_image * sentiment, 0, 1)
    money     = price * (1 - discount) * (1 - points_rate)
                + reference_weight * (loss_aversion * loss - gain)   (reference price R:
                  loss = max(price (1 - discount) - R, 0), gain = max(R - price (1 - discount), 0))
    time      = time_scale * (1 - convenience)
    energy    = energy_scale * (1 - (convenience + service) / 2)
    psychic   = psychic_scale * clip(1 - psychic_trust * trust - psychic_communication *
                                     communication - psychic_relief[level] - wom_psychic *
                                     sentiment, 0, 1)
    CDV = sum_k w_k * value_k - sum_k w_k * cost_k

with ``fit = exp(-|needs - position|^2 / (2 fit_width^2))``. Relationship terms (``level``,
``social``, ``bond``) apply only to the firm's active customers: a relationship starts with a sale.

Two implementations of the one rule live here: :func:`delivered_value` for one customer, written
to read like the textbook, and :func:`net_value_kernel` over all customers at once, which the
model runs. ``tests/market/test_value.py`` checks that they agree. :func:`value_offers` is the
period's valuation phase: every offer valued for every customer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from sim.market.classes import level_effects, relationship_levels, resolve_class_map
from sim.market.population import COMPONENTS, Population
from sim.market.reference_price import perceived_money, reference_term_kernel
from sim.scenario.market import BehaviourSpec, ValueScale

if TYPE_CHECKING:
    from sim.market.period import Period
    from sim.market.state import CustomerState, WorkBuffers

__all__ = [
    "CustomerTerms",
    "OfferTerms",
    "RelationTerms",
    "ValueBreakdown",
    "delivered_value",
    "fit",
    "money_cost_kernel",
    "net_value_kernel",
    "value_offers",
]

F32 = np.float32
_W_MONEY = COMPONENTS.index("money")


@dataclass(frozen=True)
class OfferTerms:
    """What a firm offers this period (from its levers), as the value rule sees it."""

    quality: float
    position: tuple[float, float]
    novelty: float
    offering_uplift: float
    price: float
    points_rate: float
    convenience: float
    service: float
    personnel: float
    communication: float
    social: float
    image: float
    """The firm's brand image from its goodwill stock, 0..1."""
    reference_price: float | None = None
    """The firm's reference price (:mod:`sim.market.reference_price`); None: not judged."""


@dataclass(frozen=True)
class CustomerTerms:
    """One customer's own parameters that enter delivered value."""

    weights: dict[str, float]
    base_value: float
    needs: tuple[float, float]
    novelty_appetite: float
    experience_appetite: float


@dataclass(frozen=True)
class RelationTerms:
    """The customer's state toward the firm that enters delivered value."""

    active: bool = False
    discount: float = 0.0
    service_uplift: float = 0.0
    cocreation: float = 0.0
    psychic_relief: float = 0.0
    trust: float = 0.2
    sentiment: float = 0.0
    bond: float = 0.0


@dataclass(frozen=True)
class ValueBreakdown:
    """Delivered value component by component (money per unit, already weighted)."""

    product: float
    service: float
    personnel: float
    image: float
    money: float
    time: float
    energy: float
    psychic: float

    @property
    def total_value(self) -> float:
        """Total customer value: product + service + personnel + image."""
        return self.product + self.service + self.personnel + self.image

    @property
    def total_cost(self) -> float:
        """Total customer cost: money + time + energy + psychic."""
        return self.money + self.time + self.energy + self.psychic

    @property
    def delivered_value(self) -> float:
        """Customer delivered value: total value minus total cost."""
        return self.total_value - self.total_cost

    def as_dict(self) -> dict[str, float]:
        """Components plus totals, for printing."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(total_value=self.total_value, total_cost=self.total_cost,
                   delivered_value=self.delivered_value)
        return out


def fit(needs: tuple[float, float], position: tuple[float, float], width: float) -> float:
    """Fit of an offer to a customer's needs: 1 at the ideal point, Gaussian fall-off."""
    d2 = (needs[0] - position[0]) ** 2 + (needs[1] - position[1]) ** 2
    return math.exp(-d2 / (2.0 * width * width))


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def delivered_value(customer: CustomerTerms, offer: OfferTerms, relation: RelationTerms,
                    scale: ValueScale, behaviour: BehaviourSpec) -> ValueBreakdown:
    """Customer delivered value of one offer to one customer, component by component."""
    w = customer.weights
    b = behaviour
    act = 1.0 if relation.active else 0.0
    product = (customer.base_value * offer.quality
               * fit(customer.needs, offer.position, b.fit_width)
               * (1.0 + customer.experience_appetite * offer.offering_uplift)
               + scale.novelty * customer.novelty_appetite * offer.novelty
               + act * (customer.base_value * relation.cocreation
                        + b.structural_value * relation.bond))
    service = scale.service * offer.service * (1.0 + act * relation.service_uplift)
    personnel = scale.personnel * offer.personnel + act * b.social_value * offer.social
    image = scale.image * _clip01(offer.image + b.wom_image * relation.sentiment)
    money = offer.price * (1.0 - relation.discount) * (1.0 - offer.points_rate)
    if offer.reference_price is not None and b.reference_weight > 0:
        money += perceived_money(offer.price * (1.0 - relation.discount), offer.reference_price,
                                 b)
    time = scale.time * (1.0 - offer.convenience)
    energy = scale.energy * (1.0 - 0.5 * (offer.convenience + offer.service))
    risk = _clip01(1.0 - b.psychic_trust * relation.trust
                   - b.psychic_communication * offer.communication
                   - act * relation.psychic_relief - b.wom_psychic * relation.sentiment)
    psychic = scale.psychic * risk
    return ValueBreakdown(
        product=w["product"] * product, service=w["service"] * service,
        personnel=w["personnel"] * personnel, image=w["image"] * image,
        money=w["money"] * money, time=w["time"] * time, energy=w["energy"] * energy,
        psychic=w["psychic"] * psychic)


def fit_kernel(needs: np.ndarray, position: tuple[float, float], width: float,
               out: np.ndarray, tmp: np.ndarray | None = None) -> np.ndarray:
    """Vectorised :func:`fit` for (2, n) needs, written into ``out`` (``tmp``: scratch)."""
    np.subtract(needs[0], F32(position[0]), out=out)
    np.square(out, out=out)
    tmp = np.subtract(needs[1], F32(position[1]), out=tmp)
    np.square(tmp, out=tmp)
    out += tmp
    out *= F32(-1.0 / (2.0 * width * width))
    np.exp(out, out=out)
    return out


def net_value_kernel(weights: np.ndarray, base_value: np.ndarray, needs: np.ndarray,
                     novelty_appetite: np.ndarray, experience_appetite: np.ndarray,
                     offer: OfferTerms, active: np.ndarray | None,
                     service_uplift: np.ndarray | float, cocreation: np.ndarray | float,
                     psychic_relief: np.ndarray | float, trust: np.ndarray,
                     sentiment: np.ndarray, bond: np.ndarray, scale: ValueScale,
                     behaviour: BehaviourSpec, out: np.ndarray | None = None,
                     product_out: np.ndarray | None = None,
                     scratch: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Delivered value before money cost, for all customers toward one firm (vectorised).

    Returns ``CDV + w_money * money`` (value minus time, energy and psychic cost), float32 (n,),
    written into ``out``. ``active`` is a float32 0/1 array (the firm's active customers):
    relationship terms are multiplied by it; ``None`` means no customer is in a relationship
    (the terms are skipped). If ``product_out`` is given, the weighted product value is written
    there (for experience noise). ``scratch`` is two float32 (n,) work buffers.
    """
    b = behaviour
    n = base_value.shape[0]
    wp, ws, wpe, wi, _wm, wt, we, wps = weights
    t1, t2 = scratch if scratch is not None else (np.empty(n, F32), np.empty(n, F32))
    total = fit_kernel(needs, offer.position, b.fit_width,
                       np.empty(n, F32) if out is None else out, tmp=t1)
    # product value: quality x fit x offering level, novelty, co-creation and structural bonds
    np.multiply(experience_appetite, F32(offer.offering_uplift), out=t1)
    t1 += F32(1.0)
    total *= t1
    total *= base_value
    total *= F32(offer.quality)
    np.multiply(novelty_appetite, F32(scale.novelty * offer.novelty), out=t1)
    total += t1
    if active is not None:
        np.multiply(base_value, cocreation, out=t1)
        np.multiply(bond, F32(b.structural_value), out=t2)
        t1 += t2
        t1 *= active
        total += t1
    total *= wp
    if product_out is not None:
        product_out[...] = total
    # service value, raised by the relationship level for active customers
    if active is not None:
        np.multiply(active, service_uplift, out=t1)
        t1 += F32(1.0)
        t1 *= ws
        t1 *= F32(scale.service * offer.service)
    else:
        np.multiply(ws, F32(scale.service * offer.service), out=t1)
    total += t1
    # personnel value (+ the social program for the firm's active customers)
    np.multiply(wpe, F32(scale.personnel * offer.personnel), out=t1)
    total += t1
    if active is not None and offer.social > 0:
        np.multiply(wpe, active, out=t1)
        t1 *= F32(b.social_value * offer.social)
        total += t1
    # image value: the brand's image moved by word of mouth
    np.multiply(sentiment, F32(b.wom_image), out=t1)
    t1 += F32(offer.image)
    np.clip(t1, 0.0, 1.0, out=t1)
    t1 *= wi
    t1 *= F32(scale.image)
    total += t1
    # time and energy costs
    np.multiply(wt, F32(scale.time * (1.0 - offer.convenience)), out=t1)
    total -= t1
    np.multiply(we, F32(scale.energy * (1.0 - 0.5 * (offer.convenience + offer.service))),
                out=t1)
    total -= t1
    # psychic cost: uncertainty lowered by trust, communication, contact and word of mouth
    np.multiply(trust, F32(-b.psychic_trust), out=t1)
    np.multiply(sentiment, F32(b.wom_psychic), out=t2)
    t1 -= t2
    if active is not None:
        np.multiply(active, psychic_relief, out=t2)
        t1 -= t2
    t1 += F32(1.0 - b.psychic_communication * offer.communication)
    np.clip(t1, 0.0, 1.0, out=t1)
    t1 *= wps
    t1 *= F32(scale.psychic)
    total -= t1
    return total


def money_cost_kernel(w_money: np.ndarray, offer: OfferTerms, discount: np.ndarray | float,
                      out: np.ndarray | None = None,
                      behaviour: BehaviourSpec | None = None) -> np.ndarray:
    """Weighted money cost ``w_money * (price * (1 - discount) * (1 - points_rate) +
    reference term)``; the reference term (gains and losses against the offer's reference
    price, :mod:`sim.market.reference_price`) needs ``behaviour``."""
    base = F32(offer.price * (1.0 - offer.points_rate))
    judged = (behaviour is not None and offer.reference_price is not None
              and behaviour.reference_weight > 0)
    if np.isscalar(discount):
        money = F32(float(base) * (1.0 - float(discount)))
        if judged:
            money += F32(reference_term_kernel(F32(offer.price * (1.0 - float(discount))),
                                               offer.reference_price, behaviour))
        return np.multiply(w_money, money, out=out)
    res = np.subtract(F32(1.0), discount, out=out)
    if judged:
        paid = res * F32(offer.price)
        res *= base
        res += reference_term_kernel(paid, offer.reference_price, behaviour)
    else:
        res *= base
    res *= w_money
    return res


def value_offers(period: Period, population: Population, state: CustomerState,
                 buffers: WorkBuffers, scale: ValueScale, b: BehaviourSpec) -> None:
    """The valuation phase: every firm's offer valued for every customer.

    Writes, per firm slot, ``state.net`` (delivered value before money cost), ``state.product``
    (weighted product value, for experience noise) and ``state.money`` (weighted money cost),
    and notes in ``period`` each firm's relationship levels, their effects and its discounts.
    Relationship terms apply to the firm's customers at the start of the period.
    """
    pop, st = population, state
    w = pop.weights
    w_money = w[_W_MONEY]
    for firm in period.firms:
        s = firm.slot
        offer = firm.offer_terms()
        period.levels[s] = relationship_levels(firm, st, pop)
        period.effects[s] = e = level_effects(period.levels[s], b)
        period.discounts[s] = resolve_class_map(firm.levers.discount, s, 0.0, float, st, pop)
        is_current = period.current_start == s
        active = is_current.astype(F32) if (firm.in_relationship and is_current.any()) else None
        net_value_kernel(w, pop.base_value, pop.needs, pop.novelty_appetite,
                         pop.experience_appetite, offer, active, e["service_uplift"],
                         e["cocreation"], e["psychic_relief"], st.trust[s], st.sentiment[s],
                         st.bond[s], scale, b, out=st.net[s], product_out=st.product[s],
                         scratch=buffers.scratch)
        money_cost_kernel(w_money, offer, period.discounts[s], out=st.money[s], behaviour=b)
