"""MarketModel: the market as a ``mesa.Model``; builds everything from a Scenario; the step order.

Each period (one ``step()``):

1. scheduled events of the period (lever changes, strategy switches, entrants, market shocks);
2. firms whose review is due (plan-do-check-act every ``review_every`` periods) ask their
   strategy for levers, seeing the market with their ``observation_delay``;
3. goodwill stocks decay and take this period's promotion;
4. the period's customer draws: one uniform per customer for occasion, choice, failure and
   experience from the ``customers`` stream of the period, and one per customer and firm for
   awareness from a stream named after the firm and the period (so adding a firm changes no
   other draw);
5. awareness (Bass-type hazard ``p * reach + q * share of neighbours who bought``) and word of
   mouth (praise and, weighted more, complaints from neighbours);
6. delivered value of every offer to every customer, then logit choice for customers with a
   purchase occasion;
7. purchases: experience with occasional service failures, disconfirmation, satisfaction,
   expectation, trust, commitment; points and structural bonds; Guadagni-Little loyalty;
8. relationships silent too long lapse; firms book every cost line; customer profitability,
   CLV, loyalty classes and the period's row of the time series.

All state lives in the model instance (DESIGN.md principle 3); customers are columnar arrays
(principle 1); randomness comes only from named streams of the run's seed (principle 2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.levers import ABC_CLASSES, LEVELS, LOYALTY_CLASSES, VALUE_CLASSES, class_map_dimension
from sim.market.choice import OUTSIDE, choose_kernel
from sim.market.firm import (
    ABC_CODES,
    COST_LINES,
    VALUE_CODES,
    Firm,
    abc_classes,
    clv,
    value_classes,
)
from sim.market.population import COMPONENTS, build_population, lapse_periods
from sim.market.relationship import (
    CLASS_NAMES,
    LOYAL,
    REPEAT,
    RelationshipState,
    loyalty_class,
    loyalty_class_kernel,
    update_after_purchase_kernel,
)
from sim.market.seeding import Streams
from sim.market.value import (
    CustomerTerms,
    RelationTerms,
    ValueBreakdown,
    delivered_value,
    money_cost_kernel,
    net_value_kernel,
)
from sim.network import build_network
from sim.scenario.events import EventSpec
from sim.scenario.spec import Scenario
from sim.strategies import MarketView

__all__ = ["CustomerView", "MarketModel"]

F32 = np.float32
W_MONEY = COMPONENTS.index("money")
W_SERVICE = COMPONENTS.index("service")
PARTNERSHIP = LEVELS.index("partnership")
NO_OCCASION = -2
"""Choice code of a customer with no purchase occasion this period."""
LEVEL_EFFECTS = ("service_uplift", "trust_gain", "commitment", "recovery", "cocreation",
                 "psychic_relief")


class CustomerState:
    """Columnar state of every customer toward every firm slot: arrays of shape (slots, n)."""

    def __init__(self, slots: int, n: int, trust_initial: float) -> None:
        shape = (slots, n)
        self.aware = np.zeros(shape, dtype=bool)
        self.ever = np.zeros(shape, dtype=bool)
        self.expectation = np.zeros(shape, dtype=F32)
        self.satisfaction = np.zeros(shape, dtype=F32)
        self.trust = np.full(shape, trust_initial, dtype=F32)
        self.commitment = np.zeros(shape, dtype=F32)
        self.loyalty = np.zeros(shape, dtype=F32)
        self.points = np.zeros(shape, dtype=F32)
        self.bond = np.zeros(shape, dtype=F32)
        self.margin = np.zeros(shape, dtype=F32)
        self.sales = np.zeros(shape, dtype=F32)
        self.purchases = np.zeros(shape, dtype=np.uint16)
        self.last_purchase = np.full(shape, -1, dtype=np.int16)
        self.value_class = np.full(shape, VALUE_CODES["other"], dtype=np.int8)
        self.abc = np.full(shape, ABC_CODES["C"], dtype=np.int8)
        self.loyalty_class = np.full(shape, CLASS_NAMES.index("unaware"), dtype=np.int8)
        self.current = np.full(n, -1, dtype=np.int16)
        # per-period work buffers
        self.net = np.zeros(shape, dtype=F32)
        self.money = np.zeros(shape, dtype=F32)
        self.product = np.zeros(shape, dtype=F32)
        self.sentiment = np.zeros(shape, dtype=F32)

    def nbytes(self) -> int:
        """Bytes held."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


