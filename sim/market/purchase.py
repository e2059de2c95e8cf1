"""Purchases: what each buyer gets, how its relationship with the firm moves, what the firm books.

For each firm and each customer who chose it this period, in this order:

1. **Units**: the customer's volume, raised for loyal customers by the firm's cross-selling
   (``cross_sell * cross_sell_volume``) and for business accounts at partnership
   (``partnership_volume``: the customer grows with the firm's help). Revenue is units times
   the price after the customer's discount.
2. **Experience**: the delivered value before price, with product value varying by up to
   ``experience_noise * (1 - quality)`` either way, minus the customer's cost of a service
   failure (probability falling with quality and service, ``failure_base``), unless the firm
   recovers it (the firm's recovery plus its relationship level's).
3. **Relationship updates** (:mod:`sim.market.relationship`): expectation-disconfirmation
   satisfaction (Oliver 1980) against the comparison standard of the best alternative the
   buyer knew (Woodruff, Cadotte & Jenkins 1983), adaptive expectation, trust with a
   negativity bias (Morgan & Hunt 1994), affective commitment; the purchase count of the
   relationship, awareness, the customer's current firm.
4. **Retention programs** (Berry & Parasuraman): a points balance that has reached
   ``redemption_threshold`` is redeemed at the purchase (the balance pays out and the
   switching cost it held is gone), then points are earned on spend (financial); structural
   bonds are built toward 1 (structural); points and bonds are switching costs.
5. **The ledger**: revenue, cost of goods, per-unit service and personnel (cheaper for
   customers of long tenure: Reichheld & Sasser 1990), convenience, recovered failures and
   points redeemed (issued points are a liability, :mod:`sim.market.accounting`); each buyer's
   margin, for the firm's customer profitability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.levers import LEVELS
from sim.market.population import COMPONENTS, Population
from sim.market.reference_price import signal
from sim.market.relationship import LOYAL, update_after_purchase_kernel
from sim.market.state import F32, CustomerState
from sim.scenario.market import BehaviourSpec, ValueScale

if TYPE_CHECKING:
    from sim.market.firm import Firm
    from sim.market.period import Period

__all__ = ["purchase", "purchases"]

W_SERVICE = COMPONENTS.index("service")
W_PRODUCT = COMPONENTS.index("product")
PARTNERSHIP = LEVELS.index("partnership")


def purchases(period: Period, population: Population, state: CustomerState, b: BehaviourSpec,
              scale: ValueScale) -> None:
    """The purchase phase: every firm's sales to its buyers (``period.sold_units``, real units)."""
    for firm in period.firms:
        s = firm.slot
        period.sold_units[s] = period.weight * purchase(firm, period.buyers[s], period,
                                                        population, state, b, scale)


