"""The customers' columnar state toward every firm, and the period's preallocated work arrays.

DESIGN.md principle 1: each customer is an individual with its own state toward every firm,
but the population lives in arrays of shape ``(firm slots, customers)``, one row per firm slot,
so that each rule runs over all customers at once. A firm keeps its slot (its row) for the
whole run; entrants have slots reserved from the start.
"""

from __future__ import annotations

import numpy as np

from sim.market.classes import ABC_CODES, VALUE_CODES
from sim.market.relationship import CLASS_NAMES

__all__ = ["F32", "CustomerState", "WorkBuffers"]

F32 = np.float32


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
        self.surplus = np.empty((slots, n), dtype=F32)
        """Perceived surplus of each firm in the choice, for the comparison standard."""
        self.alpha = np.empty(n, dtype=F32)
        self.talk = np.empty((2 * slots, n), dtype=F32)
        """Word of mouth heard: share of neighbours who bought, then their signed voice."""

    def nbytes(self) -> int:
        """Bytes held."""
        arrays = [*self.uniforms, *self.scratch, self.utility, self.surplus, self.alpha,
                  self.talk]
        return sum(a.nbytes for a in arrays)
