"""Firms: the marketing mix, its cost of goods, the strategy, and advertising goodwill.

A :class:`Firm` is an ordinary ``mesa.Agent`` (firms are few). It holds its levers (a full
:class:`~sim.levers.LeverSet`), its strategy, its advertising goodwill stock, and books every
cost line each period in its :class:`~sim.market.ledger.Ledger`. Customer-level records
(profitability, classes) are rows of the model's columnar state (:mod:`sim.market.classes`).

- **Reference price** (Winer 1986): customers' memory of the firm's past list prices,
  updated by :meth:`Firm.close_prices` at the end of every period.
- **Goodwill** (Nerlove & Arrow 1962): ``G_t = (1 - decay) G_{t-1} + promotion_t``; brand image
  ``G / (G + reach * N)`` and promotion reach ``1 - exp(-G / (reach * N))``, where ``N`` is
  the number of real customers (``market.size``): promotion money buys reach in the real
  market, whatever the number of agents simulated.
"""

from __future__ import annotations

import math

import mesa
from pydantic import ValidationError

from sim.levers import LeverSet, lever_keys, without_levers
from sim.market.ledger import Ledger
from sim.market.reference_price import next_reference
from sim.market.value import OfferTerms
from sim.scenario.firms import FirmSpec
from sim.strategies import (
    MarketView,
    Strategy,
    decided_levers,
    get_strategy_class,
    make_strategy,
    undeclared_levers,
)

__all__ = ["Firm", "StrategyError", "StrategyFailed"]


class StrategyError(ValueError):
    """A strategy set levers that are not valid (a bug in that strategy, not in the model)."""


class StrategyFailed(StrategyError):
    """A user's strategy raised an exception while deciding (its ``__cause__``)."""


