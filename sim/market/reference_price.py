"""Reference prices: customers judge a price against the prices they remember.

Rules (money per unit; ``p`` a firm's list price, ``R`` its reference price):

- **Reference price** (Winer 1986; Kalyanaram & Winer 1995, memory-based, brand-specific):
  exponentially smoothed past list prices, ``R_t = lambda R_{t-1} + (1 - lambda) p_{t-1}``
  with ``lambda = reference_smoothing``; a firm's reference starts at its price when it
  enters. Every customer sees list prices, so the reference is the firm's, not the customer's.
- **Gains and losses, with loss aversion** (Kahneman & Tversky 1979; Putler 1992; Hardie,
  Johnson & Fader 1993): the money cost a customer perceives for the price it pays,
  ``q = p (1 - discount)``, is raised by ``reference_weight * (loss_aversion * max(q - R, 0) -
  max(R - q, 0))``: paying above the reference feels a loss, below it a gain, and a loss
  weighs ``loss_aversion`` times a gain of the same size. Because the reference catches up, a
  price change moves demand more at once than after customers have got used to it.
- **Price as a signal of quality** (Rao & Monroe 1989): a customer who has never bought from a
  firm cannot judge its product and reads a price below the reference as lower quality: its
  first impression of the firm moves by ``price_quality * (p - R)`` money times its product
  weight. Customers who have bought judge by experience.
- **Waiting for a further cut** (intertemporal expectations, Gönül & Srinivasan 1996): when a
  firm cuts its list price below last period's, customers aware of it expect a share
  ``further_cut_expectation`` of the cut to follow; waiting (the outside option this period)
  gains that much money times their money weight.

:func:`perceived_money` and :func:`signal` are the one-customer rules; the vectorised
valuation (:func:`sim.market.value.money_cost_kernel`) and choice phases apply the same rules to
every customer.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.market import BehaviourSpec

__all__ = ["next_reference", "perceived_money", "reference_term_kernel", "signal",
           "waiting_value"]

F32 = np.float32


def next_reference(reference: float, price: float, b: BehaviourSpec) -> float:
    """The reference price for the next period after a period at ``price``."""
    return b.reference_smoothing * reference + (1.0 - b.reference_smoothing) * price


def perceived_money(paid: float, reference: float, b: BehaviourSpec) -> float:
    """The reference-dependent part of the perceived money cost of paying ``paid`` per unit."""
    loss, gain = max(paid - reference, 0.0), max(reference - paid, 0.0)
    return b.reference_weight * (b.loss_aversion * loss - gain)


def reference_term_kernel(paid: np.ndarray | float, reference: float,
                          b: BehaviourSpec) -> np.ndarray | float:
    """Vectorised :func:`perceived_money` over the prices customers pay (scalar or array)."""
    gap = np.subtract(paid, F32(reference), dtype=F32)
    return F32(b.reference_weight) * np.where(gap > 0, F32(b.loss_aversion) * gap, gap)


def signal(price: float, reference: float, b: BehaviourSpec) -> float:
    """Money of product value an untried customer infers from the price against the reference
    (before its product weight): negative after a cut."""
    return b.price_quality * (price - reference)


def waiting_value(previous: float, price: float, b: BehaviourSpec) -> float:
    """Money value of waiting, for a customer aware of a firm that cut from ``previous`` to
    ``price`` (before its money weight)."""
    return b.further_cut_expectation * max(previous - price, 0.0)
