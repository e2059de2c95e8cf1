"""Every shipped scenario is valid, runs, and keeps the model's invariants on every period."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.market.ledger import COST_LINES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
CLASSES = ["unaware", "potential", "new", "repeat", "loyal", "lapsed"]


def check_invariants(df: pd.DataFrame, customers: float) -> None:
    """The invariants of MODEL.md / issue 2, on every row of a time series."""
    # shares of the firms plus the outside option sum to 1, every period
    per_period = df.groupby("period").agg(firms=("share_units", "sum"),
                                          outside=("share_outside", "first"))
    np.testing.assert_allclose(per_period.firms + per_period.outside, 1.0, atol=1e-9)
    # counts are never negative
    counts = ["customers", "units", "acquired", "retained", "churned", "active", "spurious",
              "mvc", "mgc", "bz",
              *CLASSES]
    assert (df[counts] >= 0).all().all()
    # portfolio classes partition some of the current customers
    assert (df.mvc + df.mgc + df.bz <= df.active).all()
    # every customer is in exactly one loyalty class toward each firm
    np.testing.assert_allclose(df[CLASSES].sum(axis=1), customers, rtol=1e-9)
    # revenue minus every cost line is profit
    np.testing.assert_allclose(df.revenue - df[list(COST_LINES)].sum(axis=1), df.profit,
                               rtol=1e-9, atol=1e-6)
    # stock and flow of current customers
    for _, g in df.groupby("firm"):
        g = g.sort_values("period")
        start = g.active.shift(1, fill_value=0).to_numpy()
        np.testing.assert_allclose(start - g.churned + g.acquired, g.active, rtol=1e-9,
                                   atol=1e-6)
        np.testing.assert_allclose(g.cumulative_profit, g.profit.cumsum(), rtol=1e-9)
    # no NaN or infinity, except where a mean has no customers to average
    numeric = df.select_dtypes("number")
    assert np.isfinite(numeric.drop(columns=["retention_rate", "satisfaction", "trust",
                                             "commitment", "calculative",
                                             "perceived_value"])).all().all()
    no_customers_at_start = (df.retained + df.churned) == 0
    assert (df.retention_rate.isna() == no_customers_at_start).all()
    np.testing.assert_allclose(df.retention_rate[~no_customers_at_start],
                               (df.retained / (df.retained + df.churned))[~no_customers_at_start])
    for col in ("satisfaction", "trust", "commitment", "calculative"):
        assert df[col][df.active > 0].notna().all()
        assert df[col].dropna().between(0, 1).all()
    assert not np.isinf(numeric.to_numpy()).any()


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_runs_with_invariants(path: Path) -> None:
    scenario = sim.load_scenario(path, ["market.customers=1500"])
    df = sim.run(scenario)
    firms = scenario.all_firm_names()
    assert set(df.firm) == set(firms)
    assert df.period.max() == scenario.periods
    check_invariants(df, scenario.market.real_customers)


def test_shipped_scenarios_exist() -> None:
    assert (ROOT / "scenarios" / "default.yaml") in SCENARIOS
