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
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["OUTSIDE", "choice_probabilities", "choose", "choose_kernel"]

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
