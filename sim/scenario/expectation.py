"""Lesson expectations: what a teaching scenario claims, checked over replications.

A lesson scenario states its lesson as ``expectations``; ``stratsim check`` runs the scenario
``check.replications`` times (seeds derived from ``check.seed``) and reports, for each
expectation, in how many replications it held, with the numbers behind it. For example::

    check: {replications: 20}
    expectations:
      - claim: relationships pay later - Gamma out-earns Alpha by month 60
        left: cumulative_profit@Gamma
        op: ">"
        right: cumulative_profit@Alpha
        at: 60
        holds_in: 0.8

``left`` and ``right`` name a time-series column of a firm (``column@Firm``; any column of
docs/outputs.md, or ``<count>_share`` for a count divided by the number of customers, e.g.
``loyal_share``), or ``right`` is a number. Each is read at period ``at`` (default: the last),
or averaged over ``over: [first, last]``; ``right_at``/``right_over`` read the right side at
another time (e.g. before and after an event). The expectation holds in a replication when
``left op factor * right``; it holds overall when it held in at least ``holds_in`` of the
replications.
"""

from __future__ import annotations

import math
import operator
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["CheckSpec", "Expectation", "ExpectationResult", "evaluate", "series_value"]

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CheckSpec(_Strict):
    """How ``stratsim check`` runs a lesson."""

    replications: int = Field(20, ge=1, le=10_000, description="replications to run")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="seed of the replication seeds")


class Expectation(_Strict):
    """One claim of a lesson, checked over replications."""

    claim: str = Field(..., min_length=1, description="the claim in words, shown by check")
    left: str = Field(..., description="column@Firm, e.g. cumulative_profit@Gamma")
    op: Literal[">", ">=", "<", "<="] = Field(">", description="comparison")
    right: str | float = Field(..., description="column@Firm or a number")
    factor: float = Field(1.0, description="the right side is multiplied by this")
    at: int | None = Field(None, ge=1, description="period to read (default: the last)")
    over: tuple[int, int] | None = Field(None, description="mean over periods [first, last]")
    right_at: int | None = Field(None, ge=1, description="period of the right side")
    right_over: tuple[int, int] | None = Field(None, description="right side's periods")
    holds_in: float = Field(0.8, gt=0.0, le=1.0,
                            description="share of replications in which it must hold")

    @model_validator(mode="after")
    def _shape(self) -> Expectation:
        for side in ("left", "right"):
            value = getattr(self, side)
            if isinstance(value, str):
                column, at, firm = value.partition("@")
                if not at or not column or not firm:
                    raise ValueError(f"{side}: name a firm's column as column@Firm (got"
                                     f" {value!r})")
        if self.at is not None and self.over is not None:
            raise ValueError("give 'at' or 'over', not both")
        if self.right_at is not None and self.right_over is not None:
            raise ValueError("give 'right_at' or 'right_over', not both")
        for name in ("over", "right_over"):
            span = getattr(self, name)
            if span is not None and not 1 <= span[0] <= span[1]:
                raise ValueError(f"{name}: [first, last] periods with 1 <= first <= last")
        return self

    def sides(self) -> list[str]:
        """The column@Firm names this expectation reads."""
        return [s for s in (self.left, self.right) if isinstance(s, str)]


def series_value(timeseries: pd.DataFrame, name: str, customers: int,
                 at: int | None = None, over: tuple[int, int] | None = None) -> float:
    """A firm's column at a period (or its mean over periods) in one run's time series.

    ``<count>_share`` divides a count column (e.g. ``loyal``) by the number of customers.
    A firm not in the market at that period gives NaN.
    """
    column, _, firm = name.partition("@")
    rows = timeseries[timeseries["firm"] == firm]
    divide = 1.0
    if column not in timeseries.columns and column.endswith("_share"):
        base = column.removesuffix("_share")
        if base in timeseries.columns:
            column, divide = base, float(customers)
    if column not in timeseries.columns:
        raise KeyError(f"no column '{column}' in the time series")
    if over is not None:
        picked = rows[(rows["period"] >= over[0]) & (rows["period"] <= over[1])][column]
        return float(picked.mean()) / divide if len(picked) else math.nan
    period = int(timeseries["period"].max()) if at is None else at
    picked = rows[rows["period"] == period][column]
    return float(picked.iloc[0]) / divide if len(picked) else math.nan


class ExpectationResult(BaseModel):
    """An expectation's outcome over the replications."""

    expectation: Expectation
    held_in: int
    replications: int
    left_mean: float
    right_mean: float

    @property
    def share(self) -> float:
        """Share of replications in which it held."""
        return self.held_in / self.replications if self.replications else 0.0

    @property
    def holds(self) -> bool:
        """Whether it held in at least ``holds_in`` of the replications."""
        return self.replications > 0 and self.share + 1e-12 >= self.expectation.holds_in

    def line(self) -> str:
        """One line for the terminal: verdict, claim, and the numbers behind it."""
        e = self.expectation
        right = e.right if isinstance(e.right, str) else f"{e.right:g}"
        factor = f"{e.factor:g} x " if e.factor != 1.0 else ""
        verdict = "held    " if self.holds else "NOT HELD"
        return (f"{verdict} {e.claim}\n"
                f"         {e.left} {e.op} {factor}{right}: in {self.held_in} of"
                f" {self.replications} replications ({self.share:.0%}; needs"
                f" {e.holds_in:.0%}); means {_fmt(self.left_mean)} vs"
                f" {_fmt(e.factor * self.right_mean)}")


def _fmt(x: float) -> str:
    if x != x:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def evaluate(expectation: Expectation, runs: list[pd.DataFrame],
             customers: int) -> ExpectationResult:
    """Check one expectation against the time series of every replication."""
    e = expectation
    held, lefts, rights = 0, [], []
    compare = OPS[e.op]
    for ts in runs:
        left = series_value(ts, e.left, customers, e.at, e.over)
        if isinstance(e.right, str):
            right_at = e.right_at if (e.right_at or e.right_over) else e.at
            right_over = e.right_over if (e.right_at or e.right_over) else e.over
            right = series_value(ts, e.right, customers, right_at, right_over)
        else:
            right = float(e.right)
        lefts.append(left)
        rights.append(right)
        if not (math.isnan(left) or math.isnan(right)) and compare(left, e.factor * right):
            held += 1
    return ExpectationResult(expectation=e, held_in=held, replications=len(runs),
                             left_mean=_mean(lefts), right_mean=_mean(rights))


def _mean(xs: list[float]) -> float:
    return float(pd.Series(xs, dtype=float).mean()) if xs else math.nan
