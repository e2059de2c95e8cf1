"""The market in a scenario file: customers and their segments, network, awareness, the money
scales of delivered value, and the behavioural constants of the relationship mechanisms.

**Every default of the model lives in the scenario schema** (this module, :mod:`sim.scenario.firms`,
:mod:`sim.scenario.events` and :mod:`sim.scenario.spec`), as a field default with its unit and
source in the field's description; the documentation's field reference is generated from it.
Sources are cited per field; "chosen" means the value is a modelling choice whose effect is
pinned by the tests named in docs/model.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.levers import LEVELS, OFFERINGS, Level, Money, Name, NonNeg, Offering, Strict, Unit

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
    comparison_weight: Unit = Field(
        0.0, description="weight of the comparison standard in satisfaction: the surplus of"
        " the best alternative the customer knows (other firms, or not buying) is subtracted"
        " from the surplus it got (Woodruff, Cadotte & Jenkins 1983; 0: judged against zero)")
    expectation_drift: Unit = Field(
        0.0, description="share of the gap between a customer's expectation of a firm it did"
        " not buy from this period and what it now hears of the firm (its first impression of"
        " today's offer: image, word of mouth, promotion) closed per period")
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
    reference_smoothing: float = Field(
        0.8, ge=0.0, lt=1.0, description="exponential smoothing of a firm's reference price:"
        " R_t = s R_(t-1) + (1 - s) p_(t-1) (Winer 1986; Kalyanaram & Winer 1995)")
    reference_weight: NonNeg = Field(
        0.0, le=5.0, description="perceived money cost per money of gap between the price paid"
        " and the reference price (0: customers judge prices by their level only)")
    loss_aversion: float = Field(
        2.25, ge=1.0, le=10.0, description="how much more a price above the reference weighs"
        " than a price below it (Tversky & Kahneman 1992: 2.25)")
    price_quality: NonNeg = Field(
        0.0, le=5.0, description="product value (money) an untried customer infers per money of"
        " list price above the reference: a cut reads as lower quality (Rao & Monroe 1989)")
    further_cut_expectation: Unit = Field(
        0.0, description="share of a firm's price cut its aware customers expect to follow next"
        " period: the value of waiting instead of buying now")
    goodwill_decay: Unit = Field(
        0.2, description="share of the advertising goodwill stock lost per period"
        " (Nerlove & Arrow 1962; monthly decay of Clarke 1976)")
    points_decay: Unit = Field(0.05, description="share of a points balance expiring per period")
    redemption_threshold: Money = Field(
        20.0, gt=0, description="points balance (money) at which a buyer redeems it at its"
        " next purchase (a reward worth claiming; chosen, about a fifth of a purchase)")
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

