"""Running the period's phases one at a time, for the tests of each phase.

``replay_period(model, until="purchases")`` runs the next period of ``model`` phase by phase, as
``MarketModel.step`` does, and stops before the named phase, returning the period's record; the
test then runs that phase itself and checks its rule. ``tests/market/test_model.py`` checks that
a full replay equals ``model.step()`` exactly, so the replay cannot drift from the model.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.market.accounting import close_books
from sim.market.choice import choose_offers
from sim.market.events import apply_event
from sim.market.metrics import period_rows
from sim.market.model import MarketModel
from sim.market.period import Period, start_period
from sim.market.purchase import purchases
from sim.market.relationship import (
    classify_loyalty,
    customer_flows,
    dissolve_silent,
    drift_expectations,
    smooth_loyalty,
)
from sim.market.review import review
from sim.market.value import value_offers
from sim.market.word_of_mouth import spread_word_of_mouth

PHASES = ("events", "reviews", "promotion", "draws", "word_of_mouth", "valuation", "choice",
          "loyalty", "purchases", "drift", "lapses", "flows", "accounting", "loyalty_classes",
          "rows", "reference_prices")


def _replay(model: MarketModel, until: str | None = None) -> Period | None:
    assert until is None or until in PHASES, until
    t = model.period + 1
    spec, pop, st, buf = model.spec, model.population, model.state, model._buffers
    market, b = spec.market, spec.market.behaviour
    model.period = t
    period: Period | None = None
    firms = model.active_firms
    for name in PHASES:
        if name == until:
            return period
        if name == "events":
            for ev in model._events.get(t, []):
                apply_event(ev, model.firms, pop, b.lapse_after, model._enter)
            firms = model.active_firms
        elif name == "reviews":
            for firm in firms:
                review(firm, t, model.records, st, pop, b)
        elif name == "promotion":
            for firm in firms:
                firm.open_period()
        elif name == "draws":
            period = start_period(t, firms, model.streams, st, buf, market.weight)
        elif name == "word_of_mouth":
            spread_word_of_mouth(period, pop, st, model.network, buf, b, market.awareness,
                                 model.streams)
        elif name == "valuation":
            value_offers(period, pop, st, buf, market.value, b)
        elif name == "choice":
            choose_offers(period, pop, st, buf, b, model.streams)
        elif name == "loyalty":
            smooth_loyalty(period.occasion, period.buyers, period.slots, pop, st, buf)
        elif name == "purchases":
            purchases(period, pop, st, b, market.value)
        elif name == "drift":
            drift_expectations(period.buyers, period.slots, pop, st, b)
        elif name == "lapses":
            dissolve_silent(t, pop, st)
        elif name == "flows":
            period.retained, period.start_count, period.end_count = customer_flows(
                period.current_start, st.current, len(model.names))
        elif name == "accounting":
            close_books(period, st, spec)
        elif name == "loyalty_classes":
            classify_loyalty(period.slots, st, b)
        elif name == "rows":
            model.records.extend(period_rows(period, pop, st, b))
        elif name == "reference_prices":
            for firm in firms:
                firm.close_prices()
            model.last_period = period
    return period


@pytest.fixture(scope="session")
def replay_period() -> Callable[..., Period | None]:
    """``replay_period(model, until=PHASE)``: run the next period up to (not including) PHASE."""
    return _replay
