"""Scale: the outcomes of a market do not depend on the number of customers simulated beyond
sampling error, once ``market.size`` says how many real customers the agents stand for.

Expected to fail until the credible-market issue adds ``market.size`` (today the field is
unknown, and the number of agents is the size of the market: fixed costs and promotion are
absolute while revenue grows with the agents).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.experiment.task import final_outcomes
from sim.market.model import MarketModel
from sim.scenario.loader import load_scenario

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"


def _profits(customers: int) -> dict[str, list[float]]:
    scenario = load_scenario(DEFAULT, [("test", "market.size=10000")], customers=customers,
                             periods=24)
    out: dict[str, list[float]] = {}
    for seed in range(1, 5):
        ts = MarketModel(scenario, seed=seed).run().timeseries()
        for k, v in final_outcomes(ts, customers).items():
            if k.startswith("cumulative_profit@"):
                out.setdefault(k, []).append(v)
    return out


@pytest.mark.xfail(strict=True, reason="market.size comes with the credible-market issue")
def test_outcomes_do_not_depend_on_the_number_of_agents():
    small, large = _profits(2_000), _profits(8_000)
    for name in small:
        # Welch's t-test: no difference beyond sampling error at the 1% level
        assert stats.ttest_ind(small[name], large[name], equal_var=False).pvalue > 0.01, name
        assert np.std(large[name]) <= np.std(small[name]) * 1.5
