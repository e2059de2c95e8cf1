"""One period's working record: who is in the market, the period's draws, and what each phase
hands to the next.

The period runs as a list of phases (:meth:`sim.market.model.MarketModel.step`); each reads and
fills the :class:`Period` explicitly, so a phase can be read, tested and changed on its own.
The draws (DESIGN.md principle 2): one uniform per customer for each of occasion, choice (the
outside option's taste shock), service failure and experience, from the ``customers`` stream
of the period; they depend only on the seed and the period, never on what the firms do, so two
runs that differ only in a strategy face the same luck (common random numbers). Each firm's
taste shocks come from its own stream in the choice phase (:mod:`sim.market.choice`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.market.seeding import Streams
from sim.market.state import F32, CustomerState, WorkBuffers

if TYPE_CHECKING:
    from sim.market.firm import Firm

__all__ = ["NO_OCCASION", "Period", "start_period"]

NO_OCCASION = -2
"""Choice code of a customer with no purchase occasion this period."""


@dataclass
class Period:
    """What the phases of period ``t`` share.

    Attributes:
        t: the period (1-based).
        weight: real customers each simulated customer stands for (``market.size /
            market.customers``): every count and money sum over customers is multiplied by it.
        firms: the firms in the market this period, in slot order.
        uniforms: this period's occasion, choice, failure and experience uniforms per customer.
        current_start: each customer's current firm slot at the start of the period (-1: none).
        levels: relationship level code(s) per firm slot (valuation onward).
        effects: what those levels do per firm slot (:func:`sim.market.classes.level_effects`).
        discounts: the discount(s) per firm slot, scalar or per customer.
        occasion: customers with a purchase occasion.
        chosen: each customer's choice: firm index in ``firms``, ``OUTSIDE`` or
            :data:`NO_OCCASION`.
        buyers: indices of the customers who bought from each firm slot.
        sold_units: units sold per firm slot.
        outside_units: usual volume of customers who had an occasion and bought nothing.
        sales: per firm slot, the buyers, their revenue, their margin and their units this
            period (per simulated customer; the ledger books them times ``weight``).
        members: per firm slot, its current customers at the end of the period.
        retained, start_count, end_count: customers per slot kept through the period, current
            at its start, current at its end.
        retention_rate: per firm slot, retained / current at the start (NaN without any).
        alternatives: with a comparison standard, the choice's perceived surplus per firm
            (rows in the order of ``firms``), its utilities (-inf: the firm was not
            available) and each firm slot's row: a buyer's best alternative is the largest
            surplus of another available firm.
        customer_equity: per firm slot, the sum of its current customers' lifetime values.
    """

    t: int
    firms: list[Firm]
    uniforms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    current_start: np.ndarray
    weight: float = 1.0
    levels: dict[int, Any] = field(default_factory=dict)
    effects: dict[int, dict[str, Any]] = field(default_factory=dict)
    discounts: dict[int, Any] = field(default_factory=dict)
    occasion: np.ndarray | None = None
    chosen: np.ndarray | None = None
    buyers: dict[int, np.ndarray] = field(default_factory=dict)
    sold_units: dict[int, float] = field(default_factory=dict)
    outside_units: float = 0.0
    sales: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict)
    members: dict[int, np.ndarray] = field(default_factory=dict)
    retained: np.ndarray | None = None
    start_count: np.ndarray | None = None
    end_count: np.ndarray | None = None
    retention_rate: dict[int, float] = field(default_factory=dict)
    alternatives: tuple[np.ndarray, np.ndarray, dict[int, int]] | None = None
    customer_equity: dict[int, float] = field(default_factory=dict)

    @property
    def slots(self) -> list[int]:
        """The firms' slots, in order."""
        return [f.slot for f in self.firms]


def start_period(t: int, firms: list[Firm], streams: Streams, state: CustomerState,
                 buffers: WorkBuffers, weight: float = 1.0) -> Period:
    """Open period ``t``: draw its customer uniforms and note each customer's current firm;
    each simulated customer stands for ``weight`` real ones."""
    n = state.current.size
    rng = streams.generator("customers", t)
    for u in buffers.uniforms:
        rng.random(n, dtype=F32, out=u)
    return Period(t=t, firms=firms, uniforms=buffers.uniforms,  # type: ignore[arg-type]
                  current_start=state.current.copy(), weight=weight)
