"""The behavioural constants of the market in a scenario file: what the relationship levels and
offering levels do, and the constants of the customers' relationship mechanisms.

Like every default of the model, these live in the scenario schema as field defaults with
their unit and source (see :mod:`sim.scenario.market`); "chosen" means the value is a
modelling choice whose effect is pinned by the tests named in docs/model.md. A partial block of
levels or offerings changes only what it names (:func:`merged_over_defaults`).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from sim.levers import Level, Money, NonNeg, Offering, Strict, Unit

__all__ = ["BehaviourSpec", "LevelEffect", "OfferingSpec", "merged_over_defaults"]


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
        15.0, gt=0, description="money per logit utility unit (scale of the Gumbel noise)")
    outside_value: float = Field(
        0.0, description="delivered value (money) of not buying this period")
    fit_width: float = Field(0.55, gt=0, le=2.0, description="width of the fit kernel in needs"
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
        25.0, gt=0, description="money of delivered value or disconfirmation that moves"
        " satisfaction by one logistic unit")
    disconfirmation_weight: NonNeg = Field(
        1.5, description="weight of disconfirmation relative to the delivered-value level in"
        " the satisfaction response (Oliver 1980)")
    satisfaction_rate: Unit = Field(0.5, description="smoothing of satisfaction per purchase")
    comparison_weight: Unit = Field(
        0.5, description="weight of the comparison standard in satisfaction: the surplus of"
        " the best alternative the customer knows (other firms, or not buying) is subtracted"
        " from the surplus it got (Woodruff, Cadotte & Jenkins 1983; 0: judged against zero)")
    expectation_drift: Unit = Field(
        0.05, description="share of the gap between a customer's expectation of a firm it did"
        " not buy from this period and what it now hears of the firm (its first impression of"
        " today's offer: image, word of mouth, promotion) closed per period")
    trust_initial: Unit = Field(0.2, description="trust in a firm never bought from")
    trust_gain: Unit = Field(
        0.08, description="trust growth per purchase at full positive evidence (Morgan & Hunt)")
    trust_loss: Unit = Field(
        0.3, description="trust loss per purchase at full negative evidence: negativity bias,"
        " several times the gain (Baumeister et al. 2001)")
    commitment_rate: Unit = Field(0.12, description="affective commitment adjustment per purchase")
    commitment_base: Unit = Field(
        0.6, description="affective-commitment target per unit trust at the basic level")
    commitment_weight: NonNeg = Field(
        1.4, description="logit utility of full affective commitment toward the current firm")
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
    psychic_trust: Unit = Field(0.4, description="psychic-cost relief at full trust")
    psychic_communication: Unit = Field(
        0.3, description="psychic-cost relief at full two-way communication")
    reference_smoothing: float = Field(
        0.8, ge=0.0, lt=1.0, description="exponential smoothing of a firm's reference price:"
        " R_t = s R_(t-1) + (1 - s) p_(t-1) (Winer 1986; Kalyanaram & Winer 1995)")
    reference_weight: NonNeg = Field(
        1.0, le=5.0, description="perceived money cost per money of gap between the price paid"
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
        10.0, description="value (money per unit) a full structural bond adds (co-created)")
    structural_switching: Money = Field(
        10.0, description="switching cost (money) of a full structural bond")
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

    @field_validator("levels", mode="before")
    @classmethod
    def _levels_over_defaults(cls, v: object) -> object:
        """A partial ``levels`` block changes only what it names: missing levels, and missing
        effects of a level, keep their defaults (so ``--set
        market.behaviour.levels.partnership.cocreation=0`` changes one effect)."""
        return merged_over_defaults(v, _default_level_effects())

    @field_validator("offerings", mode="before")
    @classmethod
    def _offerings_over_defaults(cls, v: object) -> object:
        """A partial ``offerings`` block changes only what it names (as for ``levels``)."""
        return merged_over_defaults(v, _default_offerings())

    @model_validator(mode="after")
    def _abc_order(self) -> BehaviourSpec:
        if self.abc_a >= self.abc_b:
            raise ValueError(f"abc_a ({self.abc_a}) must be below abc_b ({self.abc_b})")
        return self



def merged_over_defaults(given: object, defaults: dict[str, Strict]) -> object:
    """Entries of a mapping of models (e.g. the relationship levels' effects) given in part,
    filled in from ``defaults``: missing entries and missing fields of an entry keep their
    default values. Anything that is not a mapping is returned as is, for the field's own
    validation to report."""
    if not isinstance(given, dict):
        return given
    out: dict[object, object] = {k: m.model_dump() for k, m in defaults.items()}
    for key, value in given.items():
        base = out.get(key)
        if isinstance(value, dict) and isinstance(base, dict):
            out[key] = {**base, **value}
        else:
            out[key] = value
    return out