class Firm(mesa.Agent):
    """A firm in the market (a ``mesa.Agent``).

    Args:
        model: the :class:`~sim.market.model.MarketModel`.
        name: the firm's name.
        slot: its row in the model's customer-by-firm state arrays.
        spec: its validated scenario entry.
        entered: the period it entered (0 for incumbents).
    """

    def __init__(self, model: mesa.Model, name: str, slot: int, spec: FirmSpec,
                 entered: int = 0, *, allow_code: bool = False) -> None:
        super().__init__(model)
        self.name = name
        self.slot = slot
        self.spec = spec
        self.entered = entered
        self.allow_code = allow_code
        self.levers: LeverSet = spec.levers()
        self.initial_position = self.levers.position
        self.pinned: set[str] = set(spec.pinned_levers())
        """Levers the user set that the strategy may not change (see :meth:`decide`)."""
        self.costs = spec.costs
        self.strategy: Strategy = make_strategy(spec.strategy, spec.params, allow_code=allow_code)
        self.strategy_name = spec.strategy
        cls = get_strategy_class(spec.strategy, allow_code=allow_code)
        self.review_every: int = (spec.review_every if spec.review_every is not None
                                  else getattr(cls, "review_every", 1))
        self.observation_delay: int = (spec.observation_delay
                                       if spec.observation_delay is not None
                                       else getattr(cls, "observation_delay", 0))
        decay = model.spec.market.behaviour.goodwill_decay
        promotion = self.levers.promotion
        self.goodwill = spec.goodwill if spec.goodwill is not None else (
            promotion / decay if decay > 0 else promotion)
        self.ledger = Ledger()
        self.cumulative_profit = 0.0
        self.discounted_profit = 0.0
        self.retention = model.spec.market.behaviour.retention_initial
        self.last_review = -(10**9)
        self.failures = 0
        self.has_switching_costs = False
        """True once points or structural bonds have been given (they then need upkeep)."""
        self.points_liability = 0.0
        """Outstanding points (real money) the firm owes its customers: a liability."""
        self.loss_streak = 0
        """Periods in a row with a loss beyond the exit rule's limit."""
        self.exited: int | None = None
        """The period at whose end the firm left the market (None: still in it)."""
        self.reference_price = self.levers.price
        """Customers' reference price for this firm (:mod:`sim.market.reference_price`)."""
        self.previous_price = self.levers.price
        """The list price of the last period (a cut is judged against it)."""

    # ------------------------------------------------------------------ levers
    def set_strategy(self, name: str, params: dict | None = None) -> None:
        """Switch strategy (a scheduled event); the new one reviews at once."""
        self.strategy = make_strategy(name, params or {}, allow_code=self.allow_code)
        self.strategy_name = name
        cls = type(self.strategy)
        if self.spec.review_every is None:
            self.review_every = getattr(cls, "review_every", self.review_every)
        if self.spec.observation_delay is None:
            self.observation_delay = getattr(cls, "observation_delay", self.observation_delay)
        self.last_review = -(10**9)

    def decide(self, view: MarketView) -> None:
        """Ask the strategy for the period's levers and apply them, except the pinned ones.

        Raises:
            StrategyError: the strategy set a lever it does not declare in ``decides``, or an
                invalid value (a bug in that strategy).
            StrategyFailed: a user's strategy raised an exception (the message names the firm,
                the strategy and the period).
        """
        try:
            changes = self.strategy.decide(view)
        except Exception as exc:
            if type(self.strategy).__module__.startswith("sim."):
                raise  # a built-in strategy that fails is a bug in stratsim: a traceback
            raise StrategyFailed(
                f"period {self.model.period}: firm {self.name}'s strategy"
                f" {self.strategy_name} failed: {type(exc).__name__}: {exc}") from exc
        undeclared = undeclared_levers(type(self.strategy), changes)
        if undeclared:
            raise StrategyError(f"period {self.model.period}: firm {self.name}"
                                f" ({self.strategy_name}) set levers its strategy does not"
                                f" declare in 'decides': {undeclared}")
        self._merge(without_levers(changes, self.pinned))

    def apply(self, changes: dict) -> None:
        """A user's change of levers (a scheduled event's ``set``): applied, and the changed
        levers that the strategy decides are pinned from now on.

        Raises:
            StrategyError: a lever value is out of range or unknown.
        """
        self._merge(changes)
        self.pinned |= lever_keys(changes) & decided_levers(type(self.strategy))

    def release(self, levers: list[str]) -> None:
        """Hand pinned levers back to the strategy (a scheduled event's ``release``)."""
        self.pinned -= set(levers)

    def _merge(self, changes: dict) -> None:
        """Change levers; the result is validated like a scenario's firm entry."""
        if not changes:
            return
        merged = self.levers.model_dump()
        for key, value in changes.items():
            if value is None:  # None means unchanged
                continue
            if key == "programs" and isinstance(value, dict):
                merged["programs"] = {**merged["programs"],
                                      **{k: v for k, v in value.items() if v is not None}}
            else:
                merged[key] = value
        try:
            self.levers = LeverSet.model_validate(merged)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']} (got {e.get('input')!r})"
                for e in exc.errors())
            raise StrategyError(f"period {self.model.period}: firm {self.name}"
                                f" ({self.strategy_name}) set invalid levers: {problems}"
                                ) from None

    @property
    def in_relationship(self) -> bool:
        """Whether relationship terms (level effects, social program, bonds) can add value."""
        lv = self.levers
        if lv.programs.social > 0 or self.has_switching_costs:
            return True
        levels = lv.relationship_level
        names = {levels} if isinstance(levels, str) else {*levels.values(), "basic"}
        effects = self.model.spec.market.behaviour.levels
        return any(effects[n].service_uplift or effects[n].cocreation
                   or effects[n].psychic_relief for n in names)

    def unit_cost(self) -> float:
        """Cost of goods per unit: base x quality x offering level x customisation."""
        lv, c, b = self.levers, self.costs, self.model.spec.market.behaviour
        dx = lv.position[0] - self.initial_position[0]
        dy = lv.position[1] - self.initial_position[1]
        return (c.unit_cost * (1.0 + c.quality_cost * lv.quality)
                * (1.0 + b.offerings[lv.offering].cost_uplift)
                * (1.0 + c.customisation_cost * math.hypot(dx, dy)))

    # ------------------------------------------------------------------ promotion
    def goodwill_reach_scale(self) -> float:
        """Goodwill (money) at which promotion reaches 1 - 1/e of the market."""
        m = self.model.spec.market
        return m.awareness.goodwill_reach * m.real_customers

    def update_goodwill(self) -> None:
        """Nerlove-Arrow goodwill: decay the stock and add this period's promotion."""
        decay = self.model.spec.market.behaviour.goodwill_decay
        self.goodwill = (1.0 - decay) * self.goodwill + self.levers.promotion

    def open_period(self) -> None:
        """The promotion phase: goodwill takes this period's promotion; the books open empty."""
        self.update_goodwill()
        self.ledger = Ledger()

    @property
    def image(self) -> float:
        """Brand image from goodwill, 0..1: ``G / (G + reach scale)``."""
        g = self.goodwill
        return g / (g + self.goodwill_reach_scale())

    @property
    def promotion_reach(self) -> float:
        """Share of the market promotion reaches this period: ``1 - exp(-G / scale)``."""
        return 1.0 - math.exp(-self.goodwill / self.goodwill_reach_scale())

    def offer_terms(self) -> OfferTerms:
        """The offer this period as the delivered-value rule sees it."""
        lv, b = self.levers, self.model.spec.market.behaviour
        return OfferTerms(
            quality=lv.quality, position=lv.position, novelty=lv.novelty,
            offering_uplift=b.offerings[lv.offering].value_uplift, price=lv.price,
            points_rate=lv.programs.financial, convenience=lv.convenience,
            service=lv.service, personnel=lv.personnel, communication=lv.communication,
            social=lv.programs.social, image=self.image, reference_price=self.reference_price)

    def check_exit(self, period: int) -> bool:
        """At the end of a period, under the firm's exit rule: count a loss beyond the limit;
        after ``periods`` of them in a row the firm leaves (returns True)."""
        rule = self.spec.exit
        if rule is None or self.exited is not None:
            return False
        self.loss_streak = self.loss_streak + 1 if self.ledger.profit < -rule.loss else 0
        if self.loss_streak >= rule.periods:
            self.exited = period
            return True
        return False

    def close_prices(self) -> None:
        """At the end of a period: the reference price takes this period's list price
        (exponential smoothing, Winer 1986), which becomes the previous price."""
        b = self.model.spec.market.behaviour
        self.reference_price = next_reference(self.reference_price, self.levers.price, b)
        self.previous_price = self.levers.price

    def failure_probability(self) -> float:
        """Service-failure probability per purchase: falls with quality and service."""
        b = self.model.spec.market.behaviour
        lv = self.levers
        return b.failure_base * (1.0 - b.failure_reduction * 0.5 * (lv.quality + lv.service))

    def __repr__(self) -> str:
        return f"Firm({self.name!r}, strategy={self.strategy_name!r})"
