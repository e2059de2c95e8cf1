"""Baseline: the stratsim customer rule as plain per-agent Mesa (one ``mesa.Agent`` per customer).

This is the implementation stratsim's columnar kernel is measured against (DESIGN.md,
performance notes). Every customer is a ``mesa.Agent`` with its own parameters (drawn with
:func:`sim.market.population.build_population`, the same distributions as stratsim's population) and
its own state toward each firm, and a Python ``step()`` that, each period:

1. learns of firms it is unaware of with the Bass innovation hazard ``p * promotion reach``
   (one uniform per unaware firm; word of mouth over the network is left out);
2. with probability ``purchase_rate`` has a purchase occasion (one uniform); at an occasion it
3. computes the delivered value of every firm component by component with
   :func:`sim.market.value.delivered_value` (``CustomerTerms``/``OfferTerms``/``RelationTerms``: the
   one-customer rule that stratsim vectorises in ``net_value_kernel``);
4. forms the logit utility of each available firm (aware, reachable, non-negative perceived
   value): perceived value (expectation if it has bought before, else first impression with
   its perception error) over the choice scale, plus Guadagni-Little loyalty times its loyalty
   weight, plus switching cost and affective commitment for its current firm;
5. chooses by :func:`sim.market.choice.choose`: the highest utility plus a Gumbel taste
   shock per firm and for the outside option (one exponential draw per firm, one uniform);
6. updates its Guadagni-Little loyalty to every firm, and after a purchase its relationship
   with :func:`sim.market.relationship.update_after_purchase` (experience with noise and service
   failures, satisfaction, expectation, trust, commitment);
7. lets a relationship lapse after ``lapse_periods`` of silence.

Firms are fixed offers (their initial levers from the scenario). Customer parameters are drawn
once at setup by stratsim's population builder; every per-period draw comes from the model's
``rng``. It does *not* reproduce stratsim's numbers (different random
streams, fixed firms, no word of mouth, no ledger): it does the same per-customer work of
choice and loyalty, which is what the throughput comparison needs. It does strictly less work
per customer-period than ``sim.MarketModel``, so the measured ratio is conservative.

Run alone: ``python benchmarks/baseline_agents.py --customers 10000 --periods 3``.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, replace

import mesa

from sim.market.choice import OUTSIDE, choose, gumbel, outside_shock
from sim.market.population import COMPONENTS, build_population
from sim.market.relationship import RelationshipState, update_after_purchase
from sim.market.seeding import Streams
from sim.market.value import CustomerTerms, OfferTerms, RelationTerms, delivered_value
from sim.scenario.firms import FirmSpec
from sim.scenario.market import LevelEffect
from sim.scenario.spec import Scenario

__all__ = ["BaselineFirm", "BaselineMarket", "Customer"]


@dataclass(frozen=True)
class BaselineFirm:
    """A firm as a fixed offer: what customers see of it and what a purchase does."""

    name: str
    offer: OfferTerms
    level: LevelEffect
    discount: float
    coverage: float
    failure_probability: float
    recovery: float
    structural: float
    awareness_hazard: float
    """Per-period probability that an unaware customer learns of the firm (Bass p * reach)."""


def baseline_firm(name: str, spec: FirmSpec, scenario: Scenario) -> BaselineFirm:
    """A fixed offer from a scenario firm's initial levers, read as
    :class:`sim.market.firm.Firm` reads them."""
    market = scenario.market
    b = market.behaviour
    goodwill = spec.goodwill if spec.goodwill is not None else (
        spec.promotion / b.goodwill_decay if b.goodwill_decay > 0 else spec.promotion)
    reach_scale = market.awareness.goodwill_reach * market.customers
    level_name = spec.relationship_level
    if isinstance(level_name, dict):
        level_name = level_name.get("default", "basic")
    discount = spec.discount
    if isinstance(discount, dict):
        discount = discount.get("default", 0.0)
    offer = OfferTerms(
        quality=spec.quality, position=tuple(spec.position), novelty=spec.novelty,
        offering_uplift=b.offerings[spec.offering].value_uplift, price=spec.price,
        points_rate=spec.programs.financial, convenience=spec.convenience,
        service=spec.service, personnel=spec.personnel, communication=spec.communication,
        social=spec.programs.social, image=goodwill / (goodwill + reach_scale))
    return BaselineFirm(
        name=name, offer=offer, level=b.levels[level_name], discount=float(discount),
        coverage=spec.coverage,
        failure_probability=b.failure_base * (1.0 - 0.375 * (spec.quality + spec.service)),
        recovery=min(1.0, max(0.0, spec.recovery + b.levels[level_name].recovery)),
        structural=spec.programs.structural,
        awareness_hazard=market.awareness.innovation * (1.0 - math.exp(-goodwill / reach_scale)))


class Customer(mesa.Agent):
    """One customer: own parameters, own state toward each firm, a Python ``step()``."""

    def __init__(self, model: BaselineMarket, terms: CustomerTerms, purchase_rate: float,
                 loyalty_smoothing: float, loyalty_weight: float, lapse_periods: int,
                 aware: list[bool], reach: list[float], perception_error: list[float]) -> None:
        super().__init__(model)
        k = len(aware)
        self.terms = terms
        self.purchase_rate = purchase_rate
        self.loyalty_smoothing = loyalty_smoothing
        self.loyalty_weight = loyalty_weight
        self.lapse_periods = lapse_periods
        self.aware = aware
        self.reach = reach
        self.perception_error = perception_error
        trust0 = model.behaviour.trust_initial
        self.relationships = [RelationshipState(aware=a, trust=trust0) for a in aware]
        self.loyalty = [0.0] * k
        self.points = [0.0] * k
        self.bond = [0.0] * k
        self.current = OUTSIDE
        self.last_purchase = -1

    def step(self) -> None:
        """One period of this customer: awareness, occasion, value, choice, loyalty, purchase."""
        model = self.model
        rng = model.rng
        firms = model.firms
        b = model.behaviour
        scale = model.value_scale
        t = model.steps
        # 1. awareness from promotion (Bass innovation term)
        aware = self.aware
        for f, firm in enumerate(firms):
            if not aware[f] and rng.random() < firm.awareness_hazard:
                aware[f] = True
        # 7. lapse after silence (checked on the state at the start of the period)
        cur = self.current
        if cur != OUTSIDE and t - self.last_purchase > self.lapse_periods:
            self.relationships[cur] = replace(self.relationships[cur], active=False)
            self.current = cur = OUTSIDE
        # 2. purchase occasion
        if rng.random() >= self.purchase_rate:
            return
        u_choice = rng.random()
        u_fail = rng.random()
        u_exp = rng.random()
        # 3-4. delivered value of every firm and the logit utility
        inv_scale = 1.0 / b.choice_scale
        states = self.relationships
        utilities: list[float] = []
        values = []
        expected_nets: list[float] = []
        for f, firm in enumerate(firms):
            state = states[f]
            active = cur == f
            level = firm.level
            relation = RelationTerms(
                active=active, discount=firm.discount, service_uplift=level.service_uplift,
                cocreation=level.cocreation, psychic_relief=level.psychic_relief,
                trust=state.trust, sentiment=0.0, bond=self.bond[f])
            value = delivered_value(self.terms, firm.offer, relation, scale, b)
            net = value.delivered_value + value.money  # value before the money cost
            expected = (state.expectation if state.ever_bought
                        else net + b.perception_noise * self.perception_error[f])
            perceived = expected - value.money
            values.append(value)
            expected_nets.append(expected)
            if not (aware[f] and self.reach[f] < firm.coverage and perceived >= 0.0):
                utilities.append(-math.inf)
                continue
            u = perceived * inv_scale + self.loyalty_weight * self.loyalty[f]
            if active:
                switching = self.points[f] + b.structural_switching * self.bond[f]
                u += switching * inv_scale + b.commitment_weight * state.commitment
            utilities.append(u)
        # 5. logit choice: highest utility plus a Gumbel taste shock
        shocks = [gumbel(rng.exponential()) for _ in firms]
        chosen = choose(utilities, shocks, b.outside_value * inv_scale, outside_shock(u_choice))
        # 6. Guadagni-Little loyalty at every occasion
        alpha = self.loyalty_smoothing
        loyalty = self.loyalty
        for f in range(len(firms)):
            loyalty[f] = alpha * loyalty[f] + (1.0 - alpha) * (f == chosen)
        if chosen == OUTSIDE:
            return
        # 6. the purchase: experience, failures, relationship update
        firm = firms[chosen]
        value = values[chosen]
        offer = firm.offer
        net = value.delivered_value + value.money
        noise = b.experience_noise * (1.0 - offer.quality) * (2.0 * u_exp - 1.0)
        experienced = net + value.product * noise
        if u_fail < firm.failure_probability:
            experienced -= ((1.0 - firm.recovery) * scale.failure
                            * self.terms.weights["service"])
        if cur != OUTSIDE and cur != chosen:
            states[cur] = replace(states[cur], active=False)
        states[chosen] = update_after_purchase(
            states[chosen], experienced, value.money, expected_nets[chosen], b, firm.level,
            offer.social, offer.communication)
        if offer.points_rate > 0:
            self.points[chosen] += offer.points_rate * offer.price * (1.0 - firm.discount)
        if firm.structural > 0:
            bond = self.bond[chosen]
            self.bond[chosen] = bond + b.structural_build * firm.structural * (1.0 - bond)
        aware[chosen] = True
        self.current = chosen
        self.last_purchase = t


class BaselineMarket(mesa.Model):
    """The market as plain per-agent Mesa: ``customers`` Customer agents and fixed firms.

    Args:
        scenario: a validated scenario; its market and its firms' initial levers are used.
        seed: seed of the model's ``rng`` (the only source of randomness).
    """

    def __init__(self, scenario: Scenario, seed: int = 1) -> None:
        super().__init__(rng=seed)
        market = scenario.market
        self.behaviour = market.behaviour
        self.value_scale = market.value
        self.firms = [baseline_firm(name, spec, scenario) for name, spec in
                      scenario.firms.items()]
        k = len(self.firms)
        # Customer parameters from stratsim's own population builder (same distributions);
        # setup only: every per-period draw below comes from the model's rng.
        pop = build_population(market, [f.name for f in self.firms], Streams(seed),
                               self.behaviour.lapse_after)
        aware = (self.rng.random((k, pop.n)) < market.awareness.initial).T.tolist()
        weights = pop.weights.T.tolist()
        needs = pop.needs.T.tolist()
        reach = pop.reach_draw.T.tolist()
        error = pop.perception_error.T.tolist()
        columns = zip(pop.base_value.tolist(), pop.novelty_appetite.tolist(),
                      pop.experience_appetite.tolist(), pop.purchase_rate.tolist(),
                      pop.loyalty_smoothing.tolist(), pop.loyalty_weight.tolist(),
                      pop.lapse_periods.tolist(), strict=True)
        for i, (base, novelty, experience, rate, alpha, lw, lapse) in enumerate(columns):
            terms = CustomerTerms(weights=dict(zip(COMPONENTS, weights[i], strict=True)),
                                  base_value=base, needs=tuple(needs[i]),
                                  novelty_appetite=novelty, experience_appetite=experience)
            Customer(self, terms, rate, alpha, lw, lapse, aware[i], reach[i], error[i])

    def step(self) -> None:
        """One period: every customer steps once, in random order (Mesa 3 idiom)."""
        self.agents.shuffle_do("step")

    def shares(self) -> dict[str, float]:
        """Share of customers whose current firm is each firm (and 'none')."""
        counts = dict.fromkeys([f.name for f in self.firms] + ["none"], 0)
        for agent in self.agents:
            key = "none" if agent.current == OUTSIDE else self.firms[agent.current].name
            counts[key] += 1
        total = max(1, len(self.agents))
        return {k: v / total for k, v in counts.items()}


def main() -> None:
    """Build and run the baseline alone; print its customer-periods per second."""
    from common import benchmark_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    t0 = time.perf_counter()
    model = BaselineMarket(benchmark_scenario(args.customers, args.periods), seed=args.seed)
    t1 = time.perf_counter()
    for _ in range(args.periods):
        model.step()
    t2 = time.perf_counter()
    rate = args.customers * args.periods / (t2 - t1)
    print(f"baseline: {args.customers:,} customers, build {t1 - t0:.2f} s,"
          f" {args.periods} periods in {t2 - t1:.2f} s = {rate:,.0f} customer-periods/s")
    print("current-firm shares:", {k: round(v, 3) for k, v in model.shares().items()})


if __name__ == "__main__":
    main()
