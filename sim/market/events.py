"""Scheduled events: at their period, before the firms review, change the market.

An event does exactly one thing (MODEL.md section 3 and the scenario's ``events``):

- ``set``: change a firm's levers (unset and null fields mean "unchanged", also after a round
  trip through a resolved file); a strategy that decides them keeps them from then on (pinned);
- ``release``: hand pinned levers back to the firm's strategy;
- ``strategy``: switch a firm to another strategy (it reviews at once);
- ``add_firm``: a new firm enters, unknown to every customer;
- ``market``: change every customer: multiply money weights (a recession), shift needs
  (clipped to [0, 1]), multiply purchase rates (capped at 1; lapse times follow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.market.population import COMPONENTS, Population, lapse_periods
from sim.market.state import F32
from sim.scenario.events import EventSpec
from sim.scenario.firms import FirmSpec

if TYPE_CHECKING:
    from sim.market.firm import Firm

__all__ = ["apply_event"]

W_MONEY = COMPONENTS.index("money")


def apply_event(ev: EventSpec, firms: dict[str, Firm], population: Population,
                lapse_after: float, enter: Callable[[str, FirmSpec, int], object]) -> None:
    """Apply one scheduled event; ``enter(name, spec, period)`` lets a new firm in."""
    pop = population
    if ev.add_firm is not None:
        spec = ev.add_firm
        enter(spec.name, spec, ev.period)
    elif ev.set is not None:
        # unset and null mean "unchanged", also after a round trip through a resolved file
        firms[ev.firm].apply(ev.set.model_dump(exclude_none=True))  # type: ignore[index]
    elif ev.release is not None:
        firms[ev.firm].release(ev.release)  # type: ignore[index]
    elif ev.strategy is not None:
        firms[ev.firm].set_strategy(ev.strategy, ev.params)  # type: ignore[index]
    elif ev.market is not None:
        mc = ev.market
        if mc.money_weight is not None:
            pop.weights[W_MONEY] *= F32(mc.money_weight)
        if mc.needs_shift is not None:
            pop.needs[0] = np.clip(pop.needs[0] + F32(mc.needs_shift[0]), 0.0, 1.0)
            pop.needs[1] = np.clip(pop.needs[1] + F32(mc.needs_shift[1]), 0.0, 1.0)
        if mc.purchase_rate is not None:
            pop.purchase_rate = np.minimum(pop.purchase_rate * F32(mc.purchase_rate), F32(1.0))
            pop.lapse_periods = lapse_periods(pop.purchase_rate, lapse_after)
