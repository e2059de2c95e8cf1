"""The market in a scenario file: customers and their segments, network, awareness, the money
scales of delivered value, and the behavioural constants of the relationship mechanisms (their
models live in :mod:`sim.scenario.behaviour` and are re-exported here).

**Every default of the model lives in the scenario schema** (this module,
:mod:`sim.scenario.behaviour`, :mod:`sim.scenario.firms`, :mod:`sim.scenario.events` and
:mod:`sim.scenario.spec`), as a field default with its unit and source in the field's
description; the documentation's field reference is generated from it.
Sources are cited per field; "chosen" means the value is a modelling choice whose effect is
pinned by the tests named in docs/model.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sim.levers import Money, Name, NonNeg, Strict, Unit
from sim.scenario.behaviour import BehaviourSpec, LevelEffect, OfferingSpec, merged_over_defaults

__all__ = [
    "AwarenessSpec",
    "BehaviourSpec",
    "ComponentWeights",
    "LevelEffect",
    "MarketSpec",
    "NetworkSpec",
    "OfferingSpec",
    "SegmentSpec",
    "ValueScale",
    "default_segments",
    "merged_over_defaults",
]


# --------------------------------------------------------------------------- customers
class ComponentWeights(Strict):
    """Mean weights a segment puts on the eight components of delivered value (Kotler).

    Dimensionless multipliers of the market's money scales; 1.0 is an average customer.
    Individuals draw their own weights around these means (see ``weight_spread``).
    """

    product: NonNeg = Field(1.0, description="weight on product value (dimensionless)")
    service: NonNeg = Field(1.0, description="weight on service value")
    personnel: NonNeg = Field(1.0, description="weight on personnel value")
    image: NonNeg = Field(1.0, description="weight on image value")
    money: NonNeg = Field(1.0, description="weight on money cost (price sensitivity)")
    time: NonNeg = Field(1.0, description="weight on time cost")
    energy: NonNeg = Field(1.0, description="weight on energy cost")
    psychic: NonNeg = Field(1.0, description="weight on psychic cost (risk aversion)")


class SegmentSpec(Strict):
    """A customer segment: the distributions individuals draw their parameters from."""

    share: float = Field(..., gt=0.0, le=1.0, description="share of customers in this segment")
    kind: Literal["consumer", "business"] = Field(
        "consumer", description="consumer (B2C) or business account (B2B)")
    weights: ComponentWeights = Field(default_factory=ComponentWeights)
    weight_spread: NonNeg = Field(
        0.25, le=2.0, description="coefficient of variation of individual weights (lognormal)")
    base_value: Money = Field(
        200.0, gt=0, description="money per unit a perfect product (quality 1, fit 1) is worth")
    base_value_spread: NonNeg = Field(0.2, le=2.0, description="coefficient of variation")
    needs: tuple[Unit, Unit] = Field(
        (0.5, 0.5), description="centre of the segment's needs in the 2-D needs space [0,1]^2")
    needs_spread: NonNeg = Field(0.15, le=1.0, description="std. dev. of individual needs")
    novelty_appetite: Unit = Field(0.2, description="mean appetite for novelty (0..1)")
    experience_appetite: Unit = Field(
        0.3, description="mean appetite for the offering level (experience economy), 0..1")
    purchase_rate: float = Field(
        0.5, gt=0.0, le=1.0, description="probability of a purchase occasion per period (the"
        " segment's mean)")
    purchase_rate_concentration: float | None = Field(
        None, gt=0.0, le=10_000.0, description="heterogeneity of purchase rates: each customer"
        " draws its rate from a Beta distribution with the segment's mean and this"
        " concentration, so purchase counts are beta-binomial, close to Ehrenberg's NBD with"
        " k = purchase_rate * concentration (lower: more spread); default: every customer has"
        " the segment's rate")
    volume: float = Field(1.0, gt=0.0, description="mean units per purchase")
    volume_spread: NonNeg = Field(0.3, le=3.0, description="coefficient of variation of volume")
    word_of_mouth: Unit = Field(0.5, description="propensity to recommend or complain (0..1)")
    appetite_concentration: float = Field(
        8.0, gt=0.0, le=1000.0, description="concentration of the Beta distributions of"
        " appetites and word-of-mouth propensity (higher: individuals closer to the mean)")
    loyalty_smoothing: float = Field(
        0.8, ge=0.0, lt=1.0,
        description="Guadagni-Little smoothing constant alpha of brand loyalty (per occasion)")
    loyalty_weight: NonNeg = Field(
        2.0, description="logit utility weight of Guadagni-Little loyalty (utility units)")


def default_segments() -> dict[str, SegmentSpec]:
    """The four default consumer segments of MODEL.md section 2 (chosen means; see docs)."""
    return {
        "lighthouse": SegmentSpec(
            share=0.15, weights=ComponentWeights(
                product=1.3, service=0.8, personnel=0.8, image=1.0, money=0.6, time=1.0,
                energy=0.8, psychic=0.5),
            needs=(0.75, 0.7), novelty_appetite=0.8, experience_appetite=0.4,
            word_of_mouth=0.8, loyalty_weight=1.5, loyalty_smoothing=0.7),
        "follower": SegmentSpec(
            share=0.35, weights=ComponentWeights(
                product=0.9, service=1.0, personnel=1.2, image=1.6, money=0.9, time=1.0,
                energy=1.0, psychic=1.3),
            needs=(0.5, 0.6), novelty_appetite=0.3, experience_appetite=0.6,
            word_of_mouth=0.6, loyalty_weight=2.5, loyalty_smoothing=0.85),
        "rational": SegmentSpec(
            share=0.30, weights=ComponentWeights(),
            needs=(0.5, 0.4), novelty_appetite=0.2, experience_appetite=0.2,
            word_of_mouth=0.4, loyalty_weight=2.0, loyalty_smoothing=0.8),
        "deal_seeker": SegmentSpec(
            share=0.20, weights=ComponentWeights(
                product=0.9, service=0.7, personnel=0.7, image=0.6, money=1.8, time=0.9,
                energy=0.9, psychic=0.8),
            needs=(0.35, 0.4), novelty_appetite=0.1, experience_appetite=0.1,
            word_of_mouth=0.4, loyalty_weight=0.8, loyalty_smoothing=0.6),
    }


class NetworkSpec(Strict):
    """The customers' social network, over which word of mouth travels."""

    kind: Literal["small_world", "random", "scale_free", "complete", "none"] = Field(
        "small_world", description="network family (Watts-Strogatz small world by default)")
    degree: int = Field(10, ge=0, le=1000, description="mean number of contacts per customer")
    rewire: Unit = Field(0.1, description="small-world rewiring probability (Watts & Strogatz)")
    exponent: float = Field(2.5, gt=2.0, le=5.0, description="scale-free degree exponent")


