"""What a target reads from a candidate's runs, and how far a candidate is from it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.calibration.targets import Target, objective


def target(metric: str, firm: str = "A", *, window=None, value=0.5, half_width=0.1,
           kind="outcome") -> Target:
    return Target(name=f"{metric}@{firm}", metric=metric, firm=firm, kind=kind, value=value,
                  half_width=half_width, window=window, origin="--target 1")


RUNS = pd.DataFrame({"run_id": ["c1-r000", "c1-r001"], "churn_rate@A": [0.02, 0.04],
                     "elasticity_price@A": [-2.0, -3.0]})
SERIES = pd.DataFrame({
    "run_id": ["c1-r000"] * 4 + ["c1-r001"] * 4,
    "firm": ["A", "A", "B", "A"] * 2,
    "period": [1, 2, 2, 3] * 2,
    "retention_rate": [0.9, 0.8, 0.5, 0.7, 0.95, 0.85, 0.5, 0.75],
    "loyal": [100.0, 200.0, 999.0, 300.0, 0.0, 100.0, 999.0, 200.0],
    "share_units": [0.1, 0.2, 0.8, 0.3, 0.2, 0.3, 0.7, 0.4],
})


def test_an_outcome_without_a_window_is_the_runs_table_column():
    values = target("churn_rate").values(RUNS, None, 1000.0)
    assert values.tolist() == [0.02, 0.04]
    measure = target("elasticity_price", kind="diagnostic")
    assert measure.values(RUNS, None, 1000.0).tolist() == [-2.0, -3.0]
    assert np.isnan(target("churn_rate", "B").values(RUNS, None, 1000.0)).all()


def test_a_windowed_outcome_is_its_mean_per_period_over_the_window():
    churn = target("churn_rate", window=(2, 3)).values(RUNS, SERIES, 1000.0)
    assert churn == pytest.approx([1 - 0.75, 1 - 0.8])
    retention = target("retention_rate", window=(1, 2)).values(RUNS, SERIES, 1000.0)
    assert retention == pytest.approx([0.85, 0.9])
    loyal = target("loyal_share", window=(1, 3)).values(RUNS, SERIES, 1000.0)
    assert loyal == pytest.approx([0.2, 0.1])  # loyal customers / the real market's customers
    share = target("share_units", window=(3, 3)).values(RUNS, SERIES, 1000.0)
    assert share == pytest.approx([0.3, 0.4])
    assert target("churn_rate", window=(2, 3)).label == "churn_rate@A[2-3]"


def test_the_achieved_value_is_the_mean_with_its_interval_inside_the_range():
    t = target("churn_rate")
    ci = t.achieved(np.array([0.001, 0.003, 0.002]))
    assert ci.mean == pytest.approx(0.002)
    assert 0.0 <= ci.low < ci.mean < ci.high <= 1.0  # a churn rate's interval stays in [0, 1]
    assert target("elasticity_price", kind="diagnostic").bounds == (-math.inf, math.inf)


def test_the_residual_is_in_standard_errors_and_the_objective_sums_their_squares():
    t = target("churn_rate", value=0.03, half_width=0.01)
    assert t.sigma == 0.005
    assert t.residual(0.04) == pytest.approx(2.0)
    assert math.isnan(t.residual(math.nan))
    assert objective([2.0, -1.0]) == 5.0
    assert objective([1.0, math.nan]) == math.inf
    assert objective([]) == math.inf
