"""A consumer panel: every customer's purchases over a window of periods, and how long its
relationships last.

Marketing science reads a market through panel data: who bought which brand how often over a
period of time (Ehrenberg 1959, "The pattern of consumer purchases", *Applied Statistics* 8(1);
Ehrenberg 1988, *Repeat-Buying*). :class:`PurchasePanel` records the same from a running
:class:`~sim.market.model.MarketModel`, observed after each period:

- **purchases** per customer and firm over the window ``first..last`` (a customer buys from at
  most one firm a period: ``last_purchase == t``), and separately in the window's first and
  second halves (for the repeat-buying rate);
- **purchase occasions** and how many ended with no purchase (the outside option);
- **relationship spells**: a customer is a firm's current customer from the period of the
  purchase that made it so until the period it is not any more (it switched, or was silent too
  long); the length of every spell that ends inside the window is added to its firm's total.
  Spells are followed from period 1, so the panel must observe every period.

Everything is vectorised over customers; observing a period costs a few passes over arrays of
shape ``(firm slots, customers)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.market.choice import OUTSIDE

if TYPE_CHECKING:
    from sim.market.model import MarketModel

__all__ = ["PurchasePanel"]


class PurchasePanel:
    """Purchases, occasions and relationship spells of every customer over ``first..last``.

    Args:
        model: the market, before its first period (spells are followed from period 1).
        first: the window's first period (1-based).
        last: the window's last period.

    Attributes:
        counts: purchases per firm slot and customer in the window, shape (slots, n).
        first_half, second_half: whether the customer bought from the slot in the window's first
            ``(last - first + 1) // 2`` periods, and in the rest.
        occasions: purchase occasions in the window; ``no_purchase``: those that ended with the
            outside option.
        spell_periods, spells: per slot, the total length (periods) and the number of the
            relationship spells that ended in the window.
    """

    def __init__(self, model: MarketModel, first: int, last: int) -> None:
        if model.period != 0:
            raise ValueError("a panel observes a market from its first period")
        if not 1 <= first <= last:
            raise ValueError(f"the window {first}..{last} is empty")
        slots, n = model.state.aware.shape
        self.first, self.last = first, last
        self.middle = first + (last - first + 1) // 2
        self.counts = np.zeros((slots, n), dtype=np.uint16)
        self.first_half = np.zeros((slots, n), dtype=bool)
        self.second_half = np.zeros((slots, n), dtype=bool)
        self.occasions = 0
        self.no_purchase = 0
        self.spell_periods = np.zeros(slots, dtype=np.float64)
        self.spells = np.zeros(slots, dtype=np.int64)
        self._current = model.state.current.copy()
        self._since = np.zeros(n, dtype=np.int32)

    def observe(self, model: MarketModel) -> None:
        """Record the period the model has just run."""
        t, st = model.period, model.state
        current = st.current
        changed = current != self._current
        if self.first <= t <= self.last:
            ended = changed & (self._current >= 0)
            firm = self._current[ended]
            length = (t - self._since[ended]).astype(np.float64)
            self.spell_periods += np.bincount(firm, weights=length,
                                              minlength=self.spell_periods.size)
            self.spells += np.bincount(firm, minlength=self.spells.size)
            bought = st.last_purchase == t
            self.counts += bought
            half = self.first_half if t < self.middle else self.second_half
            half |= bought
            period = model.last_period
            if period is not None and period.occasion is not None:
                self.occasions += int(np.count_nonzero(period.occasion))
                self.no_purchase += int(np.count_nonzero(period.chosen == OUTSIDE))
        self._since[changed] = t
        self._current = current.copy()

    @property
    def window(self) -> int:
        """Periods in the window."""
        return self.last - self.first + 1
