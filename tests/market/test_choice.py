"""Tests for sim.choice: logit choice with an outside option, one customer and vectorised."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.market.choice import OUTSIDE, choice_probabilities, choose, choose_kernel

utility_st = st.one_of(st.floats(-30.0, 30.0), st.just(-math.inf))


def test_probabilities_are_the_logit_formula():
    probs = choice_probabilities([1.0, 0.0, -math.inf], outside=0.5)
    denom = math.e + 1.0 + math.exp(0.5)
    assert probs == pytest.approx([math.e / denom, 1.0 / denom, 0.0, math.exp(0.5) / denom])
    assert sum(probs) == pytest.approx(1.0)


@given(utilities=st.lists(utility_st, min_size=1, max_size=6), outside=st.floats(-30.0, 30.0))
def test_probabilities_sum_to_one_and_unavailable_firms_get_none(utilities, outside):
    probs = choice_probabilities(utilities, outside)
    assert sum(probs) == pytest.approx(1.0)
    assert all(p >= 0.0 for p in probs)
    for u, p in zip(utilities, probs, strict=False):
        if u == -math.inf:
            assert p == 0.0


def test_inverse_cdf_order():
    # firm 0 takes [0, .25), firm 1 [.25, .75), outside the rest
    utilities = [0.0, math.log(2.0)]
    assert choose(0.0, utilities, 0.0) == 0
    assert choose(0.2499, utilities, 0.0) == 0
    assert choose(0.2501, utilities, 0.0) == 1
    assert choose(0.7499, utilities, 0.0) == 1
    assert choose(0.7501, utilities, 0.0) == OUTSIDE


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n_firms=st.integers(1, 5), m=st.integers(1, 20),
       outside=st.floats(-20.0, 20.0))
def test_kernel_agrees_with_one_customer_choice(data, n_firms, m, outside):
    utility = np.array(data.draw(st.lists(st.lists(utility_st, min_size=m, max_size=m),
                                          min_size=n_firms, max_size=n_firms)),
                       dtype=np.float32)
    uniform = np.array(data.draw(st.lists(st.floats(0.0, 0.999999), min_size=m, max_size=m)),
                       dtype=np.float32)
    for i in range(m):  # stay off the float32 rounding band around each cumulative boundary
        probs = choice_probabilities([float(x) for x in utility[:, i]], outside)
        edges = np.cumsum(probs[:-1])
        assume(np.all(np.abs(edges - float(uniform[i])) > 1e-4))
    expected = [choose(float(uniform[i]), [float(x) for x in utility[:, i]], outside)
                for i in range(m)]
    chosen = choose_kernel(utility.copy(), outside, uniform)
    assert chosen.dtype == np.int16
    assert chosen.tolist() == expected


def test_kernel_agrees_with_one_customer_choice_on_many_random_customers():
    rng = np.random.default_rng(3)
    utility = rng.normal(0.0, 2.0, (4, 5000)).astype(np.float32)
    utility[rng.random((4, 5000)) < 0.2] = -np.inf
    uniform = rng.random(5000, dtype=np.float32)
    chosen = choose_kernel(utility.copy(), 0.5, uniform)
    expected = [choose(float(uniform[i]), utility[:, i].tolist(), 0.5) for i in range(5000)]
    disagree = np.flatnonzero(chosen != np.array(expected))
    assert disagree.size <= 2  # float32 rounding exactly at a boundary, if at all


def test_empirical_shares_match_choice_probabilities():
    rng = np.random.default_rng(11)
    utilities = [0.8, 0.0, -0.5, -math.inf]
    outside = 0.2
    m = 200_000
    utility = np.tile(np.array(utilities, dtype=np.float32)[:, None], (1, m))
    chosen = choose_kernel(utility, outside, rng.random(m, dtype=np.float32))
    probs = np.array(choice_probabilities(utilities, outside))
    counts = np.array([np.count_nonzero(chosen == f) for f in range(4)]
                      + [np.count_nonzero(chosen == OUTSIDE)])
    shares = counts / m
    se = np.sqrt(probs * (1.0 - probs) / m)
    assert np.all(np.abs(shares - probs) <= 4.0 * se + 1e-12), (shares, probs)
    assert counts[3] == 0


def test_unavailable_firms_are_never_chosen():
    rng = np.random.default_rng(5)
    m = 20_000
    utility = rng.normal(0.0, 3.0, (3, m)).astype(np.float32)
    blocked = rng.random((3, m)) < 0.5
    utility[blocked] = -np.inf
    chosen = choose_kernel(utility, -1.0, rng.random(m, dtype=np.float32))
    for f in range(3):
        assert not np.any(chosen[blocked[f]] == f)
    none_available = blocked.all(axis=0)
    assert none_available.sum() > 1000
    assert np.all(chosen[none_available] == OUTSIDE)


def test_strongly_negative_everything_means_outside():
    m = 10_000
    utility = np.full((3, m), -60.0, dtype=np.float32)
    chosen = choose_kernel(utility, 0.0, np.random.default_rng(2).random(m, dtype=np.float32))
    assert np.all(chosen == OUTSIDE)
    assert all(choose(u, [-60.0, -60.0, -60.0], 0.0) == OUTSIDE for u in (0.01, 0.5, 0.999))


def test_very_negative_outside_means_a_firm_whenever_one_is_available():
    utility = np.array([[0.0, -np.inf], [-np.inf, -np.inf]], dtype=np.float32)
    chosen = choose_kernel(utility, -1e5, np.array([0.999, 0.5], dtype=np.float32))
    assert chosen.tolist() == [0, OUTSIDE]


def test_kernel_overwrites_utility_with_weights_but_keeps_shape():
    utility = np.zeros((2, 3), dtype=np.float32)
    choose_kernel(utility, 0.0, np.zeros(3, dtype=np.float32))
    assert utility.shape == (2, 3) and np.allclose(utility, 1.0)
