"""Tests for sim.value: customer delivered value, one customer and vectorised."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.population import COMPONENTS
from sim.market.value import (
    CustomerTerms,
    OfferTerms,
    RelationTerms,
    ValueBreakdown,
    delivered_value,
    fit,
    fit_kernel,
    money_cost_kernel,
    net_value_kernel,
)
from sim.scenario.market import BehaviourSpec, ValueScale

F32 = np.float32
# The worked example's constants, pinned: the rule is under test here, not the calibration of
# the default market (which may move them; docs/model.md gives the defaults).
SCALE = ValueScale(image=25.0)
BEHAVIOUR = BehaviourSpec(psychic_trust=0.6, structural_value=15.0, fit_width=0.3)

# --------------------------------------------------------------------------- helpers
OFFER = OfferTerms(quality=0.7, position=(0.5, 0.5), novelty=0.3, offering_uplift=0.3,
                   price=100.0, points_rate=0.0, convenience=0.5, service=0.5, personnel=0.5,
                   communication=0.2, social=0.0, image=0.7)
CUSTOMER = CustomerTerms(weights=dict.fromkeys(COMPONENTS, 1.0), base_value=200.0,
                         needs=(0.5, 0.5), novelty_appetite=0.2, experience_appetite=0.3)
STRANGER = RelationTerms()


def value(customer: CustomerTerms = CUSTOMER, offer: OfferTerms = OFFER,
          relation: RelationTerms = STRANGER) -> ValueBreakdown:
    return delivered_value(customer, offer, relation, SCALE, BEHAVIOUR)


def kernel(customers: list[CustomerTerms], offer: OfferTerms,
           relations: list[RelationTerms], scalar_discount: bool = False,
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run net_value_kernel and money_cost_kernel on a batch; returns (net, money, product)."""
    def col(get) -> np.ndarray:
        return np.array([get(c) for c in customers], dtype=F32)

    weights = np.array([[c.weights[k] for c in customers] for k in COMPONENTS], dtype=F32)
    needs = np.array([[c.needs[0] for c in customers], [c.needs[1] for c in customers]], F32)

    def rel(name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in relations], dtype=F32)

    product = np.empty(len(customers), dtype=F32)
    net = net_value_kernel(
        weights, col(lambda c: c.base_value), needs, col(lambda c: c.novelty_appetite),
        col(lambda c: c.experience_appetite), offer, rel("active"), rel("service_uplift"),
        rel("cocreation"), rel("psychic_relief"), rel("trust"), rel("sentiment"), rel("bond"),
        SCALE, BEHAVIOUR, product_out=product)
    discount = relations[0].discount if scalar_discount else rel("discount")
    money = money_cost_kernel(weights[COMPONENTS.index("money")], offer, discount)
    return net, money, product


# --------------------------------------------------------------------------- hypothesis
unit = st.floats(0.0, 1.0)
customers_st = st.builds(
    CustomerTerms,
    weights=st.fixed_dictionaries({k: st.floats(0.0, 3.0) for k in COMPONENTS}),
    base_value=st.floats(1.0, 500.0), needs=st.tuples(unit, unit),
    novelty_appetite=unit, experience_appetite=unit)
offers_st = st.builds(
    OfferTerms, quality=unit, position=st.tuples(unit, unit), novelty=unit,
    offering_uplift=st.floats(0.0, 2.0), price=st.floats(0.0, 500.0),
    points_rate=st.floats(0.0, 0.5), convenience=unit, service=unit, personnel=unit,
    communication=unit, social=unit, image=unit)
relations_st = st.builds(
    RelationTerms, active=st.booleans(), discount=st.floats(0.0, 0.9),
    service_uplift=st.floats(0.0, 1.0), cocreation=st.floats(0.0, 0.3),
    psychic_relief=unit, trust=unit, sentiment=st.floats(-3.0, 1.0), bond=unit)


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(st.tuples(customers_st, relations_st), min_size=1, max_size=6),
       offer=offers_st)
