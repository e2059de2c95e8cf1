"""The ``calibration:`` section of a scenario (or a file of its own): what ``stratsim calibrate``
fits the market to, and which fields it may move.

For example::

    calibration:
      targets:
        - metric: churn_rate@Alpha        # an outcome of an experiment's runs table
          value: 0.03
          tolerance: 0.004                # met when the fit is within ±0.004
        - metric: share_units@Beta
          value: 0.25
          se: 0.01                        # or a standard error (met within 2 se)
          window: [49, 60]                # the mean over periods 49..60
        - metric: price_elasticity@Alpha  # a measure of stratsim diagnose
          value: -2.5
          tolerance: 0.5
      parameters:
        market.behaviour.choice_scale: {low: 5, high: 20}
        market.segments.rational.purchase_rate: {low: 0.2, high: 0.8}
      budget: 200                         # simulation runs in all
      replications: 4                     # runs per candidate market (common random numbers)

A target names a number in the vocabulary of :mod:`sim.measures`: an outcome (``metric@Firm``,
exactly the outcome of that name in an experiment's ``runs`` table; with a ``window``, its mean
per period over those periods) or a diagnostic measure (``measure@Firm``, or a category measure
without a firm, over the diagnosis window: the scenario's last periods). Its weight is its
uncertainty: a ``tolerance`` (the half-width within which a fit meets it) or a standard error
``se`` (a tolerance of 2 se); without either, a tolerance of 10% of the value. Names of firms,
windows and parameter paths are checked against the scenario by ``stratsim calibrate`` and
``stratsim validate`` (:mod:`sim.calibration.problem`).
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from sim.levers import Strict
from sim.measures import (
    CATEGORY_MEASURES,
    DIAGNOSTIC_MEASURES,
    MEASURE_ALIASES,
    OUTCOME_METRICS,
    WINDOWED_METRICS,
)
from sim.scenario.changes import did_you_mean

__all__ = ["DEFAULT_RELATIVE_TOLERANCE", "CalibrationSpec", "ParameterRange", "TargetSpec",
           "measure_kind", "split_metric"]

DEFAULT_RELATIVE_TOLERANCE = 0.1
"""A target given without a tolerance or a standard error may miss by 10% of its value."""


def split_metric(name: str) -> tuple[str, str]:
    """``metric@Firm`` as ``(metric, firm)`` with the metric's canonical name (aliases of
    :data:`~sim.measures.MEASURE_ALIASES` resolved); ``(metric, "")`` for a category measure."""
    metric, _, firm = name.strip().partition("@")
    metric = metric.strip()
    return MEASURE_ALIASES.get(metric, metric), firm.strip()


def measure_kind(metric: str) -> str:
    """``outcome`` or ``diagnostic`` for a canonical metric name, else ``""``."""
    if metric in OUTCOME_METRICS:
        return "outcome"
    if metric in DIAGNOSTIC_MEASURES:
        return "diagnostic"
    return ""


def known_metrics() -> list[str]:
    """Every metric a target may name, outcomes first, then measures and their aliases."""
    return [*OUTCOME_METRICS, *DIAGNOSTIC_MEASURES, *MEASURE_ALIASES]


class TargetSpec(Strict):
    """One figure the calibrated market should reproduce."""

    metric: str = Field(..., description="metric@Firm (an outcome, e.g. churn_rate@Alpha, or a"
                        " diagnostic measure, e.g. price_elasticity@Alpha), or a category"
                        " measure without a firm (no_purchase, penetration, frequency)")
    value: float = Field(..., description="the figure to reproduce")
    tolerance: float | None = Field(None, gt=0, description="met when the fit is within ±this"
                                    " (default: 10% of the value)")
    se: float | None = Field(None, gt=0, description="or the figure's standard error (met"
                             " within 2 se)")
    window: tuple[int, int] | None = Field(None, description="periods [first, last]: the mean"
                                           " per period over them (outcomes), or the diagnosis"
                                           " window (measures; it must end at the last period)")

    @field_validator("metric")
    @classmethod
    def _known(cls, v: str) -> str:
        metric, firm = split_metric(v)
        kind = measure_kind(metric)
        if not kind:
            name = v.partition("@")[0].strip()
            raise ValueError(f"unknown metric '{name}'{did_you_mean(name, known_metrics())};"
                             f" metrics: {', '.join(known_metrics())}")
        if not firm and not (kind == "diagnostic" and metric in CATEGORY_MEASURES):
            raise ValueError(f"'{v}' needs a firm: write {v.strip()}@FIRM (only"
                             f" {', '.join(sorted(CATEGORY_MEASURES))} are measured for the"
                             " whole category)")
        if firm and metric == "no_purchase":
            raise ValueError("no_purchase is measured for the whole category: write it"
                             " without @FIRM")
        return v.strip()

    @model_validator(mode="after")
    def _uncertainty_and_window(self) -> Self:
        if self.tolerance is not None and self.se is not None:
            raise ValueError("give a tolerance or a standard error (se), not both")
        if self.tolerance is None and self.se is None and self.value == 0:
            raise ValueError("a target of 0 needs a tolerance or an se (the default tolerance"
                             " is 10% of the value)")
        if self.window is not None:
            first, last = self.window
            if not 1 <= first <= last:
                raise ValueError(f"window: periods go from first to last, from 1 (got"
                                 f" [{first}, {last}])")
            metric, _ = split_metric(self.metric)
            if measure_kind(metric) == "outcome" and metric not in WINDOWED_METRICS:
                raise ValueError(f"{metric} is a value at the last period: it takes no window"
                                 f" (windows: {', '.join(WINDOWED_METRICS)})")
        return self

    @property
    def half_width(self) -> float:
        """Within this of the value the fit meets the target: the tolerance, or 2 se."""
        if self.tolerance is not None:
            return self.tolerance
        if self.se is not None:
            return 2.0 * self.se
        return DEFAULT_RELATIVE_TOLERANCE * abs(self.value)


class ParameterRange(Strict):
    """The range a free parameter is searched over (integers if both bounds are)."""

    low: float | int = Field(..., description="lowest value tried")
    high: float | int = Field(..., description="highest value tried")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low < self.high:
            raise ValueError(f"a range goes from low to high (got low {self.low}, high"
                             f" {self.high})")
        return self

    @property
    def integer(self) -> bool:
        """Both bounds are whole numbers written as integers: the parameter is an integer."""
        return isinstance(self.low, int) and isinstance(self.high, int)


class CalibrationSpec(Strict):
    """What ``stratsim calibrate`` fits, over what, with how many runs."""

    targets: list[TargetSpec] = Field(default_factory=list, description="the figures to fit")
    parameters: dict[str, ParameterRange] = Field(
        default_factory=dict, description="the free parameters: scenario field path ->"
        " {low, high}")
    budget: int = Field(200, ge=1, le=1_000_000, description="simulation runs in all"
                        " (candidates x replications)")
    replications: int = Field(4, ge=1, le=1000, description="runs per candidate market, on"
                              " the same seeds for every candidate (common random numbers)")
    batch: int = Field(8, ge=1, le=1000, description="candidates proposed and run together"
                       " (fixed, so results do not depend on the number of jobs)")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="seed of the replications"
                             " and of the search (default: the scenario's)")
    step: float = Field(0.05, gt=0, lt=0.5, description="relative lever change of elasticity"
                        " targets (as stratsim diagnose --step)")
