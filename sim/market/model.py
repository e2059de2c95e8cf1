"""MarketModel: the market as a ``mesa.Model``; builds everything from a Scenario; the step order.

Each period (one :meth:`MarketModel.step`) runs these phases, in this order, each a function in
the module of its domain noun (docs/architecture.md lists them with their rules):

1. events of the period (:func:`sim.market.events.apply_event`): lever changes, strategy
   switches, entrants, market shocks;
2. reviews (:func:`sim.market.review.review`): firms whose plan-do-check-act cycle is due
   classify their customers and ask their strategy for levers, seeing the market with their
   ``observation_delay``;
3. promotion (:meth:`sim.market.firm.Firm.open_period`): goodwill stocks decay and take this
   period's promotion; the books open;
4. the period's customer draws (:func:`sim.market.period.start_period`);
5. awareness and word of mouth (:func:`sim.market.word_of_mouth.spread_word_of_mouth`);
6. valuation (:func:`sim.market.value.value_offers`): delivered value of every offer to every
   customer;
7. choice (:func:`sim.market.choice.choose_offers`) for customers with a purchase occasion;
8. loyalty (:func:`sim.market.relationship.smooth_loyalty`), then purchases and relationship
   updates (:func:`sim.market.purchase.purchases`); expectations of firms not bought from
   drift toward what customers hear (:func:`sim.market.relationship.drift_expectations`);
9. lapses (:func:`sim.market.relationship.dissolve_silent`);
10. accounting (:func:`sim.market.accounting.close_books`) and loyalty classes
    (:func:`sim.market.relationship.classify_loyalty`);
11. the period's rows of the time series (:func:`sim.market.metrics.period_rows`);
12. reference prices take the period's prices (:meth:`sim.market.firm.Firm.close_prices`), and
    a firm whose exit rule is met leaves the market (:meth:`sim.market.firm.Firm.check_exit`):
    its customers lapse, and from the next period it has no rows and is offered to nobody.

All state lives in the model instance (DESIGN.md principle 3); customers are columnar arrays
(principle 1, :mod:`sim.market.state`); randomness comes only from named streams of the run's
seed (principle 2, :mod:`sim.market.seeding`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.columns import COLUMNS
from sim.market.accounting import close_books
from sim.market.choice import choose_offers
from sim.market.classes import classify_customers, relationship_levels, resolve_class_map
from sim.market.events import apply_event
from sim.market.firm import Firm
from sim.market.inspection import CustomerView, customer_view
from sim.market.metrics import period_rows
from sim.market.period import Period, start_period
from sim.market.population import build_population
from sim.market.purchase import purchases
from sim.market.relationship import (
    classify_loyalty,
    customer_flows,
    dissolve_silent,
    drift_expectations,
    smooth_loyalty,
)
from sim.market.review import observe, review
from sim.market.seeding import Streams
from sim.market.state import F32, CustomerState, WorkBuffers
from sim.market.value import value_offers
from sim.market.word_of_mouth import spread_word_of_mouth
from sim.network import build_network
from sim.scenario.events import EventSpec
from sim.scenario.firms import FirmSpec
from sim.scenario.spec import Scenario
from sim.strategies import MarketView

__all__ = ["CustomerView", "MarketModel"]


class MarketModel(mesa.Model):
    """A market of customers and firms (a ``mesa.Model``).

    Args:
        scenario: a validated :class:`~sim.scenario.spec.Scenario`.
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
        self.last_period: Period | None = None
        """The last period's working record (who had an occasion, who chose what), for
        observers such as :class:`sim.market.consumer_panel.PurchasePanel`."""
        self.observers: list[Any] = []
        """Called with the model after every period (``observer.observe(model)``), e.g. a
        :class:`sim.market.transactions.TransactionLog`; they read, never change, the market."""
        self.period = 0
        self.running = True
        self._buffers = WorkBuffers(slots, market.customers)
        self._events: dict[int, list[EventSpec]] = {}
        for ev in self.spec.events:
            self._events.setdefault(ev.period, []).append(ev)
        for name, firm_spec in self.spec.firms.items():
            self._enter(name, firm_spec, period=0, initial=market.awareness.initial)

    def schedule(self, events: list[EventSpec]) -> None:
        """Add events to the market's schedule (a fork's changes, on a market loaded from a
        checkpoint); each acts at its period, like the scenario's own."""
        for ev in events:
            if ev.period <= self.period:
                raise ValueError(f"an event at period {ev.period} is in the past: the market"
                                 f" is at period {self.period}")
            self._events.setdefault(ev.period, []).append(ev)

    # ------------------------------------------------------------------ structure
    def _enter(self, name: str, spec: FirmSpec, period: int, initial: float = 0.0) -> Firm:
        """A firm enters at ``period``; a share ``initial`` of customers knows it at once."""
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
        """Firms in the market now (entered and not exited), in slot order."""
        return sorted((f for f in self.firms.values() if f.exited is None),
                      key=lambda f: f.slot)

    @property
    def exits(self) -> dict[str, int]:
        """Firms that left the market, with the last period they were in it."""
        return {f.name: f.exited for f in self.firms.values() if f.exited is not None}

    # ------------------------------------------------------------------ what firms see
    def observe(self, firm: Firm) -> MarketView:
        """What ``firm`` may see now: its own and rivals' rows up to its observation delay."""
        return observe(firm, self.period, self.records, self.state, self.population)

    def classify(self, firm: Firm) -> None:
        """Classify ``firm``'s current customers (ABC and value classes), as at a review."""
        classify_customers(firm, self.state, self.population, self.spec.market.behaviour)

    def resolve_class_map(self, value: Any, slot: int, default: Any,
                          encode: Callable[[Any], float], dtype: Any = F32) -> Any:
        """A lever given per customer class: one value, or an array over customers."""
        return resolve_class_map(value, slot, default, encode, self.state, self.population,
                                 dtype=dtype)

    def relationship_levels(self, firm: Firm) -> int | np.ndarray:
        """Each customer's relationship level code toward ``firm`` (or one code for all)."""
        return relationship_levels(firm, self.state, self.population)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance the market by one period: the phases of the module docstring, in order."""
        self.period = t = self.steps
        spec, pop, st, buf = self.spec, self.population, self.state, self._buffers
        market, b = spec.market, spec.market.behaviour
        if t > spec.periods:
            self.running = False
            return
        for ev in self._events.get(t, []):
            gone = self.firms.get(ev.firm) if ev.firm is not None else None
            if gone is not None and gone.exited is not None:
                continue  # the firm has left the market
            apply_event(ev, self.firms, pop, b.lapse_after, self._enter)
        firms = self.active_firms
        for firm in firms:
            review(firm, t, self.records, st, pop, b)
        for firm in firms:
            firm.open_period()
        period = start_period(t, firms, self.streams, st, buf, market.weight)
        spread_word_of_mouth(period, pop, st, self.network, buf, b, market.awareness,
                             self.streams)
        value_offers(period, pop, st, buf, market.value, b)
        choose_offers(period, pop, st, buf, b, self.streams)
        smooth_loyalty(period.occasion, period.buyers, period.slots, pop, st, buf)
        purchases(period, pop, st, b, market.value)
        drift_expectations(period.buyers, period.slots, pop, st, b)
        dissolve_silent(t, pop, st)
        period.retained, period.start_count, period.end_count = customer_flows(
            period.current_start, st.current, len(self.names))
        close_books(period, st, spec)
        classify_loyalty(period.slots, st, b)
        self.records.extend(period_rows(period, pop, st, b))
        for firm in firms:
            firm.close_prices()
            if firm.check_exit(t):
                st.current[st.current == firm.slot] = -1  # its customers lapse
        self.last_period = period
        for observer in self.observers:
            observer.observe(self)
        if t >= spec.periods:
            self.running = False

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
        return pd.DataFrame(self.records, columns=list(COLUMNS))

    # ------------------------------------------------------------------ inspection
    def customer(self, i: int) -> CustomerView:
        """A read-only view of customer ``i``, with its delivered value from every firm."""
        return customer_view(self, i)

    def nbytes(self) -> int:
        """Bytes held by the customer population, state and network."""
        return (self.population.nbytes() + self.state.nbytes() + self.network.nbytes()
                + self._buffers.nbytes())
