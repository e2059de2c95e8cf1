"""Confidence intervals of means over runs: of one sample, or of every row of a summary table.

Core objects:
    Interval: a mean with its confidence interval, the sample size and standard deviation.
    mean_ci: the Student-t interval of the mean of a sample.
    with_bounds: the same interval for each row of a table of means, standard deviations and
        counts.
    DEFAULT_LEVEL: the confidence level of every interval unless a caller asks for another.
    METRIC_BOUNDS, value_bounds, difference_bounds: the range every outcome metric and
        time-series value must lie in (shares and rates in [0, 1], counts at least 0), from
        one place, so that intervals can respect it.

Statistical rules:
    * Each run is one independent observation. An interval is the Student-t interval of the
      mean, ``mean ± t(1 - (1 - level) / 2, n - 1) · sd / √n`` with the sample standard
      deviation (``ddof=1``); it needs no normality of the runs once n is moderate and is exact
      for normal outcomes. With fewer than two observations the bounds are NaN; with zero
      spread they equal the mean.
    * Missing values (NaN) are dropped before counting ``n``.
    * A bounded quantity gets its t interval **intersected with its bounds** (a share's mean
      lies in [0, 1], a paired difference of two shares in [-1, 1]). The intersection keeps the
      coverage: the true mean always lies in the bounds, so whenever the t interval covers it
      the intersection does too, ``P(mu in C ∩ B) = P(mu in C)`` (the confidence set
      intersected with the parameter space; Mandelkern 2002, "Setting confidence intervals for
      bounded parameters", Statistical Science 17(2): 149-172). It cannot be empty here, for
      the sample mean of values within the bounds lies within them. With few runs near a
      bound the clipped side says only "at least 0" or "at most 1": it is no more precise than
      the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from sim.columns import COLUMNS
from sim.experiment.task import OUTCOME_METRICS

__all__ = [
    "DEFAULT_LEVEL",
    "METRIC_BOUNDS",
    "UNBOUNDED",
    "Bounds",
    "Interval",
    "check_level",
    "difference_bounds",
    "float_array",
    "mean_ci",
    "value_bounds",
    "with_bounds",
]

DEFAULT_LEVEL = 0.95
"""Confidence level of every interval unless a caller asks for another."""

Bounds = tuple[float, float]
"""The closed range ``(low, high)`` a quantity must lie in; infinite ends are open."""

UNBOUNDED: Bounds = (-math.inf, math.inf)
"""The range of a quantity with no bound (money, profit)."""

UNIT_BOUNDS: dict[str, Bounds] = {
    "0..1": (0.0, 1.0),
    "customers": (0.0, math.inf),
    "units": (0.0, math.inf),
    "purchases": (0.0, math.inf),
}
"""The range implied by a time-series column's unit (:data:`sim.columns.COLUMNS`): shares,
rates and means of 0..1 scores lie in [0, 1]; counts are at least 0."""

DERIVED_BOUNDS: dict[str, Bounds] = {
    "loyal_share": (0.0, 1.0),  # loyal customers / all customers
    "churn_rate": (0.0, 1.0),  # 1 - retention_rate
}
"""The range of the outcome metrics that are not a column (:data:`OUTCOME_METRICS`)."""


def _metric_bounds(metric: str) -> Bounds:
    if metric in DERIVED_BOUNDS:
        return DERIVED_BOUNDS[metric]
    if metric in COLUMNS:
        return UNIT_BOUNDS.get(COLUMNS[metric][0], UNBOUNDED)
    return UNBOUNDED


METRIC_BOUNDS: dict[str, Bounds] = {metric: _metric_bounds(metric) for metric in OUTCOME_METRICS}
"""The range of every outcome metric (``metric`` of ``metric@Firm``): the one place intervals
take their bounds from, derived from the columns' units and :data:`DERIVED_BOUNDS`."""


def value_bounds(name: str) -> Bounds:
    """The range of an outcome ``metric@Firm``, a metric, or a time-series column.

    ``loyal_share@Gamma -> (0, 1)``, ``satisfaction -> (0, 1)``, ``active@Alpha -> (0, inf)``,
    ``cumulative_profit@Alpha`` or an unknown name -> ``(-inf, inf)``.
    """
    metric = str(name).partition("@")[0]
    return METRIC_BOUNDS.get(metric) or _metric_bounds(metric)


def difference_bounds(bounds: Bounds) -> Bounds:
    """The range of ``b - a`` when a and b both lie in ``bounds``: ``(low - high, high - low)``.

    Two shares in [0, 1] differ by at most 1 either way: ``(0, 1) -> (-1, 1)``; a count at
    least 0 gives an unbounded difference.
    """
    low, high = bounds
    return (low - high, high - low)


