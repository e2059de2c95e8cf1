"""How far a fitted parameter could be from the best fit: 95% profile intervals.

With ``S`` a chi-square (the objective of :mod:`sim.calibration.fit`), the 95% confidence
interval of one parameter is the set of its values whose profile (the least ``S`` over the
other parameters) lies within ``chi2(1, 0.95) = 3.84`` of the minimum (Venzon & Moolgavkar
1988; Raue et al. 2009). Two estimates of it:

* **sampled**: the range of the parameter over the candidates with ``S <= S_min + 3.84`` (the
  projection of the sampled confidence region, exact where the candidates are dense, too
  narrow where they are sparse);
* **quadratic**: a second-order response surface ``S = c + g'u + u'Au`` fitted by least
  squares to the best candidates (at least twice as many as it has coefficients; Box & Wilson
  1951; Myers, Montgomery & Anderson-Cook 2016, ch. 6), with ``u`` the parameters scaled to
  their ranges. Where its curvature ``H = 2A`` is positive definite, the profile of
  parameter ``j`` rises by ``d^2 / (2 (H^-1)_jj)`` at a distance ``d`` from the minimum, so
  the interval's half-width is ``sqrt(2 * 3.84 * (H^-1)_jj)``, centred on the best
  candidate. Where it is not (a flat or saddle direction), the sampled interval stands alone.

Where the region holds at least as many candidates as the surface has coefficients, twice
over, the sampled interval is reported: it needs no model, and it sees a profile that rises on
one side only, which a quadratic cannot. Where the region is sparser, the union of the two is
reported (the sampled one alone would be too narrow). Intervals are clipped to the
parameters' ranges.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

__all__ = ["PROFILE_DELTA", "nearest_count", "profile_intervals", "quadratic_half_widths",
           "quadratic_minimum"]

PROFILE_DELTA = 3.841458820694124
"""``chi2(1).ppf(0.95)``: the rise of ``S`` that bounds a 95% profile interval."""


def _design_matrix(u: np.ndarray) -> np.ndarray:
    n, p = u.shape
    columns = [np.ones(n), *(u[:, j] for j in range(p))]
    columns += [u[:, i] * u[:, j] for i, j in itertools.combinations_with_replacement(range(p), 2)]
    return np.column_stack(columns)


def _curvature(coef: np.ndarray, p: int) -> np.ndarray:
    """The Hessian ``H`` of the fitted surface from its coefficients."""
    h = np.zeros((p, p))
    for k, (i, j) in enumerate(itertools.combinations_with_replacement(range(p), 2)):
        c = coef[1 + p + k]
        if i == j:
            h[i, i] = 2.0 * c
        else:
            h[i, j] = h[j, i] = c
    return h


def _fit(u: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The fitted surface's gradient at 0 and its Hessian, if there are at least twice as many
    points as coefficients and the surface is curved upward in every direction."""
    n, p = u.shape
    if n < 2 * (1 + p + p * (p + 1) // 2):
        return None
    coef, *_ = np.linalg.lstsq(_design_matrix(u), s, rcond=None)
    h = _curvature(coef, p)
    eigenvalues = np.linalg.eigvalsh(h)
    if not np.all(eigenvalues > 1e-9 * max(1.0, float(np.abs(eigenvalues).max()))):
        return None
    return coef[1:1 + p], h


def quadratic_minimum(u: np.ndarray, s: np.ndarray) -> np.ndarray | None:
    """The minimum ``-H^-1 g`` of the quadratic surface fitted to ``(u, s)`` (the stationary
    point of response-surface methodology; Box & Wilson 1951), or None (see :func:`_fit`)."""
    fitted = _fit(u, s)
    if fitted is None:
        return None
    g, h = fitted
    return -np.linalg.solve(h, g)


def quadratic_half_widths(u: np.ndarray, s: np.ndarray) -> np.ndarray | None:
    """Half-widths (in scaled units) of the quadratic surface's 95% profile intervals, or None
    when there are too few points or the surface is not curved upward in every direction."""
    fitted = _fit(u, s)
    if fitted is None:
        return None
    inverse = np.linalg.inv(fitted[1])
    return np.sqrt(2.0 * PROFILE_DELTA * np.diag(inverse))


def nearest_count(candidates: int, parameters: int) -> int:
    """How many of the best candidates a quadratic surface is fitted to: twice its
    coefficients (at least ``4p + 4``), or all there are."""
    p = parameters
    return min(candidates, max(2 * (1 + p + p * (p + 1) // 2), 4 * p + 4))


def profile_intervals(table: pd.DataFrame, ranges: dict[str, tuple[float, float]],
                      best: pd.Series) -> pd.DataFrame:
    """Per parameter: the sampled interval, the quadratic one (NaN if none), and the one
    reported (``low``, ``high``: see the module docstring).

    Args:
        table: scored candidates: one column per parameter and ``objective``.
        ranges: each parameter's ``(low, high)``.
        best: the best candidate's row.
    """
    names = list(ranges)
    low = np.array([ranges[n][0] for n in names], dtype=float)
    width = np.array([ranges[n][1] - ranges[n][0] for n in names], dtype=float)
    s_min = float(best["objective"])
    region = table[table["objective"] <= s_min + PROFILE_DELTA]
    p = len(names)
    nearest = table.nsmallest(nearest_count(len(table), p), "objective")
    u = (nearest[names].to_numpy(dtype=float) - low) / width
    half = quadratic_half_widths(u, nearest["objective"].to_numpy(dtype=float))
    dense = 2 * (1 + p + p * (p + 1) // 2)
    rows = []
    for j, name in enumerate(names):
        lo, hi = float(region[name].min()), float(region[name].max())
        q_lo = q_hi = math.nan
        if half is not None:
            centre = float(best[name])
            q_lo = max(ranges[name][0], centre - half[j] * width[j])
            q_hi = min(ranges[name][1], centre + half[j] * width[j])
        join = math.isfinite(q_lo) and len(region) < dense
        rows.append({"parameter": name, "sampled_low": lo, "sampled_high": hi,
                     "quadratic_low": q_lo, "quadratic_high": q_hi,
                     "low": min(lo, q_lo) if join else lo,
                     "high": max(hi, q_hi) if join else hi,
                     "fits_in_interval": len(region)})
    return pd.DataFrame(rows)
