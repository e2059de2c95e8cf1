"""Scenario files: the validated, frozen description of one market and its firms.

A scenario is YAML (loaded safely by :mod:`sim.sourcefile`) validated into :class:`Scenario`,
a frozen pydantic model. **Every default of the model lives here**, as a field default with its
unit and source in the field's description; the documentation's field reference is generated
from this schema. A run writes the fully resolved scenario (every default filled in, plus the
seed and the stratsim version) so that running that file reproduces the run exactly
(DESIGN.md principle 5).

Sources for defaults are cited per field; "chosen" means the value is a modelling choice whose
effect is pinned by the tests named in docs/model.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sim.expectation import CheckSpec, Expectation

__all__ = [
    "ABC_CLASSES",
    "LEVELS",
    "LOYALTY_CLASSES",
    "OFFERINGS",
    "VALUE_CLASSES",
    "BehaviourSpec",
    "EventSpec",
    "FirmSpec",
    "LeverSet",
    "MarketSpec",
    "Scenario",
    "SegmentSpec",
    "class_map_dimension",
    "default_segments",
]

LEVELS = ("basic", "reactive", "accountable", "proactive", "partnership")
"""Kotler's five relationship levels, from no contact after the sale to partnership."""
OFFERINGS = ("commodity", "goods", "service", "experience")
"""Pine & Gilmore's progression of economic value (the experience economy)."""
LOYALTY_CLASSES = ("potential", "new", "repeat", "loyal", "lapsed")
ABC_CLASSES = ("A", "B", "C")
VALUE_CLASSES = ("MVC", "MGC", "BZ", "other")

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Money = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Level = Literal["basic", "reactive", "accountable", "proactive", "partnership"]
Offering = Literal["commodity", "goods", "service", "experience"]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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
        0.5, gt=0.0, le=1.0, description="probability of a purchase occasion per period")
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
        5.0, gt=0, description="goodwill per customer (money) at which promotion reaches"
        " 1 - 1/e of the market: reach = 1 - exp(-goodwill / (goodwill_reach * customers))")


class ValueScale(Strict):
    """Money scales of the delivered-value components (per unit bought)."""

    service: Money = Field(30.0, description="money value of perfect service (service = 1)")
    personnel: Money = Field(15.0, description="money value of perfect personnel")
    image: Money = Field(25.0, description="money value of a perfect image")
    novelty: Money = Field(20.0, description="money value of full novelty to a novelty seeker")
    time: Money = Field(15.0, description="money cost of the time to buy at convenience 0")
    energy: Money = Field(10.0, description="money cost of the effort to buy and use")
    psychic: Money = Field(25.0, description="money cost of full uncertainty and risk")
    failure: Money = Field(40.0, description="money cost to the customer of a service failure")


class OfferingSpec(Strict):
    """What an offering level adds (Pine & Gilmore's experience economy)."""

    value_uplift: NonNeg = Field(description="relative rise of product value (base value x"
                                 " quality x fit) at full experience appetite: product value is"
                                 " multiplied by 1 + experience_appetite x value_uplift")
    cost_uplift: NonNeg = Field(description="extra unit cost as a multiple of the base unit cost")


def _default_offerings() -> dict[str, OfferingSpec]:
    return {
        "commodity": OfferingSpec(value_uplift=0.0, cost_uplift=0.0),
        "goods": OfferingSpec(value_uplift=0.3, cost_uplift=0.1),
        "service": OfferingSpec(value_uplift=0.7, cost_uplift=0.35),
        "experience": OfferingSpec(value_uplift=1.2, cost_uplift=0.7),
    }


class LevelEffect(Strict):
    """What one of Kotler's relationship levels does for a customer in the relationship."""

    service_uplift: NonNeg = Field(description="relative rise in service value")
    trust_gain: NonNeg = Field(description="multiplier of trust growth")
    commitment: Unit = Field(description="rise in the affective-commitment target")
    recovery: Unit = Field(description="share of service failures recovered thanks to contact")
    cocreation: NonNeg = Field(description="co-created product value, multiple of base value")
    psychic_relief: Unit = Field(description="reduction of psychic cost from contact")


