"""The default market against the targets of the credible-market issue: own-price elasticities
in [-3.5, -1.5] (Bijmolt, van Heerde & Pieters 2005: mean -2.62), advertising elasticities in
[0.03, 0.4] (Sethuraman, Tellis & Briesch 2011: 0.12 short term, 0.24 long term) and monthly
churn between 1% and 6%.

Measured at full size (10,000 agents), two seeds. Beta's churn and Gamma's promotion
elasticity sit at the bands' edges (docs/validation.md). Ten replications are in docs/model.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment.measurement import key, measure_market
from sim.scenario.loader import load_scenario

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"
BANDS = {"elasticity_price": (-3.5, -1.5), "elasticity_promotion": (0.03, 0.4),
         "churn": (0.01, 0.06)}


@pytest.fixture(scope="module")
def measured():
    scenario = load_scenario(DEFAULT)
    runs = [measure_market(scenario, seed, window=12, step=0.05)[0] for seed in (1, 2)]
    return {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]}


@pytest.mark.parametrize("measure", list(BANDS))
def test_the_default_market_lies_in_the_literatures_bands(measured, measure):
    low, high = BANDS[measure]
    for firm in ("Alpha", "Beta", "Gamma"):
        assert low <= measured[key(measure, firm)] <= high, (firm, measured[key(measure, firm)])