def test_kernel_agrees_with_one_customer_rule(batch, offer):
    customers = [c for c, _ in batch]
    relations = [r for _, r in batch]
    net, money, product = kernel(customers, offer, relations)
    for i, (c, r) in enumerate(batch):
        bd = delivered_value(c, offer, r, SCALE, BEHAVIOUR)
        magnitude = sum(abs(v) for v in (bd.total_value, bd.total_cost))
        tol = 2e-5 * magnitude + 1e-3
        assert float(net[i]) - float(money[i]) == pytest.approx(bd.delivered_value, abs=tol)
        assert float(money[i]) == pytest.approx(bd.money, abs=tol)
        assert float(net[i]) == pytest.approx(bd.delivered_value + bd.money, abs=tol)
        assert float(product[i]) == pytest.approx(bd.product, abs=tol)


@settings(max_examples=60, deadline=None)
@given(customer=customers_st, relation=relations_st, offer=offers_st)
def test_scalar_and_array_discount_give_the_same_money_cost(customer, relation, offer):
    _, money_array, _ = kernel([customer], offer, [relation])
    _, money_scalar, _ = kernel([customer], offer, [relation], scalar_discount=True)
    assert float(money_scalar[0]) == pytest.approx(float(money_array[0]), rel=1e-5, abs=1e-4)


# --------------------------------------------------------------------------- worked example
def test_worked_example_numbers():
    bd = value()
    # product = 200 * 0.7 * fit 1 * (1 + 0.3 * 0.3) + 20 * 0.2 * 0.3
    assert bd.product == pytest.approx(153.8)
    assert bd.service == pytest.approx(15.0)
    assert bd.personnel == pytest.approx(7.5)
    assert bd.image == pytest.approx(17.5)
    assert bd.money == pytest.approx(100.0)
    assert bd.time == pytest.approx(7.5)
    assert bd.energy == pytest.approx(5.0)
    # psychic = 25 * (1 - 0.6 * trust 0.2 - 0.3 * communication 0.2)
    assert bd.psychic == pytest.approx(20.5)
    assert bd.total_value == pytest.approx(193.8)
    assert bd.total_cost == pytest.approx(133.0)
    assert bd.delivered_value == pytest.approx(60.8)
    d = bd.as_dict()
    assert d["delivered_value"] == pytest.approx(60.8) and set(COMPONENTS) <= set(d)


def test_each_component_is_scaled_by_its_own_weight():
    base = value()
    for comp in COMPONENTS:
        heavy = replace(CUSTOMER, weights={**CUSTOMER.weights, comp: 2.5})
        bd = value(heavy)
        for other in COMPONENTS:
            expected = getattr(base, other) * (2.5 if other == comp else 1.0)
            assert getattr(bd, other) == pytest.approx(expected), (comp, other)


# --------------------------------------------------------------------------- directions
@pytest.mark.parametrize("lever", ["quality", "service", "personnel", "image", "novelty"])
def test_raising_a_value_lever_raises_value_and_delivered_value(lever):
    low = value(offer=replace(OFFER, **{lever: 0.3}))
    high = value(offer=replace(OFFER, **{lever: 0.6}))
    assert high.total_value > low.total_value + 1.0
    assert high.delivered_value > low.delivered_value + 1.0


def test_raising_price_raises_money_cost_one_for_one_in_weighted_money():
    cheap, dear = value(offer=replace(OFFER, price=80.0)), value(offer=replace(OFFER, price=120.0))
    assert dear.money - cheap.money == pytest.approx(40.0)
    assert dear.total_cost - cheap.total_cost == pytest.approx(40.0)
    assert dear.delivered_value - cheap.delivered_value == pytest.approx(-40.0)


def test_discount_and_points_lower_money_cost():
    assert value(relation=RelationTerms(discount=0.25)).money == pytest.approx(75.0)
    assert value(offer=replace(OFFER, points_rate=0.1)).money == pytest.approx(90.0)


def test_lowering_convenience_raises_time_and_energy_cost():
    easy = value(offer=replace(OFFER, convenience=0.9))
    hard = value(offer=replace(OFFER, convenience=0.1))
    assert hard.time == pytest.approx(15.0 * 0.9) and easy.time == pytest.approx(15.0 * 0.1)
    assert hard.energy > easy.energy
    assert hard.total_cost - easy.total_cost == pytest.approx(15.0 * 0.8 + 10.0 * 0.4)