class WorkBuffers:
    """Per-period work arrays, allocated once (a period allocates little: DESIGN.md notes)."""

    def __init__(self, slots: int, n: int) -> None:
        self.uniforms = tuple(np.empty(n, dtype=F32) for _ in range(4))
        self.scratch = (np.empty(n, dtype=F32), np.empty(n, dtype=F32))
        self.utility = np.empty((slots, n), dtype=F32)
        self.alpha = np.empty(n, dtype=F32)
        self.talk = np.empty((2 * slots, n), dtype=F32)
        """Word of mouth heard: share of neighbours who bought, then their signed voice."""

    def nbytes(self) -> int:
        """Bytes held."""
        arrays = [*self.uniforms, *self.scratch, self.utility, self.alpha, self.talk]
        return sum(a.nbytes for a in arrays)


_NONE_I = np.zeros(0, dtype=np.intp)
_NONE_F = np.zeros(0, dtype=F32)


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


class MarketModel(mesa.Model):
    """A market of customers and firms (a ``mesa.Model``).

    Args:
        scenario: a validated :class:`~sim.scenario.Scenario`.
        seed: the run's seed; defaults to the scenario's.
        allow_code: allow user strategy classes (``module:Class``).

    Example:
        >>> model = MarketModel(load_scenario("scenarios/default.yaml"), seed=1)
        >>> model.run()
        >>> model.timeseries().head()
    """

    def __init__(self, scenario: Scenario, seed: int | None = None, *,
                 allow_code: bool = False) -> None:
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.spec = scenario.model_copy(update={"seed": seed})
        self.seed = seed
        self.allow_code = allow_code
        self.streams = Streams(seed)
        market = self.spec.market
        b = market.behaviour
        self.names = scenario.all_firm_names()
        self.slot_of = {name: k for k, name in enumerate(self.names)}
        slots = len(self.names)
        self.population = build_population(market, self.names, self.streams, b.lapse_after)
        net = market.network
        self.network = build_network(net.kind, market.customers,
                                     self.streams.generator("network"), degree=net.degree,
                                     rewire=net.rewire, exponent=net.exponent)
        self.state = CustomerState(slots, market.customers, b.trust_initial)
        self.firms: dict[str, Firm] = {}
        self.records: list[dict[str, Any]] = []
        self.period = 0
        self.running = True
        self._sales_now: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._buffers = WorkBuffers(slots, market.customers)
        self._events: dict[int, list[EventSpec]] = {}
        for ev in self.spec.events:
            self._events.setdefault(ev.period, []).append(ev)
        for name, firm_spec in self.spec.firms.items():
            self._enter(name, firm_spec, period=0, initial=market.awareness.initial)

    # ------------------------------------------------------------------ structure
    def _enter(self, name: str, spec, period: int, initial: float) -> Firm:
        slot = self.slot_of[name]
        firm = Firm(self, name, slot, spec, entered=period, allow_code=self.allow_code)
        self.firms[name] = firm
        if initial > 0:
            u = self.streams.generator(f"firm/{name}/initial-awareness").random(
                self.population.n, dtype=F32)
            self.state.aware[slot] = u < initial
        return firm

    @property
    def active_firms(self) -> list[Firm]:
        """Firms in the market now, in slot order."""
        return sorted(self.firms.values(), key=lambda f: f.slot)

    def _apply_event(self, ev: EventSpec) -> None:
        pop = self.population
        if ev.add_firm is not None:
            spec = ev.add_firm
            self._enter(spec.name, spec, period=ev.period, initial=0.0)
        elif ev.set is not None:
            # unset and null mean "unchanged", also after a round trip through a resolved file
            self.firms[ev.firm].apply(ev.set.model_dump(exclude_none=True))
        elif ev.strategy is not None:
            self.firms[ev.firm].set_strategy(ev.strategy, ev.params)
        elif ev.market is not None:
            mc = ev.market
            if mc.money_weight is not None:
                pop.weights[W_MONEY] *= F32(mc.money_weight)
            if mc.needs_shift is not None:
                pop.needs[0] = np.clip(pop.needs[0] + F32(mc.needs_shift[0]), 0.0, 1.0)
                pop.needs[1] = np.clip(pop.needs[1] + F32(mc.needs_shift[1]), 0.0, 1.0)
            if mc.purchase_rate is not None:
                pop.purchase_rate = np.minimum(pop.purchase_rate * F32(mc.purchase_rate),
                                               F32(1.0))
                pop.lapse_periods = lapse_periods(pop.purchase_rate,
                                                  self.spec.market.behaviour.lapse_after)

    # ------------------------------------------------------------------ classes
    def _class_codes(self, dimension: str, slot: int) -> np.ndarray:
        if dimension == "segment":
            return self.population.segment
        if dimension == "abc":
            return self.state.abc[slot]
        if dimension == "value":
            return self.state.value_class[slot]
        return self.state.loyalty_class[slot]

    def _class_names(self, dimension: str) -> tuple[str, ...]:
        return {"segment": self.population.segment_names, "abc": ABC_CLASSES,
                "value": VALUE_CLASSES, "loyalty": (*LOYALTY_CLASSES, "unaware")}[dimension]

    def resolve_class_map(self, value: Any, slot: int, default: Any,
                          encode: Callable[[Any], float], dtype: Any = F32) -> Any:
        """A lever given per customer class: one value, or an array over customers.

        Classes a mapping does not name take its ``default`` entry, else ``default``.
        """
        if not isinstance(value, dict):
            return encode(value)
        dim = class_map_dimension(list(value), list(self.population.segment_names))
        fallback = value.get("default", default)
        table = np.array([encode(value.get(c, fallback)) for c in self._class_names(dim)],
                         dtype=dtype)
        return table.take(self._class_codes(dim, slot))

    def relationship_levels(self, firm: Firm) -> int | np.ndarray:
        """Each customer's relationship level code toward ``firm`` (or one code for all)."""
        return self.resolve_class_map(firm.levers.relationship_level, firm.slot, "basic",
                                      LEVELS.index, dtype=np.int8)

    def _level_effects(self, level: int | np.ndarray) -> dict[str, Any]:
        b = self.spec.market.behaviour
        effects = [b.levels[name] for name in LEVELS]
        if np.isscalar(level):
            return {k: F32(getattr(effects[int(level)], k)) for k in LEVEL_EFFECTS}
        return {k: np.array([getattr(e, k) for e in effects], dtype=F32).take(level)
                for k in LEVEL_EFFECTS}

    # ------------------------------------------------------------------ review
    def observe(self, firm: Firm) -> MarketView:
        """What ``firm`` may see now: its own and rivals' rows up to its observation delay."""
        horizon = self.period - 1 - firm.observation_delay
        mine: list[dict] = []
        rivals: dict[str, list[dict]] = {}
        for row in self.records:
            if row["period"] > horizon:
                break
            if row["firm"] == firm.name:
                mine.append(row)
            else:
                rivals.setdefault(row["firm"], []).append(row)
        st, pop, s = self.state, self.population, firm.slot
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
        counts = {k: int(value_counts[v]) for k, v in VALUE_CODES.items()}
        counts.update({k: int(abc_counts[v]) for k, v in ABC_CODES.items()})
        return MarketView(
            period=self.period, firm=firm.name, levers=firm.levers, unit_cost=firm.unit_cost(),
            history=tuple(MappingProxyType(r) for r in mine),
            competitors=MappingProxyType({n: tuple(MappingProxyType(r) for r in rows)
                                          for n, rows in rivals.items()}),
            needs_centroid=centroid,  # type: ignore[arg-type]
            customer_counts=MappingProxyType(counts), review_every=firm.review_every)

    def _classify(self, firm: Firm) -> None:
        st, pop, s = self.state, self.population, firm.slot
        members = st.current == s
        b = self.spec.market.behaviour
        st.abc[s] = abc_classes(st.sales[s], members, b.abc_a, b.abc_b)
        unit_margin = max(firm.levers.price - firm.unit_cost(), 0.0)
        potential = pop.volume * pop.purchase_rate
        potential *= F32(unit_margin)
        potential *= 1.0 - st.loyalty[s]
        st.value_class[s] = value_classes(st.margin[s], potential, members, b.mvc_share,
                                          b.mgc_share)

    def _review(self, firm: Firm) -> None:
        if self.period - firm.last_review < firm.review_every:
            return
        firm.last_review = self.period
        self._classify(firm)
        firm.apply(firm.strategy.decide(self.observe(firm)))

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance the market by one period (see the module docstring for the order)."""
        self.period = t = self.steps
        if t > self.spec.periods:
            self.running = False
            return
        for ev in self._events.get(t, []):
            self._apply_event(ev)
        firms = self.active_firms
        for firm in firms:
            self._review(firm)
        for firm in firms:
            firm.update_goodwill()
            firm.ledger = type(firm.ledger)()
        self._market_period(t, firms)
        if t >= self.spec.periods:
            self.running = False

    def _market_period(self, t: int, firms: list[Firm]) -> None:
        spec, pop, st, buf = self.spec, self.population, self.state, self._buffers
        b, scale, aw = spec.market.behaviour, spec.market.value, spec.market.awareness
        n, k = pop.n, len(firms)
        slots = [f.slot for f in firms]
        rng = self.streams.generator("customers", t)
        u_occ, u_choice, u_fail, u_exp = buf.uniforms
        for u in buf.uniforms:
            rng.random(n, dtype=F32, out=u)
        current_start = st.current.copy()
        t1, t2 = buf.scratch

        # -- awareness and word of mouth, from the state at the start of the period:
        #    the share of neighbours who have bought, and the signed sentiment they voice
        #    (praise from satisfied current customers, complaints weighted more).
        talk = buf.talk[:2 * k]
        for j, s in enumerate(slots):
            np.copyto(talk[j], st.ever[s])
            voice = talk[k + j]
            sat = st.satisfaction[s]
            np.multiply(pop.word_of_mouth, (current_start == s) & (sat >= b.recommend_satisfaction),
                        out=voice)
            np.multiply(pop.word_of_mouth, st.ever[s] & (sat < b.complain_satisfaction), out=t1)
            t1 *= F32(b.complaint_weight)
            voice -= t1
        heard = self.network.neighbour_mean(talk)
        for j, firm in enumerate(firms):
            s = firm.slot
            hazard = heard[j]
            hazard *= F32(aw.imitation)
            hazard += F32(aw.innovation * firm.promotion_reach)
            u_aware = self.streams.generator(f"firm/{firm.name}/awareness", t).random(
                n, dtype=F32, out=t1)
            st.aware[s] |= u_aware < hazard
            st.sentiment[s] = heard[k + j]

        # -- delivered value of every offer to every customer
        levels: dict[int, Any] = {}
        effects: dict[int, dict[str, Any]] = {}
        discounts: dict[int, Any] = {}
        w = pop.weights
        for firm in firms:
            s = firm.slot
            offer = firm.offer_terms()
            levels[s] = self.relationship_levels(firm)
            effects[s] = e = self._level_effects(levels[s])
            discounts[s] = self.resolve_class_map(firm.levers.discount, s, 0.0, float)
            is_current = current_start == s
            active = is_current.astype(F32) if (firm.in_relationship and is_current.any()) else None
            net_value_kernel(w, pop.base_value, pop.needs, pop.novelty_appetite,
                             pop.experience_appetite, offer, active, e["service_uplift"],
                             e["cocreation"], e["psychic_relief"], st.trust[s], st.sentiment[s],
                             st.bond[s], scale, b, out=st.net[s], product_out=st.product[s],
                             scratch=buf.scratch)
            money_cost_kernel(w[W_MONEY], offer, discounts[s], out=st.money[s])

        # -- choice: perceived CDV (experience for firms tried, first impression otherwise),
        #    availability, loyalty and the current firm's switching cost and commitment
        occasion = u_occ < pop.purchase_rate
        utility = buf.utility[:k]
        inv_scale = F32(1.0 / b.choice_scale)
        for j, firm in enumerate(firms):
            s = firm.slot
            u = utility[j]
            np.multiply(pop.perception_error[s], F32(b.perception_noise), out=u)
            u += st.net[s]
            np.copyto(u, st.expectation[s], where=st.ever[s])
            u -= st.money[s]
            avail = u >= 0
            avail &= st.aware[s]
            avail &= pop.reach_draw[s] < F32(firm.levers.coverage)
            u *= inv_scale
            np.multiply(pop.loyalty_weight, st.loyalty[s], out=t1)
            u += t1
            is_current = current_start == s
            if firm.has_switching_costs:
                np.multiply(st.points[s], inv_scale, out=t1)
                np.multiply(st.bond[s], F32(b.structural_switching) * inv_scale, out=t2)
                t1 += t2
            else:
                t1.fill(0.0)
            np.multiply(st.commitment[s], F32(b.commitment_weight), out=t2)
            t1 += t2
            np.add(u, t1, out=u, where=is_current)
            np.copyto(u, F32(-np.inf), where=~avail)
        chosen = choose_kernel(utility, b.outside_value / b.choice_scale, u_choice)
        chosen[~occasion] = NO_OCCASION

        # -- Guadagni-Little loyalty: decays at every purchase occasion
        alpha = buf.alpha
        alpha.fill(1.0)
        np.copyto(alpha, pop.loyalty_smoothing, where=occasion)
        for s in slots:
            st.loyalty[s] *= alpha

        # -- purchases
        sold_units: dict[int, float] = {}
        outside_units = float(np.sum(pop.volume, where=chosen == OUTSIDE, dtype=np.float64))
        for j, firm in enumerate(firms):
            s = firm.slot
            bi = np.flatnonzero(chosen == j)
            st.loyalty[s, bi] += 1.0 - pop.loyalty_smoothing[bi]
            sold_units[s] = self._purchases(firm, bi, t, levels[s], effects[s], discounts[s],
                                            current_start, u_fail, u_exp)

        # -- lapses: relationships silent for too long dissolve
        cur_idx = np.flatnonzero(st.current >= 0)
        cur_slot = st.current[cur_idx].astype(np.intp)
        silent = (t - st.last_purchase[cur_slot, cur_idx]) > pop.lapse_periods[cur_idx]
        st.current[cur_idx[silent]] = -1

        # -- per-customer costs, profitability, classes, and the period's rows
        self._close_period(t, firms, levels, sold_units, outside_units, current_start)

    def _purchases(self, firm: Firm, bi: np.ndarray, t: int, level: Any, e: dict[str, Any],
                   discount: Any, current_start: np.ndarray, u_fail: np.ndarray,
                   u_exp: np.ndarray) -> float:
        """Book one firm's sales to its buyers ``bi`` and update their relationships."""
        st, pop, s = self.state, self.population, firm.slot
        b, scale = self.spec.market.behaviour, self.spec.market.value
        lv, c = firm.levers, firm.costs
        firm.failures = 0
        if bi.size == 0:
            return 0.0
        scalar_level = np.isscalar(level)
        lvl = level if scalar_level else level[bi]

        def pick(x: Any) -> Any:
            return x if scalar_level else x[bi]

        units = pop.volume[bi]
        if lv.cross_sell > 0:
            loyal = st.loyalty_class[s, bi] == LOYAL
            units = units * (1.0 + F32(lv.cross_sell * b.cross_sell_volume) * loyal)
        if np.any(lvl == PARTNERSHIP):
            units = units * (1.0 + F32(b.partnership_volume)
                             * (pop.business[bi] & (lvl == PARTNERSHIP)))
        disc = discount if np.isscalar(discount) else discount[bi]
        revenue_i = units * (F32(lv.price) * (F32(1.0) - F32(disc)))
        # experience: product value varies with (1 - quality); service failures
        experienced = st.product[s, bi]
        experienced *= F32(b.experience_noise * (1.0 - lv.quality)) * (2.0 * u_exp[bi] - 1.0)
        experienced += st.net[s, bi]
        fail = u_fail[bi] < F32(firm.failure_probability())
        recovered = np.clip(F32(lv.recovery) + pick(e["recovery"]), 0.0, 1.0)
        experienced -= (fail * (1.0 - recovered) * F32(scale.failure)
                        * pop.weights[W_SERVICE][bi])
        firm.failures = int(np.count_nonzero(fail))
        ever = st.ever[s, bi]
        expected = st.net[s, bi]
        expected += F32(b.perception_noise) * pop.perception_error[s, bi]
        np.copyto(expected, st.expectation[s, bi], where=ever)
        social = lv.programs.social
        trust_mult = pick(e["trust_gain"]) * F32(1.0 + b.social_trust * social)
        commit_add = pick(e["commitment"]) + F32(b.social_commitment * social)
        E, S, T, A = update_after_purchase_kernel(
            experienced, st.money[s, bi], expected, ~ever, st.satisfaction[s, bi],
            st.trust[s, bi], st.commitment[s, bi], b, trust_mult, commit_add, lv.communication)
        st.expectation[s, bi], st.satisfaction[s, bi] = E, S
        st.trust[s, bi], st.commitment[s, bi] = T, A
        continuing = current_start[bi] == s
        st.purchases[s, bi] = np.where(continuing, np.minimum(st.purchases[s, bi], 65534) + 1, 1)
        st.ever[s, bi] = True
        st.aware[s, bi] = True
        st.last_purchase[s, bi] = t
        st.current[bi] = s
        # retention programs
        if lv.programs.financial > 0:
            st.points[s, bi] += F32(lv.programs.financial) * revenue_i
            firm.has_switching_costs = True
        if lv.programs.structural > 0:
            bond = st.bond[s, bi]
            st.bond[s, bi] = bond + F32(b.structural_build * lv.programs.structural) * (1 - bond)
            firm.has_switching_costs = True
        # the ledger: sales, goods, per-unit service and convenience, recovery, points
        tenure = np.minimum(st.purchases[s, bi].astype(F32) * F32(1.0 / b.tenure_purchases),
                            F32(1.0))
        efficiency = 1.0 - F32(b.tenure_efficiency) * tenure
        per_unit_service = F32(lv.service * c.service + lv.personnel * c.personnel)
        service_i = units * per_unit_service * efficiency
        goods_i = units * F32(firm.unit_cost())
        convenience_i = units * F32(lv.convenience * c.convenience)
        recovery_i = fail * recovered * F32(c.recovery)
        points_i = revenue_i * F32(lv.programs.financial * c.points_redemption)
        led = firm.ledger
        led.revenue += float(revenue_i.sum(dtype=np.float64))
        led.book("cost_goods", goods_i.sum(dtype=np.float64))
        led.book("cost_service", service_i.sum(dtype=np.float64)
                 + recovery_i.sum(dtype=np.float64))
        led.book("cost_distribution", convenience_i.sum(dtype=np.float64))
        led.book("cost_programs", points_i.sum(dtype=np.float64))
        margin_i = revenue_i - goods_i - service_i - convenience_i - recovery_i - points_i
        self._sales_now[s] = (bi, revenue_i, margin_i)
        return float(units.sum(dtype=np.float64))

    def _close_period(self, t: int, firms: list[Firm], levels: dict,
                      sold_units: dict[int, float], outside_units: float,
                      current_start: np.ndarray) -> None:
        spec, st, pop = self.spec, self.state, self.population
        b, n = spec.market.behaviour, pop.n
        total_units = sum(sold_units.values()) + outside_units
        total_revenue = sum(f.ledger.revenue for f in firms)
        end = st.current
        nslots = len(self.names)
        same = (current_start == end) & (end >= 0)
        retained = np.bincount(end[same].astype(np.intp), minlength=nslots)
        start_count = np.bincount(current_start[current_start >= 0].astype(np.intp),
                                  minlength=nslots)
        end_count = np.bincount(end[end >= 0].astype(np.intp), minlength=nslots)
        rows = []
        for firm in firms:
            s, lv, c, led = firm.slot, firm.levers, firm.costs, firm.ledger
            members = np.flatnonzero(end == s)
            n_active = members.size
            level = levels[s]
            # per-customer relationship, contact and program costs for current customers
            level_cost = np.array([c.relationship[name] for name in LEVELS], dtype=F32)
            per_customer = F32(lv.communication * c.communication + lv.programs.social * c.social
                               + lv.programs.structural * c.structural)
            if np.isscalar(level):
                rel_cost = F32(level_cost[int(level)])
                rel_total = float(rel_cost) * n_active
            else:
                rel_cost = level_cost.take(level.take(members))
                rel_total = float(rel_cost.sum(dtype=np.float64))
            led.book("cost_relationship", rel_total + lv.communication * c.communication
                     * n_active)
            led.book("cost_programs", (lv.programs.social * c.social
                                       + lv.programs.structural * c.structural) * n_active)
            led.book("cost_distribution", lv.coverage * n * c.coverage)
            led.book("cost_promotion", lv.promotion)
            led.book("cost_fixed", c.fixed)
            # customer profitability: smoothed margin and sales per customer
            bi, revenue_i, margin_i = self._sales_now.get(s, (_NONE_I, _NONE_F, _NONE_F))
            keep, add = F32(b.margin_smoothing), F32(1.0 - b.margin_smoothing)
            st.margin[s] *= keep
            st.margin[s, bi] += add * margin_i
            st.margin[s, members] -= add * (rel_cost + per_customer)
            keep, add = F32(b.sales_smoothing), F32(1.0 - b.sales_smoothing)
            st.sales[s] *= keep
            st.sales[s, bi] += add * revenue_i
            # programs that stopped: points are settled, structural bonds fade
            if firm.has_switching_costs:
                if lv.programs.financial == 0:
                    st.points[s] = 0.0
                else:
                    st.points[s] *= F32(1.0 - b.points_decay)
                if lv.programs.structural == 0:
                    st.bond[s] *= F32(1.0 - b.structural_decay)
            # loyalty classes
            codes = loyalty_class_kernel(st.aware[s], st.ever[s], end == s, st.purchases[s],
                                         st.loyalty[s], st.trust[s], st.commitment[s], b)
            st.loyalty_class[s] = codes
            counts = np.bincount(codes, minlength=len(CLASS_NAMES))
            m_codes = codes.take(members)
            value_counts = np.bincount(st.value_class[s].take(members),
                                       minlength=len(VALUE_CODES))
            m_commitment = st.commitment[s].take(members)
            if firm.has_switching_costs:
                switching = st.points[s].take(members)
                switching += F32(b.structural_switching) * st.bond[s].take(members)
                calc = 1.0 - np.exp(-switching / F32(b.calculative_scale))
            else:
                calc = np.zeros(n_active, dtype=F32)
            spurious = int(np.count_nonzero(
                (m_codes == REPEAT) & (st.loyalty[s].take(members) >= F32(b.loyal_loyalty))
                & (calc > m_commitment)))
            rate = retained[s] / start_count[s] if start_count[s] else math.nan
            if start_count[s]:
                keep = b.retention_smoothing
                firm.retention = keep * firm.retention + (1.0 - keep) * rate
            profit = led.profit
            firm.cumulative_profit += profit
            firm.discounted_profit += profit / (1.0 + spec.discount_rate) ** t
            equity = float(clv(st.margin[s].take(members).sum(dtype=np.float64),
                               firm.retention, spec.discount_rate, b.retention_cap))
            # money value of the offer to customers who know it (net value / money weight)
            valued = st.net[s] > 0
            valued &= st.aware[s]
            mask = valued.astype(F32)  # masked sums as dot products (BLAS, no gathers)
            wm_total = float(np.dot(pop.weights[W_MONEY], mask))
            perceived_value = (float(np.dot(st.net[s], mask)) / wm_total
                               if wm_total > 0 else math.nan)

            def mean(x: np.ndarray) -> float:
                return float(x.mean(dtype=np.float64)) if x.size else math.nan

            rows.append({
                "period": t, "firm": firm.name, "strategy": firm.strategy_name,
                "customers": int(bi.size), "units": sold_units.get(s, 0.0),
                "share_units": sold_units.get(s, 0.0) / total_units if total_units else 0.0,
                "share_value": led.revenue / total_revenue if total_revenue else 0.0,
                "share_outside": outside_units / total_units if total_units else 1.0,
                "acquired": int(end_count[s] - retained[s]), "retained": int(retained[s]),
                "churned": int(start_count[s] - retained[s]), "active": int(n_active),
                "retention_rate": rate,
                **{name: int(counts[CLASS_NAMES.index(name)]) for name in
                   ("unaware", "potential", "new", "repeat", "loyal", "lapsed")},
                "spurious": spurious,
                "mvc": int(value_counts[VALUE_CODES["MVC"]]),
                "mgc": int(value_counts[VALUE_CODES["MGC"]]),
                "bz": int(value_counts[VALUE_CODES["BZ"]]),
                "satisfaction": mean(st.satisfaction[s].take(members)),
                "trust": mean(st.trust[s].take(members)),
                "commitment": mean(m_commitment),
                "calculative": mean(calc),
                "price": lv.price, "unit_cost": firm.unit_cost(),
                "perceived_value": perceived_value, "goodwill": firm.goodwill,
                "image": firm.image, "failures": firm.failures,
                "revenue": led.revenue, **{line: led.lines[line] for line in COST_LINES},
                "profit": profit, "cumulative_profit": firm.cumulative_profit,
                "discounted_profit": firm.discounted_profit, "customer_equity": equity,
            })
        self.records.extend(rows)
        self._sales_now.clear()

    # ------------------------------------------------------------------ running
    def run(self, periods: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> MarketModel:
        """Run to the scenario's last period (or ``periods`` more); ``progress(done, total)``."""
        total = self.spec.periods if periods is None else min(self.spec.periods,
                                                              self.period + periods)
        while self.running and self.period < total:
            self.step()
            if progress is not None:
                progress(self.period, total)
        return self

    def timeseries(self) -> pd.DataFrame:
        """The tidy time series: one row per period and firm (columns: sim.columns.COLUMNS)."""
        from sim.columns import COLUMNS

        return pd.DataFrame(self.records, columns=list(COLUMNS))

    # ------------------------------------------------------------------ inspection
    def customer(self, i: int) -> CustomerView:
        """A read-only view of customer ``i``, with its delivered value from every firm."""
        pop, st, b = self.population, self.state, self.spec.market.behaviour
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
        for firm in self.active_firms:
            s = firm.slot
            level = self.relationship_levels(firm)
            level_code = int(level if np.isscalar(level) else level[i])
            effect = b.levels[LEVELS[level_code]]
            disc = self.resolve_class_map(firm.levers.discount, s, 0.0, float)
            active = cur == s
            relation = RelationTerms(
                active=active, discount=float(disc if np.isscalar(disc) else disc[i]),
                service_uplift=effect.service_uplift, cocreation=effect.cocreation,
                psychic_relief=effect.psychic_relief, trust=float(st.trust[s, i]),
                sentiment=float(st.sentiment[s, i]), bond=float(st.bond[s, i]))
            value = delivered_value(terms, firm.offer_terms(), relation, self.spec.market.value,
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
            current_firm=self.names[cur] if cur >= 0 else None,
            firms=MappingProxyType(firms))

    def nbytes(self) -> int:
        """Bytes held by the customer population, state and network."""
        return (self.population.nbytes() + self.state.nbytes() + self.network.nbytes()
                + self._buffers.nbytes())