@dataclass(frozen=True)
class Interval:
    """A sample mean with its Student-t confidence interval.

    Attributes:
        mean: the sample mean (NaN for an empty sample).
        low: lower bound of the interval (NaN when n < 2).
        high: upper bound of the interval (NaN when n < 2).
        n: observations used (after dropping NaN).
        sd: sample standard deviation, ``ddof=1`` (NaN when n < 2).
    """

    mean: float
    low: float
    high: float
    n: int
    sd: float

    @property
    def half_width(self) -> float:
        """Half the interval's width (NaN when n < 2)."""
        return (self.high - self.low) / 2.0

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the closed interval (False when the bounds are NaN)."""
        return bool(self.low <= value <= self.high)

    def excludes_zero(self) -> bool:
        """Whether the whole interval lies above or below zero (False when bounds are NaN)."""
        return bool(self.low > 0.0 or self.high < 0.0)


def check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1 (got {level})")
    return level


def _t_half_widths(sd: np.ndarray, n: np.ndarray, level: float) -> np.ndarray:
    """``t(1 - (1 - level)/2, n - 1) · sd / √n`` elementwise; NaN where n < 2."""
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n, dtype=float)
    half = np.full(np.broadcast(sd, n).shape, np.nan)
    enough = n >= 2
    if np.any(enough):
        quantile = scipy_stats.t.ppf(0.5 + level / 2.0, n[enough] - 1.0)
        half[enough] = quantile * sd[enough] / np.sqrt(n[enough])
    return half


def mean_ci(values: Any, level: float = DEFAULT_LEVEL, bounds: Bounds = UNBOUNDED) -> Interval:
    """The mean of a sample and its Student-t confidence interval, within ``bounds``.

    Args:
        values: numbers (a list, array or Series); NaN (and pandas NA) values are dropped.
        level: confidence level, strictly between 0 and 1.
        bounds: the range the mean must lie in (e.g. ``(0, 1)`` for a share); the t interval
            is intersected with it (see the module's rules: the coverage is kept).

    Returns:
        The :class:`Interval`. For one observation the mean is that value and the bounds and
        sd are NaN; for none, everything but ``n = 0`` is NaN.

    Raises:
        ValueError: ``level`` is not in (0, 1), or a value is not a number.
    """
    level = check_level(level)
    sample = float_array(values)
    sample = sample[~np.isnan(sample)]
    n = int(sample.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, math.nan)
    mean = float(sample.mean())
    if n == 1:
        return Interval(mean, math.nan, math.nan, 1, math.nan)
    sd = float(sample.std(ddof=1))
    half = float(_t_half_widths(np.array([sd]), np.array([n]), level)[0])
    low, high = _clip(np.array([mean - half]), np.array([mean + half]), bounds)
    return Interval(mean, float(low[0]), float(high[0]), n, sd)


def _clip(low: np.ndarray, high: np.ndarray, bounds: Any) -> tuple[np.ndarray, np.ndarray]:
    """Intersect intervals with their bounds: one ``(low, high)`` pair or an array of pairs."""
    limits = np.asarray(bounds, dtype=float).reshape(-1, 2)
    lower, upper = limits[:, 0], limits[:, 1]
    return np.clip(low, lower, upper), np.clip(high, lower, upper)


def float_array(values: Any) -> np.ndarray:
    """Values as a 1-D float array; None and pandas NA become NaN; text is refused."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype("float64", copy=False).ravel()
    sample = pd.to_numeric(pd.Series(values, dtype="object"), errors="raise")
    return sample.astype("float64").to_numpy()


def with_bounds(summary: pd.DataFrame, level: float,
                bounds: Bounds | Sequence[Bounds] = UNBOUNDED) -> pd.DataFrame:
    """Add ``low``/``high`` to a frame with ``mean``, ``sd`` and ``n``; NaN sd when n < 2.

    ``bounds`` is one range for every row, or one per row; each t interval is intersected
    with its range (the module's rules).
    """
    n = summary["n"].to_numpy(dtype=float)
    sd = summary["sd"].to_numpy(dtype=float)
    half = _t_half_widths(sd, n, level)
    summary = summary.copy()
    mean = summary["mean"].to_numpy(dtype=float)
    low, high = _clip(mean - half, mean + half, bounds if len(summary) else UNBOUNDED)
    summary["sd"] = np.where(n >= 2, sd, np.nan)
    summary["low"] = low
    summary["high"] = high
    summary["n"] = summary["n"].astype("int64")
    return summary
