"""The period's rows of the tidy time series: one row per firm, the columns of
:data:`sim.columns.COLUMNS` (DESIGN.md principle 6: analysis reads these tables, never live
models).

Counts of customers by loyalty class cover every customer of the market; means (satisfaction,
trust, commitment) are over the firm's current customers at the end of the period; shares are
of the period's wanted units (firms' units plus the usual volume of customers who had an
occasion and bought nothing) and of the firms' revenue. Perceived value is the money value of
the offer to the customers who know it (net value over money weight, summed over aware
customers who see a positive value).

Counts and money are for the real market: each simulated customer stands for
``period.weight`` real ones (``market.size / market.customers``). With the default size (one
real customer per agent) counts are whole numbers; otherwise they are the real market's
expected counts, and not whole.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.market.classes import VALUE_CODES
from sim.market.ledger import COST_LINES
from sim.market.population import COMPONENTS, Population
from sim.market.relationship import CLASS_NAMES, REPEAT
from sim.market.state import F32, CustomerState
from sim.scenario.market import BehaviourSpec

if TYPE_CHECKING:
    from sim.market.period import Period

__all__ = ["period_rows"]

W_MONEY = COMPONENTS.index("money")
_NONE_I = np.zeros(0, dtype=np.intp)


def _mean(x: np.ndarray) -> float:
    return float(x.mean(dtype=np.float64)) if x.size else math.nan


def scaled_count(count: int, weight: float) -> int | float:
    """``count`` simulated customers as real customers: ``count * weight`` (an int at 1)."""
    return int(count) if weight == 1.0 else float(count) * weight


def period_rows(period: Period, population: Population, state: CustomerState,
                b: BehaviourSpec) -> list[dict[str, Any]]:
    """One row per firm for period ``period.t``, after the accounting phase and the loyalty
    classes (see the module docstring)."""
    st, pop, t, firms = state, population, period.t, period.firms
    sold_units, outside_units = period.sold_units, period.outside_units
    total_units = sum(sold_units.values()) + outside_units
    total_revenue = sum(f.ledger.revenue for f in firms)
    retained, start_count, end_count = period.retained, period.start_count, period.end_count
    assert retained is not None and start_count is not None and end_count is not None
    w = period.weight

    def people(count: int) -> int | float:
        return scaled_count(count, w)

    rows = []
    for firm in firms:
        s, lv, led = firm.slot, firm.levers, firm.ledger
        members = period.members[s]
        n_active = members.size
        bi = period.sales.get(s, (_NONE_I,))[0]
        codes = st.loyalty_class[s]
        counts = np.bincount(codes, minlength=len(CLASS_NAMES))
        m_codes = codes.take(members)
        value_counts = np.bincount(st.value_class[s].take(members), minlength=len(VALUE_CODES))
        m_commitment = st.commitment[s].take(members)
        if firm.has_switching_costs:
            switching = st.points[s].take(members)
            switching += F32(b.structural_switching) * st.bond[s].take(members)
            calc = 1.0 - np.exp(-switching / F32(b.calculative_scale))
        else:
            calc = np.zeros(n_active, dtype=F32)
        spurious = int(np.count_nonzero(
            (m_codes == REPEAT) & (st.loyalty[s].take(members) >= F32(b.loyal_loyalty))
            & (calc > m_commitment)))
        # money value of the offer to customers who know it (net value / money weight)
        valued = st.net[s] > 0
        valued &= st.aware[s]
        mask = valued.astype(F32)  # masked sums as dot products (BLAS, no gathers)
        wm_total = float(np.dot(pop.weights[W_MONEY], mask))
        perceived_value = (float(np.dot(st.net[s], mask)) / wm_total
                           if wm_total > 0 else math.nan)
        rows.append({
            "period": t, "firm": firm.name, "strategy": firm.strategy_name,
            "customers": people(bi.size), "units": sold_units.get(s, 0.0),
            "share_units": sold_units.get(s, 0.0) / total_units if total_units else 0.0,
            "share_value": led.revenue / total_revenue if total_revenue else 0.0,
            "share_outside": outside_units / total_units if total_units else 1.0,
            "acquired": people(end_count[s] - retained[s]), "retained": people(retained[s]),
            "churned": people(start_count[s] - retained[s]), "active": people(n_active),
            "retention_rate": period.retention_rate[s],
            **{name: people(counts[CLASS_NAMES.index(name)]) for name in
               ("unaware", "potential", "new", "repeat", "loyal", "lapsed")},
            "spurious": people(spurious),
            "mvc": people(value_counts[VALUE_CODES["MVC"]]),
            "mgc": people(value_counts[VALUE_CODES["MGC"]]),
            "bz": people(value_counts[VALUE_CODES["BZ"]]),
            "satisfaction": _mean(st.satisfaction[s].take(members)),
            "trust": _mean(st.trust[s].take(members)),
            "commitment": _mean(m_commitment),
            "calculative": _mean(calc),
            "price": lv.price, "reference_price": firm.reference_price,
            "unit_cost": firm.unit_cost(),
            "perceived_value": perceived_value, "goodwill": firm.goodwill,
            "image": firm.image, "failures": people(firm.failures),
            "revenue": led.revenue, **{line: led.lines[line] for line in COST_LINES},
            "profit": led.profit, "cumulative_profit": firm.cumulative_profit,
            "discounted_profit": firm.discounted_profit,
            "customer_equity": period.customer_equity[s],
            "points_liability": firm.points_liability,
        })
    return rows