def _default_level_effects() -> dict[str, LevelEffect]:
    # Chosen: monotone in depth, following Kotler's description of the five levels.
    return {
        "basic": LevelEffect(service_uplift=0.0, trust_gain=1.0, commitment=0.0, recovery=0.0,
                             cocreation=0.0, psychic_relief=0.0),
        "reactive": LevelEffect(service_uplift=0.1, trust_gain=1.1, commitment=0.05,
                                recovery=0.3, cocreation=0.0, psychic_relief=0.05),
        "accountable": LevelEffect(service_uplift=0.2, trust_gain=1.3, commitment=0.1,
                                   recovery=0.45, cocreation=0.0, psychic_relief=0.15),
        "proactive": LevelEffect(service_uplift=0.35, trust_gain=1.5, commitment=0.2,
                                 recovery=0.55, cocreation=0.05, psychic_relief=0.25),
        "partnership": LevelEffect(service_uplift=0.5, trust_gain=1.8, commitment=0.35,
                                   recovery=0.7, cocreation=0.15, psychic_relief=0.35),
    }


class BehaviourSpec(Strict):
    """Constants of the customers' relationship mechanisms (see docs/model.md)."""

    choice_scale: Money = Field(
        10.0, gt=0, description="money per logit utility unit (scale of the Gumbel noise)")
    outside_value: float = Field(
        0.0, description="delivered value (money) of not buying this period")
    fit_width: float = Field(0.3, gt=0, le=2.0, description="width of the fit kernel in needs"
                             " space: fit = exp(-d^2 / (2 width^2))")
    perception_noise: NonNeg = Field(
        12.0, description="std. dev. (money) of an untried firm's perceived value error")
    experience_noise: NonNeg = Field(
        0.25, le=1.0, description="max relative deviation of experienced product value at"
        " quality 0 (uniform; shrinks linearly to 0 at quality 1)")
    failure_base: Unit = Field(
        0.08, description="service-failure probability per purchase at quality 0, service 0;"
        " falls linearly with quality and service (see failure_reduction)")
    expectation_rate: Unit = Field(
        0.3, description="adaptive expectation: share of the gap to experience closed per"
        " purchase (Oliver 1980)")
    satisfaction_scale: Money = Field(
        15.0, gt=0, description="money of delivered value or disconfirmation that moves"
        " satisfaction by one logistic unit")
    disconfirmation_weight: NonNeg = Field(
        1.5, description="weight of disconfirmation relative to the delivered-value level in"
        " the satisfaction response (Oliver 1980)")
    satisfaction_rate: Unit = Field(0.5, description="smoothing of satisfaction per purchase")
    trust_initial: Unit = Field(0.2, description="trust in a firm never bought from")
    trust_gain: Unit = Field(
        0.12, description="trust growth per purchase at full positive evidence (Morgan & Hunt)")
    trust_loss: Unit = Field(
        0.3, description="trust loss per purchase at full negative evidence: negativity bias,"
        " several times the gain (Baumeister et al. 2001)")
    commitment_rate: Unit = Field(0.12, description="affective commitment adjustment per purchase")
    commitment_base: Unit = Field(
        0.6, description="affective-commitment target per unit trust at the basic level")
    commitment_weight: NonNeg = Field(
        2.0, description="logit utility of full affective commitment toward the current firm")
    calculative_scale: Money = Field(
        20.0, gt=0, description="switching cost (money) giving calculative commitment 1 - 1/e")
    loyal_trust: Unit = Field(0.55, description="trust needed to count as truly loyal")
    loyal_commitment: Unit = Field(
        0.3, description="affective commitment needed to count as truly loyal (Dick & Basu)")
    loyal_loyalty: Unit = Field(
        0.5, description="Guadagni-Little loyalty needed to count as loyal (repeat buying)")
    lapse_after: float = Field(
        3.0, ge=1.0, description="a customer silent for this many expected inter-purchase"
        " times has lapsed")
    recommend_satisfaction: Unit = Field(0.65, description="satisfaction above which customers"
                                         " recommend the firm")
    complain_satisfaction: Unit = Field(0.4, description="satisfaction below which customers"
                                        " complain about the firm")
    complaint_weight: NonNeg = Field(
        2.0, description="how much more readily complaints spread than praise (TARP 1986)")
    wom_image: NonNeg = Field(0.5, description="image change per unit of neighbour sentiment")
    wom_psychic: NonNeg = Field(0.3, description="psychic-cost relief per unit of sentiment")
    psychic_trust: Unit = Field(0.6, description="psychic-cost relief at full trust")
    psychic_communication: Unit = Field(
        0.3, description="psychic-cost relief at full two-way communication")
    goodwill_decay: Unit = Field(
        0.2, description="share of the advertising goodwill stock lost per period"
        " (Nerlove & Arrow 1962; monthly decay of Clarke 1976)")
    points_decay: Unit = Field(0.05, description="share of a points balance expiring per period")
    structural_build: Unit = Field(
        0.15, description="growth of a structural bond per purchase at full program intensity")
    structural_decay: Unit = Field(
        0.03, description="decay per period of a structural bond once the program stops")
    structural_value: Money = Field(
        15.0, description="value (money per unit) a full structural bond adds (co-created)")
    structural_switching: Money = Field(
        30.0, description="switching cost (money) of a full structural bond")
    social_value: Money = Field(10.0, description="personnel value added by full social program")
    social_trust: NonNeg = Field(0.5, description="trust-gain multiplier added by full social")
    social_commitment: Unit = Field(0.15, description="commitment target added by full social")
    cross_sell_volume: NonNeg = Field(
        0.5, description="extra volume bought by loyal customers at full cross-selling")
    partnership_volume: NonNeg = Field(
        0.3, description="extra volume a business account buys at partnership (grows with"
        " the customer's success)")
    tenure_efficiency: Unit = Field(
        0.3, description="reduction of per-unit service cost for a customer with"
        " tenure_purchases or more purchases (Reichheld & Sasser 1990)")
    tenure_purchases: int = Field(
        12, ge=1, description="purchases after which the full tenure efficiency applies"
        " (linear before)")
    failure_reduction: Unit = Field(
        0.75, description="share of the failure probability removed at quality 1 and service"
        " 1: p = failure_base * (1 - failure_reduction * (quality + service) / 2)")
    margin_smoothing: float = Field(
        0.85, ge=0.0, lt=1.0, description="exponential smoothing of each customer's margin per"
        " period (the firm's customer-profitability record)")
    sales_smoothing: float = Field(
        0.9, ge=0.0, lt=1.0, description="exponential smoothing of each customer's sales per"
        " period (the basis of ABC classes)")
    retention_smoothing: float = Field(
        0.8, ge=0.0, lt=1.0, description="exponential smoothing of the firm's retention rate"
        " used in CLV")
    retention_initial: Unit = Field(
        0.95, description="a firm's retention rate per period before it has any customers")
    retention_cap: float = Field(
        0.995, gt=0.0, lt=1.0, description="highest retention rate used in CLV (keeps the"
        " infinite-horizon sum finite)")
    abc_a: float = Field(0.75, gt=0.0, lt=1.0, description="share of sales made by A customers")
    abc_b: float = Field(0.95, gt=0.0, lt=1.0, description="share of sales made by A and B"
                         " customers (C make the rest; Kotler's 75/20/5)")
    mvc_share: Unit = Field(0.2, description="share of profitable current customers classed"
                            " most valuable (MVC, the 80/20 rule)")
    mgc_share: Unit = Field(0.2, description="share of profitable current customers classed"
                            " most growable (MGC)")
    levels: dict[Level, LevelEffect] = Field(default_factory=_default_level_effects)
    offerings: dict[Offering, OfferingSpec] = Field(default_factory=_default_offerings)

    @field_validator("levels")
    @classmethod
    def _every_level(cls, v: dict[str, LevelEffect]) -> dict[str, LevelEffect]:
        missing = [lv for lv in LEVELS if lv not in v]
        if missing:
            raise ValueError(f"every relationship level needs its effects; missing {missing}")
        return {lv: v[lv] for lv in LEVELS}

    @model_validator(mode="after")
    def _abc_order(self) -> BehaviourSpec:
        if self.abc_a >= self.abc_b:
            raise ValueError(f"abc_a ({self.abc_a}) must be below abc_b ({self.abc_b})")
        return self

    @field_validator("offerings")
    @classmethod
    def _every_offering(cls, v: dict[str, OfferingSpec]) -> dict[str, OfferingSpec]:
        missing = [o for o in OFFERINGS if o not in v]
        if missing:
            raise ValueError(f"every offering level needs its effects; missing {missing}")
        return {o: v[o] for o in OFFERINGS}


