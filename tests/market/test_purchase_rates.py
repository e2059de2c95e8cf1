"""Heterogeneous purchase rates (sim.market.population): with ``purchase_rate_concentration``
customers' rates are Beta draws around the segment's mean, and purchase counts become NBD-like
(Ehrenberg 1959), where equal rates give binomial counts."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiment.nbd import fit_nbd
from sim.market.consumer_panel import PurchasePanel
from sim.market.model import MarketModel
from sim.market.population import build_population, lapse_periods
from sim.market.seeding import Streams
from sim.scenario.market import MarketSpec, SegmentSpec
from sim.scenario.spec import Scenario


def _market(concentration: float | None, rate: float = 0.2) -> MarketSpec:
    segment = SegmentSpec(share=1.0, purchase_rate=rate,
                          purchase_rate_concentration=concentration)
    return MarketSpec(customers=20_000, segments={"all": segment})


def test_rates_are_beta_around_the_segment_mean_and_nothing_else_changes():
    plain = build_population(_market(None), ["A"], Streams(1), 3.0)
    spread = build_population(_market(2.0), ["A"], Streams(1), 3.0)
    assert np.all(plain.purchase_rate == np.float32(0.2))
    r = spread.purchase_rate.astype(np.float64)
    assert r.mean() == pytest.approx(0.2, abs=0.005)
    assert r.var() == pytest.approx(0.2 * 0.8 / 3.0, rel=0.05)  # Beta: m (1 - m) / (c + 1)
    assert r.min() >= 1e-3
    # the rate has its own stream: every other parameter of every customer is the same
    assert np.array_equal(plain.weights, spread.weights)
    assert np.array_equal(plain.needs, spread.needs)
    assert np.array_equal(plain.perception_error, spread.perception_error)
    assert np.array_equal(spread.lapse_periods, lapse_periods(spread.purchase_rate, 3.0))


def test_lapse_times_of_rare_buyers_stay_in_range():
    assert lapse_periods(np.array([1e-9, 0.5], dtype=np.float32), 3.0).tolist() == [32_767, 6]


def _counts(concentration: float | None) -> np.ndarray:
    """Purchases per customer over 24 months of a market where every occasion is a sale."""
    segment = {"share": 1.0, "purchase_rate": 0.2}
    if concentration is not None:
        segment["purchase_rate_concentration"] = concentration
    scenario = Scenario.model_validate({
        "name": "nbd", "periods": 24,
        "market": {"customers": 10_000, "segments": {"all": segment},
                   "awareness": {"initial": 1.0},
                   "behaviour": {"outside_value": -1_000.0, "perception_noise": 0.0}},
        "firms": {"Solo": {"strategy": "fixed", "price": 20, "coverage": 1.0}}})
    model = MarketModel(scenario, seed=1)
    panel = PurchasePanel(model, 1, 24)
    while model.running and model.period < 24:
        model.step()
        panel.observe(model)
    return panel.counts[0].astype(int)


def _shares(counts: np.ndarray, classes: int = 12) -> np.ndarray:
    return np.bincount(np.minimum(counts, classes - 1), minlength=classes) / counts.size


def test_spread_rates_give_nbd_counts_and_equal_rates_do_not():
    spread, equal = _counts(2.0), _counts(None)
    assert spread.mean() == pytest.approx(24 * 0.2, rel=0.05)
    fit = fit_nbd(_shares(spread))
    assert fit is not None
    assert fit.shape == pytest.approx(0.2 * 2.0, rel=0.4)  # Ehrenberg's k = m * c
    assert fit.max_difference < 0.02
    # equal rates: binomial counts (variance below the mean), which no NBD fits: the best
    # is the Poisson limit (k without bound), and it misses by twice as much
    assert equal.var() < equal.mean()
    poisson = fit_nbd(_shares(equal))
    assert poisson.shape > 100
    assert poisson.max_difference > 2 * fit.max_difference
