"""Random-utility brand choice: multinomial logit with loyalty, switching costs, outside option.

A customer with a purchase occasion chooses among the firms it is aware of and can reach, or
the outside option (not buying), with the logit rule of Guadagni & Little (1983):

    U_f = perceived CDV_f / choice_scale + loyalty_weight * L_f
          + [f is the current firm] * (switching_cost_f / choice_scale
                                        + commitment_weight * affective_commitment_f)
    U_0 = (outside_value + sum_f [aware of f] * w_money * waiting value_f) / choice_scale
    P(f) = exp(U_f) / (exp(U_0) + sum_g exp(U_g))

Firms whose perceived CDV is negative are not considered: a customer who sees negative
delivered value everywhere does not buy (MODEL.md section 2).

The choice is drawn as the firm of highest utility plus a **taste shock**: ``argmax_f (U_f +
e_f)`` over the available firms and the outside option, with ``e`` independent standard Gumbel
draws, which gives exactly the logit probabilities above (McFadden 1974; Train 2009, *Discrete
Choice Methods with Simulation*, section 3.1). Each firm's shocks come from that firm's own
named stream (``firm/<name>/taste``, per period), as ``-log E`` of a standard exponential
draw ``E``; the outside option's from the customer's choice uniform ``u``, as ``-log(-log
u)``. So the draws of every firm are common random numbers of their own: changing one firm's
offer or strategy changes only that firm's utilities, and a customer can move only toward or
away from that firm, never between two firms that did not change (an inverse-CDF draw from one
uniform would reorder customers between unchanged firms whenever any probability moved).

The perceived CDV of a firm the customer has bought from is its expectation (experience); of a
firm it has not, the delivered value with a perception error (a first impression), moved by
what the price signals against the firm's reference price; the waiting value is the share of a
firm's price cut that customers expect to follow (:mod:`sim.market.reference_price`). A firm is
available to a customer who is aware of it, can reach it (distribution coverage) and sees a
non-negative perceived CDV. :func:`choose_offers` is the period's choice phase.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.market.period import NO_OCCASION, Period
from sim.market.population import COMPONENTS, Population
from sim.market.reference_price import signal, waiting_value
from sim.market.seeding import Streams
from sim.market.state import F32, CustomerState, WorkBuffers
from sim.scenario.market import BehaviourSpec

__all__ = ["OUTSIDE", "add_taste_shocks", "choice_probabilities", "choose", "choose_kernel",
           "choose_offers", "gumbel", "outside_shock"]

OUTSIDE = -1
"""Index returned for the outside option (no purchase)."""
_W_PRODUCT, _W_MONEY = COMPONENTS.index("product"), COMPONENTS.index("money")


def choice_probabilities(utilities: Sequence[float], outside: float) -> list[float]:
    """Logit probabilities of each firm (``-inf`` = not available) and, last, the outside option."""
    top = max([outside, *utilities])
    weights = [math.exp(u - top) if u != -math.inf else 0.0 for u in utilities]
    weights.append(math.exp(outside - top))
    total = sum(weights)
    return [w / total for w in weights]


def gumbel(exponential: float) -> float:
    """A standard Gumbel taste shock from a standard exponential draw: ``-log E``."""
    return -math.log(max(exponential, TINY))


def outside_shock(uniform: float) -> float:
    """The outside option's standard Gumbel shock from a uniform on [0, 1): ``-log(-log u)``."""
    return -math.inf if uniform <= 0.0 else gumbel(-math.log(uniform))


def choose(utilities: Sequence[float], shocks: Sequence[float], outside: float,
           shock_outside: float) -> int:
    """One customer's choice: the firm index of highest ``utility + shock``, or
    :data:`OUTSIDE` when ``outside + shock_outside`` is at least as high (firms of utility
    ``-inf`` are not available; on a tie the outside option, then the earlier firm, wins)."""
    best, pick = outside + shock_outside, OUTSIDE
    for f, (u, e) in enumerate(zip(utilities, shocks, strict=True)):
        if u != -math.inf and u + e > best:
            best, pick = u + e, f
    return pick