class MarketSpec(Strict):
    """The market: its customers, their network, and the behavioural constants."""

    customers: int = Field(10_000, ge=1, le=100_000_000, description="number of customers")
    segments: dict[str, SegmentSpec] = Field(default_factory=default_segments)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    awareness: AwarenessSpec = Field(default_factory=AwarenessSpec)
    value: ValueScale = Field(default_factory=ValueScale)
    behaviour: BehaviourSpec = Field(default_factory=BehaviourSpec)

    @field_validator("segments")
    @classmethod
    def _segments(cls, v: dict[str, SegmentSpec]) -> dict[str, SegmentSpec]:
        if not v:
            raise ValueError("at least one segment is needed")
        total = sum(s.share for s in v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares must sum to 1 (they sum to {total:.6g})")
        return v


# --------------------------------------------------------------------------- firms
class Programs(Strict):
    """Berry & Parasuraman's three levels of retention programs."""

    financial: float = Field(
        0.0, ge=0.0, le=0.5, description="points worth this fraction of spend (financial level)")
    social: Unit = Field(0.0, description="intensity of personalised, social bonds (0..1)")
    structural: Unit = Field(
        0.0, description="intensity of structural bonds: equipment, software, training (0..1)")


class FirmCosts(Strict):
    """A firm's cost structure: every lever has a cost (money)."""

    unit_cost: Money = Field(30.0, description="cost of goods per unit at quality 0, commodity"
                           " level, initial position")
    quality_cost: NonNeg = Field(0.6, description="unit cost rises by this fraction at quality 1")
    customisation_cost: NonNeg = Field(
        0.1, description="unit cost rise per unit of distance the position moves away from the"
        " firm's initial position (customisation)")
    coverage: Money = Field(0.5, description="per period, per customer covered by distribution")
    convenience: Money = Field(6.0, description="per unit sold at convenience 1")
    service: Money = Field(8.0, description="per unit sold at service level 1")
    personnel: Money = Field(4.0, description="per unit sold at personnel quality 1")
    communication: Money = Field(3.0, description="per period, per active customer at full"
                                 " two-way communication")
    recovery: Money = Field(25.0, description="per service failure recovered")
    relationship: dict[Level, Money] = Field(
        default_factory=lambda: {"basic": 0.0, "reactive": 0.5, "accountable": 2.0,
                                 "proactive": 5.0, "partnership": 12.0},
        description="per period, per active customer at each relationship level (does not"
        " shrink with the customer's size: a key-account team)")
    social: Money = Field(3.0, description="per period, per active customer at full social")
    structural: Money = Field(4.0, description="per period, per active customer at full"
                              " structural program")
    points_redemption: Unit = Field(
        0.8, description="share of issued points eventually redeemed (cost booked at issue)")
    fixed: Money = Field(10_000.0, description="fixed cost per period")

    @field_validator("relationship")
    @classmethod
    def _every_level(cls, v: dict[str, float]) -> dict[str, float]:
        missing = [lv for lv in LEVELS if lv not in v]
        if missing:
            raise ValueError(f"a cost is needed for every relationship level; missing {missing}")
        return {lv: v[lv] for lv in LEVELS}


class ProgramSet(Strict):
    """Changes to retention programs: only the programs named are changed."""

    financial: float | None = Field(None, ge=0.0, le=0.5, description="points rate")
    social: Unit | None = Field(None, description="social program intensity")
    structural: Unit | None = Field(None, description="structural program intensity")


ClassMapLevel = Level | dict[str, Level]
ClassMapFraction = Annotated[float, Field(ge=0.0, le=0.9)] | dict[
    str, Annotated[float, Field(ge=0.0, le=0.9)]]


class LeverSet(Strict):
    """The marketing mix: the levers a firm (or its strategy) sets each period.

    Every field is optional here; :class:`FirmSpec` gives the defaults. ``relationship_level``
    and ``discount`` take one value or a mapping by customer class (segment names, ABC classes
    A/B/C, value classes MVC/MGC/BZ/other, or loyalty classes), with an optional ``default``.
    """

    quality: Unit | None = Field(None, description="product quality (0..1)")
    position: tuple[Unit, Unit] | None = Field(None, description="offer's position in needs space")
    novelty: Unit | None = Field(None, description="novelty of the offer (0..1)")
    offering: Offering | None = Field(None, description="offering level")
    price: Money | None = Field(None, description="list price, money per unit")
    discount: ClassMapFraction | None = Field(None, description="fraction off the list price")
    coverage: Unit | None = Field(None, description="share of customers who can reach the firm")
    convenience: Unit | None = Field(None, description="lowers customers' time and energy cost")
    promotion: Money | None = Field(None, description="promotion spending, money per period")
    service: Unit | None = Field(None, description="service level (0..1)")
    personnel: Unit | None = Field(None, description="personnel quality (0..1)")
    recovery: Unit | None = Field(None, description="share of service failures recovered")
    communication: Unit | None = Field(None, description="two-way communication intensity")
    relationship_level: ClassMapLevel | None = Field(
        None, description="Kotler's relationship level, per customer class")
    programs: ProgramSet | None = Field(None, description="Berry's retention programs (only"
                                        " those named change)")
    cross_sell: Unit | None = Field(None, description="up-selling and cross-selling to loyal"
                                    " customers (0..1)")


class FirmSpec(Strict):
    """A firm: its strategy, its initial marketing mix, and its costs."""

    strategy: str = Field("fixed", description="strategy name (4P, 4C, 4R, fixed) or, with"
                          " --allow-code, module:Class")
    params: dict[str, Any] = Field(default_factory=dict, description="strategy parameters")
    review_every: int | None = Field(
        None, ge=1, le=120, description="periods between reviews (plan-do-check-act);"
        " default: the strategy's own (4P and 4C: 3, 4R and fixed: 1)")
    observation_delay: int | None = Field(
        None, ge=0, le=24, description="periods before the firm sees market results;"
        " default: the strategy's own (4P and 4C: 1, 4R and fixed: 0)")
    quality: Unit = Field(0.7, description="product quality (0..1)")
    position: tuple[Unit, Unit] = Field((0.5, 0.5), description="offer's position in needs space")
    novelty: Unit = Field(0.3, description="novelty of the offer (0..1)")
    offering: Offering = Field("goods", description="offering level (experience economy)")
    price: Money = Field(100.0, description="list price, money per unit")
    discount: ClassMapFraction = Field(0.0, description="fraction off the list price, by class")
    coverage: Unit = Field(0.85, description="share of customers who can reach the firm")
    convenience: Unit = Field(0.5, description="lowers customers' time and energy cost (0..1)")
    promotion: Money = Field(8_000.0, description="promotion spending, money per period")
    goodwill: Money | None = Field(
        None, description="initial goodwill stock (money); default: the steady state of the"
        " initial promotion, promotion / goodwill_decay")
    service: Unit = Field(0.5, description="service level (0..1)")
    personnel: Unit = Field(0.5, description="personnel quality (0..1)")
    recovery: Unit = Field(0.2, description="share of service failures recovered")
    communication: Unit = Field(0.2, description="two-way communication intensity (0..1)")
    relationship_level: ClassMapLevel = Field("basic", description="Kotler's relationship level")
    programs: Programs = Field(default_factory=Programs)
    cross_sell: Unit = Field(0.0, description="cross-selling intensity toward loyal customers")
    costs: FirmCosts = Field(default_factory=FirmCosts)

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, v: str, info: ValidationInfo) -> str:
        from sim.strategies import get_strategy_class

        get_strategy_class(v, allow_code=bool((info.context or {}).get("allow_code", False)))
        return v

    @field_validator("params")
    @classmethod
    def _strategy_params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from sim.strategies import get_strategy_class, parameter_problems

        name = info.data.get("strategy")
        if name is None:  # the strategy itself is invalid: reported there
            return v
        strategy = get_strategy_class(name, allow_code=bool(
            (info.context or {}).get("allow_code", False)))
        problems = parameter_problems(strategy, v)
        if problems:
            raise ValueError(f"strategy '{name}': " + "; ".join(problems))
        return v

    def levers(self) -> LeverSet:
        """The firm's initial levers."""
        values = {k: getattr(self, k) for k in LeverSet.model_fields}
        values["programs"] = self.programs.model_dump()
        return LeverSet(**values)


