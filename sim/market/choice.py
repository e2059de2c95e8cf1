"""Random-utility brand choice: multinomial logit with loyalty, switching costs, outside option.

A customer with a purchase occasion chooses among the firms it is aware of and can reach, or
the outside option (not buying), with the logit rule of Guadagni & Little (1983):

    U_f = perceived CDV_f / choice_scale + loyalty_weight * L_f
          + [f is the current firm] * (switching_cost_f / choice_scale
                                        + commitment_weight * affective_commitment_f)
    U_0 = outside_value / choice_scale
    P(f) = exp(U_f) / (exp(U_0) + sum_g exp(U_g))

Firms whose perceived CDV is negative are not considered: a customer who sees negative
delivered value everywhere does not buy (MODEL.md section 2).

The choice itself is drawn by the inverse CDF of these probabilities from one uniform per
customer (DESIGN.md: a uniform costs far less than a Gumbel draw), so the same uniform gives
the same luck whatever the firms do (common random numbers).

The perceived CDV of a firm the customer has bought from is its expectation (experience); of a
firm it has not, the delivered value with a perception error (a first impression). A firm is
available to a customer who is aware of it, can reach it (distribution coverage) and sees a
non-negative perceived CDV. :func:`choose_offers` is the period's choice phase.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.market.period import NO_OCCASION, Period
from sim.market.population import Population
from sim.market.state import F32, CustomerState, WorkBuffers
from sim.scenario.market import BehaviourSpec

__all__ = ["OUTSIDE", "choice_probabilities", "choose", "choose_kernel", "choose_offers"]

OUTSIDE = -1
"""Index returned for the outside option (no purchase)."""


def choice_probabilities(utilities: Sequence[float], outside: float) -> list[float]:
    """Logit probabilities of each firm (``-inf`` = not available) and, last, the outside option."""
    top = max([outside, *utilities])
    weights = [math.exp(u - top) if u != -math.inf else 0.0 for u in utilities]
    weights.append(math.exp(outside - top))
    total = sum(weights)
    return [w / total for w in weights]


def choose(uniform: float, utilities: Sequence[float], outside: float) -> int:
    """One customer's choice: the firm index, or :data:`OUTSIDE`, by inverse CDF of ``uniform``."""
    probs = choice_probabilities(utilities, outside)
    cum = 0.0
    for f, p in enumerate(probs[:-1]):
        cum += p
        if uniform < cum:
            return f
    return OUTSIDE


def choose_kernel(utility: np.ndarray, outside: float, uniform: np.ndarray) -> np.ndarray:
    """Vectorised :func:`choose` for ``utility`` of shape (firms, m) and ``uniform`` of (m,).

    Returns int16 (m,) firm indices, :data:`OUTSIDE` for no purchase. ``utility`` is
    overwritten (it becomes the unnormalised choice weights).
    """
    n_firms, m = utility.shape
    top = np.maximum(utility.max(axis=0, initial=-np.inf), np.float32(outside))
    np.subtract(utility, top, out=utility)
    np.exp(utility, out=utility)  # exp(-inf) = 0 for unavailable firms
    total = utility.sum(axis=0)
    total += np.exp(np.float32(outside) - top)
    threshold = uniform * total
    chosen = np.full(m, OUTSIDE, dtype=np.int16)
    cum = np.zeros(m, dtype=utility.dtype)
    undecided = np.ones(m, dtype=bool)
    for f in range(n_firms):
        cum += utility[f]
        hit = undecided & (threshold < cum)
        chosen[hit] = f
        undecided &= ~hit
    return chosen


def choose_offers(period: Period, population: Population, state: CustomerState,
                  buffers: WorkBuffers, b: BehaviourSpec) -> None:
    """The choice phase: customers with a purchase occasion choose a firm or the outside option.

    Fills ``period.occasion``, ``period.chosen`` (firm index, :data:`OUTSIDE` or
    ``NO_OCCASION``), ``period.buyers`` (per firm slot) and ``period.outside_units``.
    """
    pop, st, firms = population, state, period.firms
    u_occ, u_choice, _, _ = period.uniforms
    t1, t2 = buffers.scratch
    occasion = u_occ < pop.purchase_rate
    utility = buffers.utility[:len(firms)]
    inv_scale = F32(1.0 / b.choice_scale)
    for j, firm in enumerate(firms):
        s = firm.slot
        u = utility[j]
        np.multiply(pop.perception_error[s], F32(b.perception_noise), out=u)
        u += st.net[s]
        np.copyto(u, st.expectation[s], where=st.ever[s])
        u -= st.money[s]
        avail = u >= 0
        avail &= st.aware[s]
        avail &= pop.reach_draw[s] < F32(firm.levers.coverage)
        u *= inv_scale
        np.multiply(pop.loyalty_weight, st.loyalty[s], out=t1)
        u += t1
        is_current = period.current_start == s
        if firm.has_switching_costs:
            np.multiply(st.points[s], inv_scale, out=t1)
            np.multiply(st.bond[s], F32(b.structural_switching) * inv_scale, out=t2)
            t1 += t2
        else:
            t1.fill(0.0)
        np.multiply(st.commitment[s], F32(b.commitment_weight), out=t2)
        t1 += t2
        np.add(u, t1, out=u, where=is_current)
        np.copyto(u, F32(-np.inf), where=~avail)
    chosen = choose_kernel(utility, b.outside_value / b.choice_scale, u_choice)
    chosen[~occasion] = NO_OCCASION
    period.occasion, period.chosen = occasion, chosen
    period.outside_units = period.weight * float(np.sum(pop.volume, where=chosen == OUTSIDE,
                                                        dtype=np.float64))
    for j, firm in enumerate(firms):
        period.buyers[firm.slot] = np.flatnonzero(chosen == j)
