"""Tests for sim.relationship: satisfaction, expectation, trust, commitment, loyalty classes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.levers import LEVELS, LOYALTY_CLASSES
from sim.market.relationship import (
    CLASS_NAMES,
    LAPSED,
    LOYAL,
    NEW,
    POTENTIAL,
    REPEAT,
    UNAWARE,
    RelationshipState,
    calculative_commitment,
    loyalty_class,
    loyalty_class_kernel,
    satisfaction_response,
    update_after_purchase,
    update_after_purchase_kernel,
)
from sim.scenario.market import BehaviourSpec

F32 = np.float32
B = BehaviourSpec()
BASIC = B.levels["basic"]
unit = st.floats(0.0, 1.0)


def bought(trust: float, evidence_satisfaction: float, level: str = "basic", *,
           social: float = 0.0, communication: float = 0.0) -> float:
    """Trust after one purchase whose satisfaction response is ``evidence_satisfaction``."""
    # with expected = experienced = money the response is logistic(0) = 0.5; shift the
    # experience so that the response is exactly the requested one
    logit = math.log(evidence_satisfaction / (1.0 - evidence_satisfaction))
    shift = logit * B.satisfaction_scale / (1.0 + B.disconfirmation_weight)
    state = RelationshipState(aware=True, ever_bought=True, active=True, purchases=4,
                              expectation=50.0, satisfaction=0.6, trust=trust, commitment=0.2)
    after = update_after_purchase(state, 50.0 + shift, 50.0, 50.0, B, B.levels[level], social,
                                  communication)
    return after.trust


# --------------------------------------------------------------------------- kernel = rule
states_st = st.builds(
    lambda ever, active, purchases, expectation, satisfaction, trust, commitment:
    RelationshipState(aware=True, ever_bought=ever, active=ever and active,
                      purchases=purchases if ever else 0, expectation=expectation,
                      satisfaction=satisfaction, trust=trust, commitment=commitment),
    st.booleans(), st.booleans(), st.integers(1, 200), st.floats(-100.0, 300.0), unit, unit,
    unit)


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(st.tuples(states_st, st.floats(-100.0, 300.0), st.floats(0.0, 200.0),
                                st.floats(-100.0, 300.0), st.sampled_from(LEVELS)),
                      min_size=1, max_size=8),
       social=unit, communication=unit)
def test_kernel_equals_one_customer_update(batch, social, communication):
    states = [s for s, *_ in batch]
    experienced = np.array([x for _, x, _, _, _ in batch], F32)
    money = np.array([m for _, _, m, _, _ in batch], F32)
    # the expected value: expectation after a purchase, else the first impression
    expected = np.array([s.expectation if s.ever_bought else first
                         for s, _, _, first, _ in batch], F32)
    levels = [B.levels[lv] for *_, lv in batch]
    trust_mult = np.array([lv.trust_gain * (1.0 + B.social_trust * social) for lv in levels], F32)
    commit_add = np.array([lv.commitment + B.social_commitment * social for lv in levels], F32)
    E, S, T, A = update_after_purchase_kernel(
        experienced, money, expected, np.array([not s.ever_bought for s in states]),
        np.array([s.satisfaction for s in states], F32), np.array([s.trust for s in states], F32),
        np.array([s.commitment for s in states], F32), B, trust_mult, commit_add, communication)
    for i, state in enumerate(states):
        one = update_after_purchase(state, float(experienced[i]), float(money[i]),
                                    float(expected[i]), B, levels[i], social, communication)
        assert float(E[i]) == pytest.approx(one.expectation, rel=1e-5, abs=1e-3)
        assert float(S[i]) == pytest.approx(one.satisfaction, abs=1e-5)
        assert float(T[i]) == pytest.approx(one.trust, abs=1e-5)
        assert float(A[i]) == pytest.approx(one.commitment, abs=1e-5)
        assert 0.0 <= float(T[i]) <= 1.0 and 0.0 <= float(S[i]) <= 1.0
        assert one.purchases == (state.purchases + 1 if state.active else 1)
        assert one.active and one.ever_bought and one.aware


# --------------------------------------------------------------------------- satisfaction
def test_satisfaction_increases_with_disconfirmation():
    expected = 60.0
    responses = [satisfaction_response(x, 50.0, expected, B) for x in (30.0, 50.0, 60.0, 70.0,
                                                                        90.0)]
    assert all(a < b for a, b in itertools.pairwise(responses))
    # same experience, higher expectation: more disappointment, less satisfaction
    assert satisfaction_response(70.0, 50.0, 90.0, B) < satisfaction_response(70.0, 50.0, 50.0, B)
    # at experience = expectation and value = price the response is neutral
    assert satisfaction_response(50.0, 50.0, 50.0, B) == pytest.approx(0.5)
    # the formula: logistic((exp - money + 1.5 * d) / satisfaction_scale)
    assert satisfaction_response(62.0, 50.0, 56.0, B) == pytest.approx(
        1.0 / (1.0 + math.exp(-(12.0 + 1.5 * 6.0) / B.satisfaction_scale)))


def test_first_purchase_sets_satisfaction_then_it_is_smoothed():
    fresh = RelationshipState(aware=True)
    first = update_after_purchase(fresh, 80.0, 50.0, 60.0, B, BASIC, 0.0, 0.0)
    s1 = satisfaction_response(80.0, 50.0, 60.0, B)
    assert first.satisfaction == pytest.approx(s1) and first.purchases == 1
    second = update_after_purchase(first, 40.0, 50.0, first.expectation, B, BASIC, 0.0, 0.0)
    s2 = satisfaction_response(40.0, 50.0, first.expectation, B)
    assert second.satisfaction == pytest.approx(s1 + B.satisfaction_rate * (s2 - s1))
    assert second.purchases == 2


def test_expectation_adapts_toward_experience():
    state = RelationshipState(aware=True, ever_bought=True, active=True, purchases=2,
                              expectation=40.0)
    after = update_after_purchase(state, 80.0, 50.0, 40.0, B, BASIC, 0.0, 0.0)
    assert after.expectation == pytest.approx(40.0 + B.expectation_rate * 40.0)


# --------------------------------------------------------------------------- trust
@pytest.mark.parametrize("trust", [0.3, 0.45, 0.6, 0.8, 0.95])
@pytest.mark.parametrize("strength", [0.6, 0.75, 0.9])
def test_trust_falls_faster_than_it_rises(trust, strength):
    gain = bought(trust, strength) - trust
    loss = trust - bought(trust, 1.0 - strength)
    assert gain > 0 and loss > 0
    assert loss > gain


def test_trust_falls_faster_than_it_rises_for_a_new_customer():
    trust = B.trust_initial
    gain = bought(trust, 0.75) - trust
    loss = trust - bought(trust, 0.25)
    assert loss > gain


def test_deeper_relationship_levels_raise_trust_growth():
    gains = [bought(0.4, 0.8, level) - 0.4 for level in LEVELS]
    assert all(a < b for a, b in itertools.pairwise(gains))
    assert bought(0.4, 0.8, social=1.0) > bought(0.4, 0.8)
    assert bought(0.4, 0.8, communication=1.0) > bought(0.4, 0.8)


def test_trust_stays_in_unit_interval_under_extreme_evidence():
    assert 0.0 <= bought(0.99, 0.999999, "partnership", social=1.0, communication=1.0) <= 1.0
    assert 0.0 <= bought(0.01, 1e-6) <= 1.0


def test_commitment_moves_toward_trust_times_target():
    state = RelationshipState(aware=True, ever_bought=True, active=True, purchases=3,
                              expectation=50.0, satisfaction=0.5, trust=0.5, commitment=0.1)
    after = update_after_purchase(state, 50.0, 50.0, 50.0, B, B.levels["partnership"], 0.0, 0.0)
    target = after.trust * (B.commitment_base + B.levels["partnership"].commitment)
    assert after.commitment == pytest.approx(0.1 + B.commitment_rate * (target - 0.1))


def test_calculative_commitment_from_switching_costs():
    assert calculative_commitment(0.0, B) == 0.0
    assert calculative_commitment(-5.0, B) == 0.0
    assert calculative_commitment(B.calculative_scale, B) == pytest.approx(1 - math.exp(-1))
    assert calculative_commitment(1e6, B) == pytest.approx(1.0)


# --------------------------------------------------------------------------- loyalty classes
def test_loyalty_class_examples():
    def cls(**kw) -> str:
        return CLASS_NAMES[loyalty_class(RelationshipState(**kw), B)]

    assert cls() == "unaware"
    assert cls(aware=True) == "potential"
    assert cls(aware=True, ever_bought=True, active=True, purchases=1, loyalty=0.9, trust=0.9,
               commitment=0.9) == "new"
    assert cls(aware=True, ever_bought=True, active=True, purchases=5, loyalty=0.6, trust=0.6,
               commitment=0.4) == "loyal"
    assert cls(aware=True, ever_bought=True, active=True, purchases=5, loyalty=0.6, trust=0.5,
               commitment=0.4) == "repeat"
    assert cls(aware=True, ever_bought=True, active=True, purchases=5, loyalty=0.3, trust=0.9,
               commitment=0.9) == "repeat"
    assert cls(aware=True, ever_bought=True, active=False, purchases=5, loyalty=0.9, trust=0.9,
               commitment=0.9) == "lapsed"
    assert set(LOYALTY_CLASSES) | {"unaware"} == set(CLASS_NAMES)
    order = ("potential", "new", "repeat", "loyal", "lapsed", "unaware")
    codes = (POTENTIAL, NEW, REPEAT, LOYAL, LAPSED, UNAWARE)
    assert tuple(CLASS_NAMES.index(c) for c in order) == codes


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans(),
                               st.integers(0, 20), unit, unit, unit), min_size=1, max_size=40))
def test_loyalty_class_kernel_equals_one_customer_rule(rows):
    aware, ever, active, purchases, loyalty, trust, commitment = (np.array(c) for c in zip(
        *rows, strict=True))
    codes = loyalty_class_kernel(aware, ever, active, purchases.astype(np.uint16),
                                 loyalty.astype(F32), trust.astype(F32),
                                 commitment.astype(F32), B)
    for i, row in enumerate(rows):
        a, e, act, p, lo, tr, co = row
        state = RelationshipState(aware=a, ever_bought=e, active=act, purchases=p,
                                  loyalty=float(F32(lo)), trust=float(F32(tr)),
                                  commitment=float(F32(co)))
        assert codes[i] == loyalty_class(state, B)


def test_every_customer_is_in_exactly_one_class():
    rng = np.random.default_rng(4)
    n = 10_000
    ever = rng.random(n) < 0.5
    aware = ever | (rng.random(n) < 0.5)
    active = ever & (rng.random(n) < 0.6)
    codes = loyalty_class_kernel(aware, ever, active, rng.integers(1, 30, n).astype(np.uint16),
                                 rng.random(n, dtype=F32), rng.random(n, dtype=F32),
                                 rng.random(n, dtype=F32), B)
    assert codes.dtype == np.int8 and codes.min() >= 0 and codes.max() < len(CLASS_NAMES)
    counts = np.bincount(codes, minlength=len(CLASS_NAMES))
    assert counts.sum() == n and np.all(counts > 0)
    # the classes partition exactly the state's groups
    assert counts[UNAWARE] == np.count_nonzero(~aware)
    assert counts[POTENTIAL] == np.count_nonzero(aware & ~ever)
    assert counts[LAPSED] == np.count_nonzero(ever & ~active)
    assert counts[NEW] + counts[REPEAT] + counts[LOYAL] == np.count_nonzero(active)


def test_satisfaction_response_is_defined_for_very_bad_experiences():
    assert satisfaction_response(-20_000.0, 0.0, 0.0, B) == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------- the period's phases
def test_smooth_loyalty_follows_guadagni_little_at_purchase_occasions():
    from types import SimpleNamespace

    from sim.market.relationship import smooth_loyalty

    n = 6
    alpha = np.array([0.5, 0.5, 0.8, 0.8, 0.6, 0.6], F32)
    pop = SimpleNamespace(loyalty_smoothing=alpha)
    state = SimpleNamespace(loyalty=np.full((2, n), 0.4, F32))
    buffers = SimpleNamespace(alpha=np.empty(n, F32))
    occasion = np.array([True, True, True, True, False, False])
    buyers = {0: np.array([0, 2]), 1: np.array([1])}
    smooth_loyalty(occasion, buyers, [0, 1], pop, state, buffers)
    expected = np.array([[0.5 * 0.4 + 0.5, 0.5 * 0.4, 0.8 * 0.4 + 0.2, 0.8 * 0.4, 0.4, 0.4],
                         [0.5 * 0.4, 0.5 * 0.4 + 0.5, 0.8 * 0.4, 0.8 * 0.4, 0.4, 0.4]])
    np.testing.assert_allclose(state.loyalty, expected, rtol=1e-6)


def test_dissolve_silent_ends_relationships_silent_longer_than_the_lapse_time():
    from types import SimpleNamespace

    from sim.market.relationship import dissolve_silent

    state = SimpleNamespace(current=np.array([0, 0, 1, -1], np.int16),
                            last_purchase=np.array([[5, 2, -1, -1], [-1, -1, 6, 1]], np.int16))
    pop = SimpleNamespace(lapse_periods=np.array([3, 3, 1, 1], np.int16))
    dissolve_silent(8, pop, state)  # silent 3, 6, 2 periods; the fourth has no firm
    np.testing.assert_array_equal(state.current, [0, -1, -1, -1])


def test_customer_flows_count_retained_starting_and_ending_customers():
    from sim.market.relationship import customer_flows

    start = np.array([0, 0, 1, 1, -1, 2], np.int16)
    end = np.array([0, 1, 1, -1, 0, 2], np.int16)
    retained, at_start, at_end = customer_flows(start, end, 3)
    np.testing.assert_array_equal(retained, [1, 1, 1])
    np.testing.assert_array_equal(at_start, [2, 2, 1])
    np.testing.assert_array_equal(at_end, [2, 2, 1])
