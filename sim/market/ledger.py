"""A firm's books for one period: revenue and every cost line (MODEL.md section 3).

Every lever has a cost, and a firm books each to a line: cost of goods (rising with quality,
offering level and customisation), promotion, distribution (coverage and convenience),
service (service, personnel and recovery of failures), relationship (levels and two-way
communication), retention programs (points issued, social and structural) and fixed cost.
Profit is revenue minus their sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["COST_LINES", "Ledger"]

COST_LINES = ("cost_goods", "cost_promotion", "cost_distribution", "cost_service",
              "cost_relationship", "cost_programs", "cost_fixed")
"""Every cost line a firm books; profit = revenue - their sum."""



@dataclass
class Ledger:
    """One period's revenue and cost lines (money)."""

    revenue: float = 0.0
    lines: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COST_LINES, 0.0))

    def book(self, line: str, amount: float) -> None:
        """Add ``amount`` to a cost line."""
        self.lines[line] += float(amount)

    @property
    def total_cost(self) -> float:
        """Sum of every cost line."""
        return sum(self.lines.values())

    @property
    def profit(self) -> float:
        """Revenue minus every cost line."""
        return self.revenue - self.total_cost