TINY = float(np.finfo(np.float32).tiny)
"""Least exponential draw used (a draw of exactly 0 would give an infinite shock)."""


def add_taste_shocks(utility: np.ndarray, rng: np.random.Generator,
                     scratch: np.ndarray) -> None:
    """Add standard Gumbel shocks ``-log E`` (``E`` standard exponential from ``rng``) to
    ``utility`` (float32 (m,)), in place; ``scratch`` is a float32 (m,) work buffer."""
    rng.standard_exponential(utility.shape[0], dtype=F32, out=scratch)
    np.maximum(scratch, F32(TINY), out=scratch)
    np.log(scratch, out=scratch)
    utility -= scratch


def choose_kernel(utility: np.ndarray, outside: float | np.ndarray,
                  uniform: np.ndarray) -> np.ndarray:
    """Vectorised :func:`choose` for ``utility`` of shape (firms, m), taste shocks already
    added, the outside option's utility (one, or one per customer) and its uniforms
    ``uniform`` of shape (m,).

    Returns int16 (m,) firm indices, :data:`OUTSIDE` for no purchase. ``utility`` is not
    changed.
    """
    n_firms, m = utility.shape
    with np.errstate(divide="ignore"):
        best = np.log(uniform)  # -E, with E the outside option's exponential draw
        np.negative(best, out=best)
        np.log(best, out=best)
        np.negative(best, out=best)
    best += np.asarray(outside, dtype=F32)
    chosen = np.full(m, OUTSIDE, dtype=np.int16)
    for f in range(n_firms):
        better = utility[f] > best
        chosen[better] = f
        np.maximum(best, utility[f], out=best)
    return chosen


def choose_offers(period: Period, population: Population, state: CustomerState,
                  buffers: WorkBuffers, b: BehaviourSpec, streams: Streams) -> None:
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
    outside: float | np.ndarray = b.outside_value / b.choice_scale
    w_product, w_money = pop.weights[_W_PRODUCT], pop.weights[_W_MONEY]
    track = b.comparison_weight > 0
    surplus = buffers.surplus[:len(firms)]  # perceived surplus per firm, for the standard
    for j, firm in enumerate(firms):
        s = firm.slot
        u = utility[j]
        np.multiply(pop.perception_error[s], F32(b.perception_noise), out=u)
        inferred = signal(firm.levers.price, firm.reference_price, b)
        if inferred != 0.0:  # untried customers read the price against the reference
            u += w_product * F32(inferred)
        waiting = waiting_value(firm.previous_price, firm.levers.price, b)
        if waiting > 0.0:  # aware customers may wait for the next cut
            outside = outside + (w_money * st.aware[s]) * F32(waiting / b.choice_scale)
        u += st.net[s]
        np.copyto(u, st.expectation[s], where=st.ever[s])
        u -= st.money[s]
        avail = u >= 0
        avail &= st.aware[s]
        avail &= pop.reach_draw[s] < F32(firm.levers.coverage)
        if track:
            np.copyto(surplus[j], u)
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
        add_taste_shocks(u, streams.generator(f"firm/{firm.name}/taste", period.t), t1)
        np.copyto(u, F32(-np.inf), where=~avail)
    chosen = choose_kernel(utility, outside, u_choice)
    chosen[~occasion] = NO_OCCASION
    period.occasion, period.chosen = occasion, chosen
    if track:  # unavailable firms are -inf in ``utility``; purchase reads both for its buyers
        period.alternatives = (surplus, utility, {f.slot: j for j, f in enumerate(firms)})
    period.outside_units = period.weight * float(np.sum(pop.volume, where=chosen == OUTSIDE,
                                                        dtype=np.float64))
    for j, firm in enumerate(firms):
        period.buyers[firm.slot] = np.flatnonzero(chosen == j)