def purchase(firm: Firm, bi: np.ndarray, period: Period, population: Population,
             state: CustomerState, b: BehaviourSpec, scale: ValueScale) -> float:
    """Book one firm's sales to its buyers ``bi`` and update their relationships; the units sold
    to the simulated buyers.

    See the module docstring for the rules, in the order they run. The ledger books real money:
    the buyers' sums times ``period.weight``.
    """
    st, pop, s, t = state, population, firm.slot, period.t
    level, e, discount = period.levels[s], period.effects[s], period.discounts[s]
    current_start = period.current_start
    _, _, u_fail, u_exp = period.uniforms
    lv, c = firm.levers, firm.costs
    firm.failures = 0
    if bi.size == 0:
        return 0.0
    scalar_level = np.isscalar(level)
    lvl = level if scalar_level else level[bi]

    def pick(x: Any) -> Any:
        return x if scalar_level else x[bi]

    units = pop.volume[bi]
    if lv.cross_sell > 0:
        loyal = st.loyalty_class[s, bi] == LOYAL
        units = units * (1.0 + F32(lv.cross_sell * b.cross_sell_volume) * loyal)
    if np.any(lvl == PARTNERSHIP):
        units = units * (1.0 + F32(b.partnership_volume)
                         * (pop.business[bi] & (lvl == PARTNERSHIP)))
    disc = discount if np.isscalar(discount) else discount[bi]
    revenue_i = units * (F32(lv.price) * (F32(1.0) - F32(disc)))
    # experience: product value varies with (1 - quality); service failures
    experienced = st.product[s, bi]
    experienced *= F32(b.experience_noise * (1.0 - lv.quality)) * (2.0 * u_exp[bi] - 1.0)
    experienced += st.net[s, bi]
    fail = u_fail[bi] < F32(firm.failure_probability())
    recovered = np.clip(F32(lv.recovery) + pick(e["recovery"]), 0.0, 1.0)
    experienced -= (fail * (1.0 - recovered) * F32(scale.failure)
                    * pop.weights[W_SERVICE][bi])
    firm.failures = int(np.count_nonzero(fail))
    ever = st.ever[s, bi]
    expected = st.net[s, bi]
    expected += F32(b.perception_noise) * pop.perception_error[s, bi]
    inferred = signal(lv.price, firm.reference_price, b)
    if inferred != 0.0:  # the first impression read from the price (as in the choice)
        expected += pop.weights[W_PRODUCT][bi] * F32(inferred)
    np.copyto(expected, st.expectation[s, bi], where=ever)
    social = lv.programs.social
    trust_mult = pick(e["trust_gain"]) * F32(1.0 + b.social_trust * social)
    commit_add = pick(e["commitment"]) + F32(b.social_commitment * social)
    standard = None
    if period.alternatives is not None:  # the best alternative this buyer could have chosen
        surplus, utility, rows = period.alternatives
        others = surplus.take(bi, axis=1)  # (firms, buyers): perceived surplus of each firm
        np.copyto(others, F32(-np.inf), where=np.isneginf(utility.take(bi, axis=1)))
        others[rows[s]] = -np.inf  # not the firm bought from
        alt = others.max(axis=0)
        standard = F32(b.comparison_weight) * np.maximum(alt, F32(b.outside_value))
    E, S, T, A = update_after_purchase_kernel(
        experienced, st.money[s, bi], expected, ~ever, st.satisfaction[s, bi],
        st.trust[s, bi], st.commitment[s, bi], b, trust_mult, commit_add, lv.communication,
        standard)
    st.expectation[s, bi], st.satisfaction[s, bi] = E, S
    st.trust[s, bi], st.commitment[s, bi] = T, A
    continuing = current_start[bi] == s
    st.purchases[s, bi] = np.where(continuing, np.minimum(st.purchases[s, bi], 65534) + 1, 1)
    st.ever[s, bi] = True
    st.aware[s, bi] = True
    st.last_purchase[s, bi] = t
    st.current[bi] = s
    # retention programs: a balance that reached the threshold is redeemed, then new points
    redeemed_i = np.zeros(bi.size, dtype=F32)
    if firm.has_switching_costs:
        balance = st.points[s, bi]
        np.copyto(redeemed_i, balance, where=balance >= F32(b.redemption_threshold))
        st.points[s, bi] = balance - redeemed_i
    if lv.programs.financial > 0:
        st.points[s, bi] += F32(lv.programs.financial) * revenue_i
        firm.has_switching_costs = True
    if lv.programs.structural > 0:
        bond = st.bond[s, bi]
        st.bond[s, bi] = bond + F32(b.structural_build * lv.programs.structural) * (1 - bond)
        firm.has_switching_costs = True
    # the ledger: sales, goods, per-unit service and convenience, recovery, points
    tenure = np.minimum(st.purchases[s, bi].astype(F32) * F32(1.0 / b.tenure_purchases),
                        F32(1.0))
    efficiency = 1.0 - F32(b.tenure_efficiency) * tenure
    per_unit_service = F32(lv.service * c.service + lv.personnel * c.personnel)
    service_i = units * per_unit_service * efficiency
    goods_i = units * F32(firm.unit_cost())
    convenience_i = units * F32(lv.convenience * c.convenience)
    recovery_i = fail * recovered * F32(c.recovery)
    points_i = redeemed_i  # points cost the firm when redeemed (a liability until then)
    led, w = firm.ledger, period.weight
    led.revenue += w * float(revenue_i.sum(dtype=np.float64))
    led.book("cost_goods", w * goods_i.sum(dtype=np.float64))
    led.book("cost_service", w * (service_i.sum(dtype=np.float64)
                                  + recovery_i.sum(dtype=np.float64)))
    led.book("cost_distribution", w * convenience_i.sum(dtype=np.float64))
    led.book("cost_programs", w * points_i.sum(dtype=np.float64))
    margin_i = revenue_i - goods_i - service_i - convenience_i - recovery_i - points_i
    period.sales[s] = (bi, revenue_i, margin_i, units)
    return float(units.sum(dtype=np.float64))
