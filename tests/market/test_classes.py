"""Tests for sim.market.classes: ABC classes (75/20/5) and value classes (MVC, MGC, BZ)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.classes import (
    ABC_CODES,
    VALUE_CODES,
    abc_classes,
    level_costs,
    value_classes,
)


# --------------------------------------------------------------------------- ABC
def test_abc_classes_split_sales_about_75_20_5():
    rng = np.random.default_rng(1)
    n = 20_000
    sales = rng.pareto(1.5, n).astype(np.float32) + 1.0
    members = rng.random(n) < 0.8
    codes = abc_classes(sales, members)
    total = sales[members].sum(dtype=np.float64)
    share = {c: sales[members & (codes == v)].sum(dtype=np.float64) / total
             for c, v in ABC_CODES.items()}
    assert share["A"] == pytest.approx(0.75, abs=0.01)
    assert share["B"] == pytest.approx(0.20, abs=0.01)
    assert share["C"] == pytest.approx(0.05, abs=0.01)
    assert share["A"] >= 0.75  # the customer crossing 75% is still A
    # classes follow sales: every A customer sells at least as much as any B, B as any C
    a, b, c = (sales[members & (codes == ABC_CODES[k])] for k in "ABC")
    assert a.min() >= b.max() and b.min() >= c.max()
    # A customers are few: the 80/20 shape
    assert (members & (codes == 0)).sum() < 0.5 * members.sum()
    assert np.all(codes[~members] == ABC_CODES["C"])


def test_abc_classes_without_members_or_sales_are_all_c():
    sales = np.array([5.0, 3.0, 1.0], dtype=np.float32)
    assert np.all(abc_classes(sales, np.zeros(3, bool)) == ABC_CODES["C"])
    assert np.all(abc_classes(np.zeros(3, np.float32), np.ones(3, bool)) == ABC_CODES["C"])
    # one customer with all the sales is A; a tiny tail is C
    codes = abc_classes(np.array([100.0, 19.0, 1.0], np.float32), np.ones(3, bool))
    assert codes.tolist() == [ABC_CODES["A"], ABC_CODES["B"], ABC_CODES["C"]]


# --------------------------------------------------------------------------- value classes
def test_value_classes_mark_below_zero_most_valuable_and_most_growable():
    rng = np.random.default_rng(2)
    n = 1_000
    margin = rng.normal(5.0, 10.0, n).astype(np.float32)
    potential = rng.random(n).astype(np.float32) * 50
    members = rng.random(n) < 0.7
    codes = value_classes(margin, potential, members)
    bz = members & (margin < 0)
    np.testing.assert_array_equal(codes == VALUE_CODES["BZ"], bz)
    assert np.all(codes[~members] == VALUE_CODES["other"])
    rest = members & ~bz
    mvc = codes == VALUE_CODES["MVC"]
    mgc = codes == VALUE_CODES["MGC"]
    assert mvc.sum() == round(0.2 * rest.sum()) and mgc.sum() == round(0.2 * rest.sum())
    assert margin[mvc].min() >= margin[rest & ~mvc].max()
    others = rest & ~mvc
    assert potential[mgc].min() >= potential[others & ~mgc].max()


def test_value_classes_small_cases():
    members = np.ones(3, bool)
    codes = value_classes(np.array([-1.0, 4.0, 2.0], np.float32),
                          np.array([0.0, 0.0, 9.0], np.float32), members)
    assert codes.tolist() == [VALUE_CODES["BZ"], VALUE_CODES["MVC"], VALUE_CODES["MGC"]]
    assert np.all(value_classes(np.ones(3, np.float32), np.ones(3, np.float32),
                                np.zeros(3, bool)) == VALUE_CODES["other"])


def test_level_costs_are_the_firms_cost_of_each_members_level() -> None:
    from types import SimpleNamespace

    from sim.scenario.firms import FirmCosts

    firm = SimpleNamespace(costs=FirmCosts(relationship={"proactive": 25.0}))
    members = np.array([0, 2, 3])
    per_customer = np.array([4, 0, 3, 1], dtype=np.int8)  # level codes, basic .. partnership
    np.testing.assert_array_equal(level_costs(firm, per_customer, members), [160.0, 25.0, 0.5])
    assert level_costs(firm, 2, members) == 2.0  # one level for everyone: one number
    assert level_costs(firm, per_customer, members).dtype == np.float32
    assert level_costs(firm, 3, members, dtype=np.float64).dtype == np.float64