@pytest.mark.parametrize("trust", [0.0, 0.3, 0.6, 0.9])
def test_trust_lowers_psychic_cost(trust):
    more = min(trust + 0.1, 1.0)
    a = value(relation=RelationTerms(trust=trust))
    b = value(relation=RelationTerms(trust=more))
    assert b.psychic == pytest.approx(a.psychic - 25.0 * 0.6 * (more - trust))
    assert b.delivered_value > a.delivered_value


def test_communication_and_good_word_of_mouth_lower_psychic_cost():
    base = value()
    assert value(offer=replace(OFFER, communication=0.8)).psychic < base.psychic
    praised = value(relation=RelationTerms(sentiment=0.5))
    assert praised.psychic < base.psychic and praised.image > base.image
    blamed = value(relation=RelationTerms(sentiment=-0.5))
    assert blamed.psychic > base.psychic
    assert blamed.image < base.image


def test_psychic_cost_and_image_stay_within_their_scales():
    best = value(relation=RelationTerms(trust=1.0, sentiment=1.0, psychic_relief=1.0,
                                        active=True),
                 offer=replace(OFFER, communication=1.0, image=1.0))
    assert best.psychic == 0.0 and best.image == pytest.approx(25.0)
    worst = value(relation=RelationTerms(trust=0.0, sentiment=-3.0),
                  offer=replace(OFFER, communication=0.0, image=0.0))
    assert worst.psychic == pytest.approx(25.0) and worst.image == 0.0


def test_fit_moves_product_value():
    far = value(offer=replace(OFFER, position=(0.9, 0.1)))
    assert far.product < value().product - 50.0


# --------------------------------------------------------------------------- relationship terms
DEEP = dict(service_uplift=0.5, cocreation=0.15, psychic_relief=0.35, bond=0.8)


def test_relationship_terms_apply_only_to_active_customers():
    social_offer = replace(OFFER, social=0.8)
    inactive = value(offer=social_offer, relation=RelationTerms(active=False, **DEEP))
    plain = value(offer=social_offer, relation=RelationTerms(active=False))
    assert inactive == plain
    active = value(offer=social_offer, relation=RelationTerms(active=True, **DEEP))
    # co-creation 200 * 0.15 + structural value 15 * bond 0.8
    assert active.product - plain.product == pytest.approx(200 * 0.15 + 15.0 * 0.8)
    assert active.service == pytest.approx(plain.service * 1.5)
    assert active.personnel - plain.personnel == pytest.approx(10.0 * 0.8)
    assert active.psychic == pytest.approx(plain.psychic - 25.0 * 0.35)
    assert active.money == plain.money and active.time == plain.time


def test_kernel_applies_relationship_terms_only_where_active():
    rels = [RelationTerms(active=False, **DEEP), RelationTerms(active=True, **DEEP),
            RelationTerms(active=False)]
    net, _, _ = kernel([CUSTOMER] * 3, replace(OFFER, social=0.8), rels)
    assert net[0] == pytest.approx(net[2], abs=1e-3)
    assert net[1] > net[0] + 40.0


# --------------------------------------------------------------------------- fit
@given(needs=st.tuples(unit, unit), width=st.floats(0.05, 2.0))
def test_fit_is_one_at_the_ideal_point(needs, width):
    assert fit(needs, needs, width) == 1.0


def test_fit_falls_with_distance_and_matches_the_kernel():
    width = BEHAVIOUR.fit_width
    assert fit((0.5, 0.5), (0.5 + width, 0.5), width) == pytest.approx(math.exp(-0.5))
    d = [fit((0.5, 0.5), (0.5 + x, 0.5), width) for x in (0.0, 0.1, 0.2, 0.4)]
    assert d == sorted(d, reverse=True) and d[-1] < 0.5
    rng = np.random.default_rng(0)
    needs = rng.random((2, 50)).astype(F32)
    out = fit_kernel(needs, (0.3, 0.6), width, np.empty(50, F32))
    expected = [fit((float(a), float(b)), (0.3, 0.6), width) for a, b in needs.T]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)
