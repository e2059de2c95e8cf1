"""Tests for sim.population: segments become per-customer parameter arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.market.population import COMPONENTS, build_population, segment_counts
from sim.market.seeding import Streams
from sim.scenario.market import MarketSpec, default_segments


def build(market: MarketSpec, seed: int = 1, slots: int = 2,
          firms: list[str] | None = None):
    names = firms if firms is not None else [f"Firm{k}" for k in range(slots)]
    return build_population(market, names, Streams(seed), 3.0)


@pytest.fixture(scope="module")
def default_population():
    return build(MarketSpec(customers=5_000), seed=3, slots=3)


# --------------------------------------------------------------------------- counts
@pytest.mark.parametrize(("shares", "n", "expected"), [
    ([0.15, 0.35, 0.30, 0.20], 1001, [150, 351, 300, 200]),  # remainders .15 .35 .30 .20
    ([0.15, 0.35, 0.30, 0.20], 1003, [150, 351, 301, 201]),  # .45 .05 .90 .60 -> 3 extra
    ([1 / 3, 1 / 3, 1 / 3], 10, [4, 3, 3]),                  # ties: first in order
    ([0.5, 0.5], 1, [1, 0]),
    ([0.25, 0.75], 0, [0, 0]),
])
def test_segment_counts_largest_remainder(shares, n, expected):
    assert segment_counts(shares, n).tolist() == expected


@given(raw=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=8), n=st.integers(0, 100_000))
def test_segment_counts_are_exact_and_within_one_of_the_quota(raw, n):
    shares = [r / sum(raw) for r in raw]
    counts = segment_counts(shares, n)
    quota = np.array(shares) * n
    assert counts.sum() == n
    assert np.all(np.abs(counts - quota) < 1.0 + 1e-9)
    # those rounded up have remainders at least as large as those rounded down
    remainder = quota - np.floor(quota)
    up = counts > np.floor(quota)
    if up.any() and (~up).any():
        assert remainder[up].min() >= remainder[~up].max() - 1e-9


def test_population_segment_sizes_are_the_exact_counts(default_population):
    pop = default_population
    shares = [s.share for s in default_segments().values()]
    assert pop.n == 5_000
    assert pop.segment_names == tuple(default_segments())
    np.testing.assert_array_equal(np.bincount(pop.segment, minlength=4),
                                  segment_counts(shares, 5_000))
    # customers of every segment are spread over the index range (the network order)
    first = pop.segment[:1000]
    assert len(np.unique(first)) == 4


# --------------------------------------------------------------------------- draws
def test_weights_means_match_the_segment_means(default_population):
    pop = default_population
    assert pop.weights.shape == (len(COMPONENTS), pop.n) and pop.weights.dtype == np.float32
    for k, spec in enumerate(default_segments().values()):
        members = pop.segment == k
        for c, comp in enumerate(COMPONENTS):
            mean = getattr(spec.weights, comp)
            got = pop.weights[c, members].mean()
            se = mean * spec.weight_spread / np.sqrt(members.sum())
            assert abs(got - mean) < 5 * se, (comp, got, mean)
            assert np.all(pop.weights[c, members] > 0)
        cv = pop.weights[:, members].std(axis=1) / pop.weights[:, members].mean(axis=1)
        assert np.allclose(cv, spec.weight_spread, atol=0.05)


def test_other_parameters_follow_their_segments(default_population):
    pop = default_population
    for k, spec in enumerate(default_segments().values()):
        members = pop.segment == k
        m = members.sum()
        assert pop.base_value[members].mean() == pytest.approx(
            spec.base_value, abs=5 * spec.base_value * spec.base_value_spread / np.sqrt(m))
        assert pop.volume[members].mean() == pytest.approx(spec.volume, rel=0.06)
        assert pop.novelty_appetite[members].mean() == pytest.approx(spec.novelty_appetite,
                                                                     abs=0.03)
        assert pop.word_of_mouth[members].mean() == pytest.approx(spec.word_of_mouth, abs=0.03)
        assert np.all(pop.purchase_rate[members] == np.float32(spec.purchase_rate))
        assert np.all(pop.loyalty_weight[members] == np.float32(spec.loyalty_weight))
        for d in range(2):
            assert pop.needs[d, members].mean() == pytest.approx(spec.needs[d], abs=0.03)
    assert pop.needs.min() >= 0.0 and pop.needs.max() <= 1.0
    # lapse after 3 expected inter-purchase times: ceil(3 / 0.5) = 6 periods
    assert np.all(pop.lapse_periods == 6)


def test_per_firm_draws_have_one_row_per_slot(default_population):
    pop = default_population
    assert pop.reach_draw.shape == (3, pop.n) and pop.perception_error.shape == (3, pop.n)
    assert pop.reach_draw.min() >= 0.0 and pop.reach_draw.max() < 1.0
    assert abs(pop.perception_error.mean()) < 0.03
    assert pop.perception_error.std() == pytest.approx(1.0, abs=0.03)
    assert pop.nbytes() > pop.weights.nbytes + pop.reach_draw.nbytes


def test_business_flag_marks_business_segments_only():
    market = MarketSpec(customers=1_000, segments={
        "shops": {"share": 0.9},
        "accounts": {"share": 0.1, "kind": "business", "volume": 40.0, "purchase_rate": 0.25}})
    pop = build(market)
    accounts = pop.segment == pop.segment_names.index("accounts")
    assert accounts.sum() == 100
    np.testing.assert_array_equal(pop.business, accounts)
    assert pop.volume[accounts].mean() > 30 * pop.volume[~accounts].mean()
    assert np.all(pop.lapse_periods[accounts] == 12)


def test_zero_spread_gives_the_segment_mean_exactly():
    market = MarketSpec(customers=200, segments={"all": {
        "share": 1.0, "weight_spread": 0.0, "base_value_spread": 0.0, "volume_spread": 0.0,
        "needs_spread": 0.0, "weights": {"money": 1.7}}})
    pop = build(market)
    assert np.all(pop.weight("money") == np.float32(1.7))
    assert np.all(pop.base_value == 200.0) and np.all(pop.volume == 1.0)
    assert np.all(pop.needs == 0.5)


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_same_population_and_different_seed_differs():
    market = MarketSpec(customers=2_000)
    a, b, c = build(market, seed=5), build(market, seed=5), build(market, seed=6)
    for name, value in vars(a).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)
    assert not np.array_equal(a.segment, c.segment)
    assert not np.array_equal(a.weights, c.weights)


def test_customers_do_not_depend_on_the_number_of_firm_slots():
    market = MarketSpec(customers=1_000)
    two, five = build(market, slots=2), build(market, slots=5)
    np.testing.assert_array_equal(two.weights, five.weights)
    np.testing.assert_array_equal(two.needs, five.needs)
    np.testing.assert_array_equal(two.segment, five.segment)


def test_a_firms_reach_and_perception_draws_depend_only_on_its_name():
    market = MarketSpec(customers=1_000)
    ab = build(market, firms=["Alpha", "Beta"])
    cb = build(market, firms=["Gamma", "Delta", "Beta"])
    np.testing.assert_array_equal(ab.reach_draw[1], cb.reach_draw[2])
    np.testing.assert_array_equal(ab.perception_error[1], cb.perception_error[2])
    assert not np.array_equal(ab.reach_draw[0], ab.reach_draw[1])
    assert abs(np.corrcoef(ab.reach_draw[0], ab.reach_draw[1])[0, 1]) < 0.15