class NewFirm(FirmSpec):
    """A firm entering the market through an event."""

    name: str = Field(..., min_length=1, max_length=40, description="the entrant's name")


class MarketChange(Strict):
    """A change in the market at some period (a recession, drifting needs)."""

    money_weight: float | None = Field(
        None, gt=0, le=10, description="multiply every customer's money weight (a recession)")
    needs_shift: tuple[float, float] | None = Field(
        None, description="move every customer's needs by (dx, dy), clipped to [0,1]")
    purchase_rate: float | None = Field(
        None, gt=0, le=10, description="multiply every customer's purchase rate (capped at 1)")


class EventSpec(Strict):
    """A scheduled event: at ``period``, do exactly one action."""

    period: int = Field(..., ge=1, description="period at which the event takes effect")
    firm: str | None = Field(None, description="the firm concerned (for set and strategy)")
    set: LeverSet | None = Field(None, description="set these levers of the firm")
    strategy: str | None = Field(None, description="switch the firm to this strategy")
    params: dict[str, Any] | None = Field(None, description="parameters of the new strategy")
    add_firm: NewFirm | None = Field(None, description="a new firm enters the market")
    market: MarketChange | None = Field(None, description="change the market")

    @model_validator(mode="after")
    def _one_action(self) -> EventSpec:
        actions = [k for k in ("set", "strategy", "add_firm", "market")
                   if getattr(self, k) is not None]
        if len(actions) != 1:
            raise ValueError("an event needs exactly one of set, strategy, add_firm, market"
                             f" (got {actions or 'none'})")
        if actions[0] in ("set", "strategy") and not self.firm:
            raise ValueError(f"a '{actions[0]}' event needs 'firm'")
        if self.params is not None and self.strategy is None:
            raise ValueError("'params' goes with 'strategy'")
        return self


