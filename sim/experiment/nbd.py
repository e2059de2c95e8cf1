"""The negative binomial distribution (NBD) of purchases per customer, fitted to a panel.

Ehrenberg (1959, "The pattern of consumer purchases", *Applied Statistics* 8(1): 26-41) found
that the number of purchases of a brand each customer makes in a period follows a negative
binomial distribution: Poisson purchasing at a rate that is gamma-distributed across
customers. With mean ``m`` and shape ``k``,

    P(0) = (1 + m / k) ** -k,    P(r) = P(r - 1) * (k + r - 1) / r * m / (m + k).

:func:`fit_nbd` fits ``m`` and ``k`` by maximum likelihood to the shares of customers with
0, 1, ..., K purchases, the last class read as "K or more" (in stratsim a customer buys at most
once a period, so K, the window's length, is the most anyone can buy). The fit is one SciPy
bounded minimisation of the multinomial log likelihood over ``(ln m, ln k)`` from the method
of moments start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as scipy_stats

__all__ = ["NbdFit", "fit_nbd", "nbd_shares"]


@dataclass(frozen=True)
class NbdFit:
    """A fitted NBD and how well it describes the observed shares.

    Attributes:
        mean: ``m``, purchases per customer (all customers, buyers or not).
        shape: ``k``; small ``k`` means very unequal buying rates.
        observed: shares of customers with 0..K purchases (K: K or more).
        fitted: the same shares under the fitted NBD.
        max_difference: the largest absolute difference between observed and fitted shares.
    """

    mean: float
    shape: float
    observed: tuple[float, ...]
    fitted: tuple[float, ...]
    max_difference: float


def nbd_shares(mean: float, shape: float, classes: int) -> np.ndarray:
    """NBD shares of 0..classes-1 purchases, the last class "classes-1 or more"."""
    p = shape / (shape + mean)
    shares = scipy_stats.nbinom.pmf(np.arange(classes - 1), shape, p)
    return np.append(shares, max(0.0, 1.0 - float(shares.sum())))


def fit_nbd(shares: np.ndarray | list[float]) -> NbdFit | None:
    """The maximum-likelihood NBD for observed shares of 0..K purchases (None: no buyers).

    Raises:
        ValueError: fewer than three classes, or shares that are negative or sum to zero.
    """
    observed = np.asarray(shares, dtype=float)
    if observed.ndim != 1 or observed.size < 3:
        raise ValueError("an NBD fit needs the shares of 0, 1 and more purchases")
    if (observed < 0).any() or observed.sum() <= 0:
        raise ValueError("purchase shares must be at least 0 and not all 0")
    observed = observed / observed.sum()
    counts = np.arange(observed.size, dtype=float)
    m0 = float((observed * counts).sum())
    if m0 <= 0:
        return None
    var = float((observed * (counts - m0) ** 2).sum())
    k0 = m0 * m0 / (var - m0) if var > m0 * 1.01 else 100.0

    def loss(x: np.ndarray) -> float:
        fitted = nbd_shares(math.exp(x[0]), math.exp(x[1]), observed.size)
        return -float((observed * np.log(np.maximum(fitted, 1e-300))).sum())

    best = optimize.minimize(loss, np.array([math.log(m0), math.log(k0)]), method="L-BFGS-B",
                             bounds=[(math.log(m0) - 5, math.log(m0) + 5), (-9.0, 9.0)])
    mean, shape = math.exp(best.x[0]), math.exp(best.x[1])
    fitted = nbd_shares(mean, shape, observed.size)
    return NbdFit(mean=mean, shape=shape, observed=tuple(observed.tolist()),
                  fitted=tuple(fitted.tolist()),
                  max_difference=float(np.abs(fitted - observed).max()))
