"""Scale: the outcomes of a market do not depend on the number of customers simulated beyond
sampling error, once ``market.size`` says how many real customers the agents stand for.

Each simulated customer stands for ``size / customers`` real ones: counts and money sums over
customers are weighted, promotion reach is computed against the real market, and fixed cost and
promotion stay real money. Without a size, the number of agents would be the size of the
market, and fixed cost would weigh ten times more on 1,000 agents than on 10,000.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiment.validation import scale_case
from sim.market.model import MarketModel
from sim.scenario.spec import Scenario

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"


@pytest.fixture(scope="module")
def table():
    return scale_case(str(DEFAULT), 10_000, (2_000, 8_000), periods=24, replications=16)


def test_outcomes_do_not_depend_on_the_number_of_agents(table):
    assert len(table) == 12
    # Welch's t-test, Bonferroni over the outcomes: no difference beyond sampling error
    assert (table.p > 0.01 / len(table)).all(), table


def test_more_agents_give_narrower_intervals(table):
    spread = (table.sd_many / table.sd_few)[table.sd_few > 0]
    # four times the agents: half the spread (sqrt(1/4)) if all of it were sampling error
    # (the median over outcomes is 0.53 at 16 seeds; 0.62 while 4R's service ratchet reacted
    # to sampling noise, docs/validation.md)
    assert spread.median() < 0.8, table


def _fixed_market(size: int | None, promotion: float) -> Scenario:
    firm = {"strategy": "fixed", "price": 90, "promotion": promotion}
    market = {"customers": 1_000, "awareness": {"initial": 0.5}}
    if size is not None:
        market["size"] = size
    return Scenario.model_validate({"name": "scale", "periods": 6, "market": market,
                                    "firms": {"A": firm, "B": {**firm, "price": 80}}})


def test_real_market_counts_and_money():
    """Twice the real customers per agent, and twice the promotion to reach them: the same
    agents make the same choices; counts and sums over customers double, fixed cost does not."""
    ts1 = MarketModel(_fixed_market(None, 3_000.0), seed=1).run().timeseries()
    ts2 = MarketModel(_fixed_market(2_000, 6_000.0), seed=1).run().timeseries()
    for col in ("customers", "units", "active", "loyal", "revenue", "cost_goods",
                "cost_distribution", "cost_promotion", "customer_equity"):
        assert np.allclose(ts2[col], 2 * ts1[col]), col
    assert np.allclose(ts2.cost_fixed, ts1.cost_fixed)
    for col in ("share_units", "satisfaction", "image", "price"):
        assert np.allclose(ts2[col], ts1[col]), col
