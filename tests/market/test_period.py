"""Tests for sim.market.period: the period's draws and the record the phases share."""

from __future__ import annotations

import numpy as np

from sim.market.model import MarketModel
from sim.market.seeding import Streams

F32 = np.float32


def test_the_draws_are_the_customers_stream_of_the_period(make_scenario, replay_period):
    model = MarketModel(make_scenario({"A": {}, "B": {"strategy": "4P"}}, customers=700,
                                      periods=4), seed=11)
    model.run(periods=2)
    period = replay_period(model, until="word_of_mouth")
    rng = Streams(11).generator("customers", 3)
    for drawn in period.uniforms:  # occasion, choice, failure, experience, in that order
        np.testing.assert_array_equal(drawn, rng.random(700, dtype=F32))
    assert period.t == 3 and period.slots == [0, 1]


def test_the_draws_do_not_depend_on_what_the_firms_do(make_scenario, replay_period):
    """Common random numbers: other strategies and levers, the same luck in every period."""
    draws = []
    for firm in ({"strategy": "4P"}, {"strategy": "4R", "price": 140.0, "service": 0.9}):
        model = MarketModel(make_scenario({"A": {}, "B": firm}, customers=500, periods=6),
                            seed=5)
        model.run(periods=4)
        draws.append([u.copy() for u in replay_period(model, until="word_of_mouth").uniforms])
    for a, b in zip(*draws, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_start_of_the_period_is_a_copy(make_scenario, replay_period):
    model = MarketModel(make_scenario({"A": {}}, customers=300, periods=4), seed=2)
    model.run(periods=2)
    period = replay_period(model, until="word_of_mouth")
    before = period.current_start.copy()
    model.state.current[:] = 0
    np.testing.assert_array_equal(period.current_start, before)
