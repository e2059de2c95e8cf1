"""Tests for sim.market.ledger: profit is revenue minus every cost line."""

from __future__ import annotations

import pytest

from sim.market.ledger import COST_LINES, Ledger


# --------------------------------------------------------------------------- ledger
def test_ledger_profit_is_revenue_minus_every_cost_line():
    led = Ledger()
    assert set(led.lines) == set(COST_LINES) and led.profit == 0.0
    led.revenue = 1_000.0
    for k, line in enumerate(COST_LINES):
        led.book(line, 10.0 * (k + 1))
    led.book("cost_goods", 5.0)
    assert led.total_cost == pytest.approx(10.0 * sum(range(1, 8)) + 5.0)
    assert led.profit == pytest.approx(1_000.0 - 285.0)
    with pytest.raises(KeyError):
        led.book("cost_unknown", 1.0)
