"""Tests for sim.market.choice: logit choice with an outside option by Gumbel taste shocks, one
customer and vectorised, and common random numbers that reach the choice."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.market.choice import (
    OUTSIDE,
    add_taste_shocks,
    choice_probabilities,
    choose,
    choose_kernel,
    outside_shock,
)
from sim.market.model import MarketModel
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
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




def _shocked(utility: np.ndarray, seed: int) -> np.ndarray:
    """``utility`` (firms, m) plus Gumbel shocks, each firm from its own generator."""
    out = utility.astype(np.float32).copy()
    scratch = np.empty(out.shape[1], dtype=np.float32)
    for f in range(out.shape[0]):
        add_taste_shocks(out[f], np.random.default_rng([seed, f]), scratch)
    return out


def test_highest_utility_plus_shock_wins():
    assert choose([1.0, 2.0], [0.0, 0.0], 0.0, 0.0) == 1
    assert choose([1.0, 2.0], [1.5, 0.0], 0.0, 0.0) == 0
    assert choose([1.0, 2.0], [0.0, 0.0], 0.0, 2.5) == OUTSIDE
    assert choose([-math.inf, 0.0], [100.0, 0.0], -1.0, 0.0) == 1  # not available
    assert choose([1.0, 1.0], [0.0, 0.0], 1.0, 0.0) == OUTSIDE  # ties: outside, then first
    assert choose([1.0, 1.0], [0.0, 0.0], 0.0, 0.0) == 0


def test_outside_shock_is_a_gumbel_of_the_uniform():
    assert outside_shock(math.exp(-1.0)) == pytest.approx(0.0)
    assert outside_shock(0.0) == -math.inf
    u = np.random.default_rng(1).random(200_000)
    shocks = np.array([outside_shock(x) for x in u[:20_000]])
    assert shocks.mean() == pytest.approx(0.5772, abs=0.03)  # Euler-Mascheroni
    assert shocks.var() == pytest.approx(math.pi ** 2 / 6, rel=0.05)


def test_taste_shocks_are_standard_gumbel():
    out = np.zeros(200_000, dtype=np.float32)
    add_taste_shocks(out, np.random.default_rng(4), np.empty_like(out))
    assert out.mean() == pytest.approx(0.5772, abs=0.01)
    assert out.var() == pytest.approx(math.pi ** 2 / 6, rel=0.02)
    assert np.isfinite(out).all()


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n_firms=st.integers(1, 5), m=st.integers(1, 20),
       outside=st.floats(-20.0, 20.0))
def test_kernel_agrees_with_one_customer_choice(data, n_firms, m, outside):
    utility = np.array(data.draw(st.lists(st.lists(utility_st, min_size=m, max_size=m),
                                          min_size=n_firms, max_size=n_firms)),
                       dtype=np.float32)
    uniform = np.array(data.draw(st.lists(st.floats(0.0, 0.999999), min_size=m, max_size=m)),
                       dtype=np.float32)
    shocked = _shocked(utility, data.draw(st.integers(0, 2**31)))
    before = shocked.copy()
    chosen = choose_kernel(shocked, outside, uniform)
    assert chosen.dtype == np.int16
    assert np.array_equal(shocked, before)  # the kernel does not change utilities
    for i in range(m):
        scores = [float(x) for x in shocked[:, i]]
        shock0 = float(np.float32(outside_shock(float(uniform[i]))))
        top = max([outside + shock0, *scores])
        # stay off float32 ties between the two best scores
        assume(sorted([outside + shock0, *scores])[-2] < top - 1e-4 or top == -math.inf)
        assert chosen[i] == choose(scores, [0.0] * n_firms, outside, shock0)


def test_empirical_shares_match_choice_probabilities():
    utilities = [0.8, 0.0, -0.5, -math.inf]
    outside = 0.2
    m = 200_000
    utility = _shocked(np.tile(np.array(utilities, dtype=np.float32)[:, None], (1, m)), 11)
    chosen = choose_kernel(utility, outside, np.random.default_rng(12).random(m, dtype=np.float32))
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
    utility = _shocked(utility, 6)
    utility[blocked] = -np.inf
    chosen = choose_kernel(utility, -1.0, rng.random(m, dtype=np.float32))
    for f in range(3):
        assert not np.any(chosen[blocked[f]] == f)
    none_available = blocked.all(axis=0)
    assert none_available.sum() > 1000
    assert np.all(chosen[none_available] == OUTSIDE)


def test_strongly_negative_everything_means_outside():
    m = 10_000
    utility = _shocked(np.full((3, m), -60.0, dtype=np.float32), 2)
    chosen = choose_kernel(utility, 0.0, np.random.default_rng(2).random(m, dtype=np.float32))
    assert np.all(chosen == OUTSIDE)


def test_very_negative_outside_means_a_firm_whenever_one_is_available():
    utility = np.array([[0.0, -np.inf], [-np.inf, -np.inf]], dtype=np.float32)
    chosen = choose_kernel(utility, -1e5, np.array([0.999, 0.5], dtype=np.float32))
    assert chosen.tolist() == [0, OUTSIDE]


def test_a_change_to_one_firm_moves_customers_only_toward_or_away_from_it():
    """Independent shocks per firm: raising firm 2's utility can take customers from firms 0
    and 1 and from the outside option, but never moves one between firm 0 and firm 1."""
    rng = np.random.default_rng(8)
    m = 50_000
    base = rng.normal(0.0, 1.0, (3, m)).astype(np.float32)
    uniform = rng.random(m, dtype=np.float32)
    before = choose_kernel(_shocked(base, 9), 0.0, uniform)
    changed = base.copy()
    changed[2] += 1.0
    after = choose_kernel(_shocked(changed, 9), 0.0, uniform)
    moved = before != after
    assert moved.sum() > 1000
    assert np.all(after[moved] == 2)  # every customer who moved, moved to firm 2


def test_common_random_numbers_reach_the_choice_in_the_market():
    """Two runs that differ only in Gamma's strategy: in period 1, no customer buys from
    Alpha in one and from Beta in the other."""
    chosen = []
    for strategy in ("4R", "4C"):
        scenario = load_scenario(ROOT / "scenarios" / "default.yaml",
                                 [("test", f"firms.Gamma.strategy={strategy}"),
                                  ("test", "firms.Gamma.params={}")],
                                 customers=5_000, periods=1)
        model = MarketModel(scenario, seed=3)
        model.step()
        names = [f.name for f in model.last_period.firms]
        chosen.append(np.array([names[j] if j >= 0 else "" for j in model.last_period.chosen]))
    a, b = chosen
    assert np.count_nonzero(a != b) > 0  # Gamma's strategy does change choices
    assert not np.any(((a == "Alpha") & (b == "Beta")) | ((a == "Beta") & (b == "Alpha")))
