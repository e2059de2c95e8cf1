"""Confidence intervals of means over runs: of one sample, or of every row of a summary table.

Core objects:
    Interval: a mean with its confidence interval, the sample size and standard deviation.
    mean_ci: the Student-t interval of the mean of a sample.
    with_bounds: the same interval for each row of a table of means, standard deviations and
        counts.
    DEFAULT_LEVEL: the confidence level of every interval unless a caller asks for another.

Statistical rules:
    * Each run is one independent observation. An interval is the Student-t interval of the
      mean, ``mean ± t(1 - (1 - level) / 2, n - 1) · sd / √n`` with the sample standard
      deviation (``ddof=1``); it needs no normality of the runs once n is moderate and is exact
      for normal outcomes. With fewer than two observations the bounds are NaN; with zero
      spread they equal the mean.
    * Missing values (NaN) are dropped before counting ``n``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

__all__ = [
    "DEFAULT_LEVEL",
    "Interval",
    "check_level",
    "float_array",
    "mean_ci",
    "with_bounds",
]

DEFAULT_LEVEL = 0.95
"""Confidence level of every interval unless a caller asks for another."""


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


def mean_ci(values: Any, level: float = DEFAULT_LEVEL) -> Interval:
    """The mean of a sample and its Student-t confidence interval.

    Args:
        values: numbers (a list, array or Series); NaN (and pandas NA) values are dropped.
        level: confidence level, strictly between 0 and 1.

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
    return Interval(mean, mean - half, mean + half, n, sd)


def float_array(values: Any) -> np.ndarray:
    """Values as a 1-D float array; None and pandas NA become NaN; text is refused."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype("float64", copy=False).ravel()
    sample = pd.to_numeric(pd.Series(values, dtype="object"), errors="raise")
    return sample.astype("float64").to_numpy()


def with_bounds(summary: pd.DataFrame, level: float) -> pd.DataFrame:
    """Add ``low``/``high`` to a frame with ``mean``, ``sd`` and ``n``; NaN sd when n < 2."""
    n = summary["n"].to_numpy(dtype=float)
    sd = summary["sd"].to_numpy(dtype=float)
    half = _t_half_widths(sd, n, level)
    summary = summary.copy()
    summary["sd"] = np.where(n >= 2, sd, np.nan)
    summary["low"] = summary["mean"].to_numpy(dtype=float) - half
    summary["high"] = summary["mean"].to_numpy(dtype=float) + half
    summary["n"] = summary["n"].astype("int64")
    return summary