class AwarenessSpec(Strict):
    """How customers learn that a firm exists (Bass 1969 external and internal influence)."""

    innovation: Unit = Field(
        0.03, description="Bass p: per-period awareness probability from promotion at full reach"
        " (mean of Sultan, Farley & Lehmann 1990 meta-analysis)")
    imitation: Unit = Field(
        0.38, description="Bass q: per-period awareness probability per unit share of"
        " neighbours who have bought the firm (Sultan, Farley & Lehmann 1990)")
    initial: Unit = Field(
        0.3, description="share of customers aware of each incumbent firm at period 0")
    goodwill_reach: Money = Field(
        8.0, gt=0, description="goodwill per customer (money) at which promotion reaches"
        " 1 - 1/e of the market: reach = 1 - exp(-goodwill / (goodwill_reach * customers))")


class ValueScale(Strict):
    """Money scales of the delivered-value components (per unit bought)."""

    service: Money = Field(30.0, description="money value of perfect service (service = 1)")
    personnel: Money = Field(15.0, description="money value of perfect personnel")
    image: Money = Field(40.0, description="money value of a perfect image")
    novelty: Money = Field(20.0, description="money value of full novelty to a novelty seeker")
    time: Money = Field(15.0, description="money cost of the time to buy at convenience 0")
    energy: Money = Field(10.0, description="money cost of the effort to buy and use")
    psychic: Money = Field(25.0, description="money cost of full uncertainty and risk")
    failure: Money = Field(40.0, description="money cost to the customer of a service failure")


class MarketSpec(Strict):
    """The market: its customers, their network, and the behavioural constants."""

    customers: int = Field(10_000, ge=1, le=100_000_000, description="number of simulated"
                           " customers (agents): a precision knob, see size")
    size: int | None = Field(
        None, ge=1, le=10_000_000_000, description="number of real customers in the market"
        " (default: equal to customers); each simulated customer stands for size / customers"
        " of them, and every count and money output is for the real market")
    segments: dict[Name, SegmentSpec] = Field(default_factory=default_segments)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    awareness: AwarenessSpec = Field(default_factory=AwarenessSpec)
    value: ValueScale = Field(default_factory=ValueScale)
    behaviour: BehaviourSpec = Field(default_factory=BehaviourSpec)

    @property
    def real_customers(self) -> int:
        """The number of real customers the market stands for (``size``, else ``customers``)."""
        return self.customers if self.size is None else self.size

    @property
    def weight(self) -> float:
        """Real customers per simulated customer: ``size / customers`` (1 without a size)."""
        return 1.0 if self.size is None else self.size / self.customers

    @field_validator("segments")
    @classmethod
    def _segments(cls, v: dict[str, SegmentSpec]) -> dict[str, SegmentSpec]:
        if not v:
            raise ValueError("at least one segment is needed")
        total = sum(s.share for s in v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares must sum to 1 (they sum to {total:.6g})")
        return v

