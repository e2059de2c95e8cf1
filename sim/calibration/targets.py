"""Calibration targets: what a figure means in a run, and how far a candidate market is from it.

A :class:`Target` is one figure of the strategist's (``churn_rate@Alpha = 0.03 ± 0.004``) read
the way every other command reads the name:

* an **outcome** without a window is exactly the outcome of that name in an experiment's
  ``runs`` table (:func:`sim.experiment.task.final_outcomes`), so a target can be copied from
  a past ``compare``;
* an outcome with a window ``[first, last]`` is its mean per period over those periods, read
  from the run's time series (:data:`sim.measures.WINDOWED_METRICS`);
* a **diagnostic measure** is the measure of ``stratsim diagnose`` over the diagnosis window
  (the scenario's last periods), from the same replication.

A candidate is scored on every replication: a target's achieved value is the mean over the
replications, with its Student-t interval (:func:`sim.experiment.intervals.mean_ci`). Its
**weighted residual** is ``z = (achieved - value) / sigma`` with ``sigma`` the figure's
standard error (a tolerance ``h`` counts as ``sigma = h / 2``, so it is met when ``|z| <= 2``),
and a candidate's **objective** is ``S = sum z^2``: the weighted least-squares distance of the
method of simulated moments (McFadden 1989; Gourieroux & Monfort 1996, ch. 2), with the
weight of each moment the inverse variance of the figure it targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.diagnosis import LABELS
from sim.experiment.intervals import Bounds, Interval, mean_ci, value_bounds

__all__ = ["MET_Z", "Target", "objective"]

MET_Z = 2.0
"""A target is met when its weighted residual is within ±2: within its tolerance, or within
two standard errors of the figure."""


@dataclass(frozen=True)
class Target:
    """One figure the calibrated market should reproduce.

    Attributes:
        name: as the user wrote it (``price_elasticity@Alpha``).
        metric: the canonical metric (``elasticity_price``).
        firm: the firm ("" for a category measure).
        kind: ``outcome`` or ``diagnostic``.
        value: the figure.
        half_width: the tolerance (met within ±this).
        window: an outcome's window ``(first, last)`` (None: the runs-table outcome), or a
            measure's diagnosis window.
        origin: where it was written (``calibration.yaml:4:5``, ``--target 2``).
    """

    name: str
    metric: str
    firm: str
    kind: str
    value: float
    half_width: float
    window: tuple[int, int] | None
    origin: str

    @property
    def column(self) -> str:
        """Its column in the ``runs`` table of a candidate's replications."""
        return f"{self.metric}@{self.firm}"

    @property
    def label(self) -> str:
        """Its name with its window, as tables show it (``churn_rate@Alpha[49-60]``)."""
        if self.kind == "outcome" and self.window is not None:
            return f"{self.name}[{self.window[0]}-{self.window[1]}]"
        return self.name

    @property
    def sigma(self) -> float:
        """The figure's standard error (half the tolerance)."""
        return self.half_width / MET_Z

    @property
    def bounds(self) -> Bounds:
        """The range the metric lies in (shares in [0, 1]; elasticities unbounded)."""
        if self.kind == "diagnostic":
            return LABELS[self.metric][1]
        return value_bounds(self.metric)

    @property
    def windowed(self) -> bool:
        """An outcome read from the time series over a window."""
        return self.kind == "outcome" and self.window is not None

    def values(self, runs: pd.DataFrame, series: pd.DataFrame | None,
               real_customers: float) -> np.ndarray:
        """One value per run (``runs`` rows, in their order; NaN where undefined)."""
        if not self.windowed:
            if self.column not in runs:
                return np.full(len(runs), math.nan)
            return runs[self.column].to_numpy(dtype=float)
        assert self.window is not None and series is not None
        first, last = self.window
        rows = series[(series["firm"] == self.firm) & (series["period"] >= first)
                      & (series["period"] <= last)]
        by_run = rows.groupby("run_id", sort=False)
        metric = self.metric
        if metric in ("retention_rate", "churn_rate"):
            per = by_run["retention_rate"].mean()
            per = 1.0 - per if metric == "churn_rate" else per
        elif metric == "loyal_share":
            per = by_run["loyal"].mean() / real_customers
        else:
            per = by_run[metric].mean()
        return per.reindex(runs["run_id"]).to_numpy(dtype=float)

    def achieved(self, values: np.ndarray) -> Interval:
        """The mean over replications with its 95% interval, inside the metric's range."""
        return mean_ci(values, bounds=self.bounds)

    def residual(self, mean: float) -> float:
        """The weighted residual ``(mean - value) / sigma`` (NaN if undefined)."""
        return (mean - self.value) / self.sigma if math.isfinite(mean) else math.nan


def objective(residuals: list[float]) -> float:
    """``S = sum z^2``; infinite when a target is undefined for the candidate (a firm that left
    the market has no churn)."""
    if not residuals or not all(math.isfinite(z) for z in residuals):
        return math.inf
    return float(sum(z * z for z in residuals))
