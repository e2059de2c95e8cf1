"""Closing the books: per-customer costs, customer profitability, program upkeep, retention,
profit and customer equity.

Each period, after the purchases, every firm books (MODEL.md section 3):

- per current customer: its relationship level's cost (a key-account team costs the same for a
  small and a large customer), two-way communication, and the social and structural programs;
- distribution coverage (per customer covered), promotion and fixed cost.

Sums over simulated customers are booked for the real market (times ``period.weight``, the real
customers each stands for); promotion and fixed cost are real money already.

Its record of each customer's profitability is the exponentially smoothed margin (revenue minus
the customer's goods, service, convenience, recovery and points, minus its per-customer costs)
and smoothed sales (the basis of ABC classes). Points cost the firm when they are redeemed
(:mod:`sim.market.purchase`); until then the outstanding balance is a liability (the
``points_liability`` column), and points that expire at ``points_decay`` cost nothing
(breakage). Programs that stopped are settled: outstanding points are paid out (booked as
redeemed), structural bonds fade. The firm's retention
rate (smoothed) enters customer lifetime value, **CLV** (Gupta & Lehmann 2003):
``m * (1 + d) / (1 + d - r)`` for smoothed margin ``m`` per period, discount rate ``d`` and
retention ``r`` per period (capped to keep the infinite sum finite); customer equity is its sum
over current customers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.market.classes import level_costs
from sim.market.state import F32, CustomerState
from sim.scenario.spec import Scenario

if TYPE_CHECKING:
    from sim.market.period import Period

__all__ = ["close_books", "clv"]

_NONE_I = np.zeros(0, dtype=np.intp)
_NONE_F = np.zeros(0, dtype=F32)


def clv(margin: np.ndarray | float, retention: float, discount_rate: float,
        cap: float = 0.995):
    """Customer lifetime value, infinite horizon (Gupta & Lehmann 2003); retention capped."""
    r = min(max(retention, 0.0), cap)
    return margin * (1.0 + discount_rate) / (1.0 + discount_rate - r)


def close_books(period: Period, state: CustomerState, spec: Scenario) -> None:
    """The accounting phase for every firm (see the module docstring).

    Needs ``period.retained`` and ``period.start_count``; fills ``period.members``,
    ``period.retention_rate`` and ``period.customer_equity``.
    """
    st, t, w = state, period.t, period.weight
    b, n = spec.market.behaviour, st.current.size
    end = st.current
    for firm in period.firms:
        s, lv, c, led = firm.slot, firm.levers, firm.costs, firm.ledger
        members = np.flatnonzero(end == s)
        period.members[s] = members
        n_active = members.size
        level = period.levels[s]
        # per-customer relationship, contact and program costs for current customers
        rel_cost = level_costs(firm, level, members)
        per_customer = F32(lv.communication * c.communication + lv.programs.social * c.social
                           + lv.programs.structural * c.structural)
        rel_total = (float(rel_cost) * n_active if np.isscalar(level)
                     else float(rel_cost.sum(dtype=np.float64)))
        led.book("cost_relationship", w * (rel_total + lv.communication * c.communication
                                           * n_active))
        led.book("cost_programs", w * (lv.programs.social * c.social
                                       + lv.programs.structural * c.structural) * n_active)
        led.book("cost_distribution", lv.coverage * (w * n) * c.coverage)
        led.book("cost_promotion", lv.promotion)
        led.book("cost_fixed", c.fixed)
        # customer profitability: smoothed margin and sales per customer
        bi, revenue_i, margin_i, _ = period.sales.get(s, (_NONE_I, _NONE_F, _NONE_F, _NONE_F))
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
                led.book("cost_programs", w * st.points[s].sum(dtype=np.float64))
                st.points[s] = 0.0
            else:
                st.points[s] *= F32(1.0 - b.points_decay)
            firm.points_liability = w * float(st.points[s].sum(dtype=np.float64))
            if lv.programs.structural == 0:
                st.bond[s] *= F32(1.0 - b.structural_decay)
        # retention, profit and customer equity
        start = period.start_count[s]  # type: ignore[index]
        rate = period.retained[s] / start if start else math.nan  # type: ignore[index]
        if start:
            keep = b.retention_smoothing
            firm.retention = keep * firm.retention + (1.0 - keep) * rate
        period.retention_rate[s] = rate
        profit = led.profit
        firm.cumulative_profit += profit
        firm.discounted_profit += profit / (1.0 + spec.discount_rate) ** t
        period.customer_equity[s] = w * float(clv(
            st.margin[s].take(members).sum(dtype=np.float64), firm.retention,
            spec.discount_rate, b.retention_cap))
