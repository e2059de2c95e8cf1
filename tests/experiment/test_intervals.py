"""Tests for sim/experiment/intervals.py: the bounds of every outcome, and t intervals that
stay inside them without losing coverage."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.columns import COLUMNS
from sim.experiment.intervals import (
    METRIC_BOUNDS,
    UNBOUNDED,
    difference_bounds,
    mean_ci,
    value_bounds,
    with_bounds,
)
from sim.experiment.task import OUTCOME_METRICS

SHARES = ("loyal_share", "share_units", "retention_rate", "churn_rate", "satisfaction", "trust")


def test_every_outcome_metric_has_its_bounds_from_one_table() -> None:
    assert set(METRIC_BOUNDS) == set(OUTCOME_METRICS)
    for metric in SHARES:
        assert METRIC_BOUNDS[metric] == (0.0, 1.0), metric
    assert METRIC_BOUNDS["active"] == (0.0, math.inf)  # a count of customers
    for metric in ("cumulative_profit", "discounted_profit", "customer_equity", "profit"):
        assert METRIC_BOUNDS[metric] == UNBOUNDED, metric


def test_column_bounds_follow_the_units_of_the_columns() -> None:
    for column, (unit, _) in COLUMNS.items():
        if unit == "0..1":
            assert value_bounds(column) == (0.0, 1.0), column
        elif unit in ("money", "money/unit"):
            assert value_bounds(column) == UNBOUNDED, column
    assert value_bounds("loyal") == (0.0, math.inf)


def test_value_bounds_read_the_metric_of_an_outcome() -> None:
    assert value_bounds("loyal_share@Gamma") == (0.0, 1.0)
    assert value_bounds("churn_rate@Alpha") == (0.0, 1.0)
    assert value_bounds("cumulative_profit@Alpha") == UNBOUNDED
    assert value_bounds("no_such_metric@Alpha") == UNBOUNDED


def test_a_difference_of_two_shares_lies_between_minus_one_and_one() -> None:
    assert difference_bounds((0.0, 1.0)) == (-1.0, 1.0)
    assert difference_bounds((0.0, math.inf)) == (-math.inf, math.inf)
    assert difference_bounds(UNBOUNDED) == UNBOUNDED


def test_a_share_of_two_runs_gets_an_interval_inside_zero_to_one() -> None:
    plain = mean_ci([0.0, 0.08])  # t(0.975, 1) = 12.7: about [-0.47, 0.55]
    assert plain.low < 0.0
    share = mean_ci([0.0, 0.08], bounds=(0.0, 1.0))
    assert share.mean == pytest.approx(0.04)
    assert share.low == 0.0 and share.high == pytest.approx(plain.high)
    high = mean_ci([0.85, 0.99], bounds=(0.0, 1.0))
    assert high.high == 1.0 and high.low == pytest.approx(mean_ci([0.85, 0.99]).low)


def test_intersecting_with_the_bounds_keeps_the_coverage() -> None:
    """P(mu in C ∩ B) = P(mu in C) when mu lies in B: the clipped interval covers the true
    mean exactly when the t interval does, sample by sample (a skewed share near zero)."""
    rng = np.random.default_rng(11)
    true_mean = 0.5 / (0.5 + 8.0)  # Beta(0.5, 8)
    samples = rng.beta(0.5, 8.0, size=(2_000, 4))
    plain = [mean_ci(s).contains(true_mean) for s in samples]
    clipped = [mean_ci(s, bounds=(0.0, 1.0)) for s in samples]
    assert [c.contains(true_mean) for c in clipped] == plain
    assert all(0.0 <= c.low <= c.high <= 1.0 for c in clipped)
    assert sum(c.low == 0.0 for c in clipped) > 1_000  # most plain intervals went below zero


def test_with_bounds_takes_one_range_per_row() -> None:
    summary = pd.DataFrame({"mean": [0.04, 0.04], "sd": [0.0566, 0.0566], "n": [2, 2]})
    bounded = with_bounds(summary, 0.95, [(0.0, 1.0), UNBOUNDED])
    assert bounded.loc[0, "low"] == 0.0
    assert bounded.loc[1, "low"] < 0.0
    assert bounded.loc[0, "high"] == pytest.approx(bounded.loc[1, "high"])