# --------------------------------------------------------------------------- scenario
def class_map_dimension(keys: list[str], segments: list[str]) -> str:
    """Which customer classification a class map's keys use.

    Returns one of ``segment``, ``abc``, ``value``, ``loyalty``; raises ValueError if the keys
    mix classifications or name no known class.
    """
    dims = {
        "segment": set(segments), "abc": set(ABC_CLASSES), "value": set(VALUE_CLASSES),
        "loyalty": set(LOYALTY_CLASSES),
    }
    named = [k for k in keys if k != "default"]
    if not named:
        return "segment"
    for dim, allowed in dims.items():
        if all(k in allowed for k in named):
            return dim
    unknown = sorted(k for k in named if not any(k in a for a in dims.values()))
    if unknown:
        raise ValueError(
            f"unknown customer class {unknown}; use segment names {sorted(segments)}, ABC"
            f" classes A/B/C, value classes MVC/MGC/BZ/other, or loyalty classes"
            f" {list(LOYALTY_CLASSES)}, plus 'default'")
    raise ValueError("a class map must use one classification (segments, ABC, value or"
                     " loyalty classes), not a mix")


class Scenario(Strict):
    """A whole scenario: market, firms, events, horizon."""

    name: str = Field("scenario", min_length=1, max_length=80, description="scenario name")
    description: str = Field("", description="what the scenario is about")
    periods: int = Field(60, ge=1, le=10_000, description="number of periods to simulate")
    period_unit: str = Field("month", description="what one period is")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="random seed of the run")
    discount_rate: float = Field(
        0.01, ge=0.0, le=1.0, description="discount rate per period for discounted profit and CLV"
        " (about 12.7% a year for monthly periods)")
    market: MarketSpec = Field(default_factory=MarketSpec)
    firms: dict[str, FirmSpec] = Field(..., description="the competing firms, by name")
    events: list[EventSpec] = Field(default_factory=list, description="scheduled events")
    check: CheckSpec = Field(default_factory=CheckSpec,
                             description="how `stratsim check` runs the expectations")
    expectations: list[Expectation] = Field(
        default_factory=list, description="the lesson's claims, checked by `stratsim check`")
    stratsim_version: str | None = Field(None, description="version that resolved this file")

    @field_validator("firms")
    @classmethod
    def _firms(cls, v: dict[str, FirmSpec]) -> dict[str, FirmSpec]:
        if not v:
            raise ValueError("at least one firm is needed")
        return v

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Scenario:
        from sim.strategies import validate_strategy

        context: Mapping[str, Any] = info.context or {}
        allow_code = bool(context.get("allow_code", False))
        segments = list(self.market.segments)
        errors: list[str] = []
        names = list(self.firms)

        def check_firm(where: str, firm: FirmSpec | LeverSet) -> None:
            for field in ("relationship_level", "discount"):
                value = getattr(firm, field)
                if isinstance(value, dict):
                    try:
                        class_map_dimension(list(value), segments)
                    except ValueError as exc:
                        errors.append(f"{where}.{field}: {exc}")

        for name, firm in self.firms.items():
            check_firm(f"firms.{name}", firm)
        in_time = sorted(enumerate(self.events), key=lambda item: (item[1].period, item[0]))
        for k, ev in in_time:
            where = f"events.{k}"
            if ev.period > self.periods:
                errors.append(f"{where}.period: after the last period {self.periods}")
            if ev.add_firm is not None:
                if ev.add_firm.name in names:
                    errors.append(f"{where}.add_firm.name: firm '{ev.add_firm.name}' exists")
                names.append(ev.add_firm.name)
                check_firm(f"{where}.add_firm", ev.add_firm)
            elif ev.firm is not None and ev.firm not in names:
                errors.append(f"{where}.firm: no firm '{ev.firm}' exists at that point;"
                              f" firms are {names}")
            if ev.set is not None:
                check_firm(f"{where}.set", ev.set)
            if ev.strategy is not None:
                problem = validate_strategy(ev.strategy, ev.params or {}, allow_code=allow_code)
                if problem:
                    errors.append(f"{where}.strategy: {problem}")
        from sim.metrics import COLUMNS

        for k, e in enumerate(self.expectations):
            for side in e.sides():
                column, _, firm = side.partition("@")
                base = column.removesuffix("_share")
                if column not in COLUMNS and base not in COLUMNS:
                    errors.append(f"expectations.{k}: unknown column '{column}' in {side!r}"
                                  " (see docs/outputs.md; counts also as <count>_share)")
                if firm not in names:
                    errors.append(f"expectations.{k}: no firm '{firm}' in {side!r}; firms are"
                                  f" {names}")
            for field in ("at", "right_at"):
                p = getattr(e, field)
                if p is not None and p > self.periods:
                    errors.append(f"expectations.{k}.{field}: after the last period"
                                  f" {self.periods}")
            for field in ("over", "right_over"):
                span = getattr(e, field)
                if span is not None and span[1] > self.periods:
                    errors.append(f"expectations.{k}.{field}: after the last period"
                                  f" {self.periods}")
        if len(names) > 60:
            errors.append(f"firms: at most 60 firms in one market (got {len(names)})")
        if not errors:
            need = estimate_bytes(self.market.customers, len(names), self.market.network.kind,
                                  self.market.network.degree)
            have = available_memory()
            if have and need > 0.8 * have:
                errors.append(
                    f"market.customers: a market of {self.market.customers:,} customers and"
                    f" {len(names)} firms needs about {need / 2**30:.1f} GiB; this machine has"
                    f" {have / 2**30:.1f} GiB available")
        if errors:
            raise ValueError("\n".join(errors))
        return self

    def all_firm_names(self) -> list[str]:
        """Incumbents then entrants, in order."""
        return list(self.firms) + [e.add_firm.name for e in self.events if e.add_firm]


# --------------------------------------------------------------------------- memory
BYTES_PER_CUSTOMER_FIRM = 80
"""Bytes per customer and firm slot: state, persistent draws and per-period transients
(benchmarks/memory.py measured about 62 held plus transients; this keeps a margin)."""
BYTES_PER_CUSTOMER = 280
"""Per-customer parameter, work-buffer and transient bytes, excluding the network
(benchmarks/memory.py measured about 150 held plus per-period transients)."""


def estimate_bytes(customers: int, firms: int, network_kind: str, degree: int) -> int:
    """Upper estimate of a run's peak memory (bytes), computed before anything is allocated."""
    from sim.network import network_bytes_estimate

    state = customers * (BYTES_PER_CUSTOMER + BYTES_PER_CUSTOMER_FIRM * firms)
    return int(state + network_bytes_estimate(network_kind, customers, degree)) + 150 * 2**20


def available_memory() -> int | None:
    """Bytes of memory this process may use (MemAvailable, else physical), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def scenario_path_name(path: str | os.PathLike[str]) -> str:
    """A scenario's short name from its file name (``scenarios/default.yaml`` -> ``default``)."""
    return Path(path).stem.removesuffix(".resolved")
