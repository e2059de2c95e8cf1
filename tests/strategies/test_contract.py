"""The strategy contract (every registered strategy) and each built-in strategy's behaviour.

Shaped after Axelrod-Python's shared player test: one contract, run for every strategy in
``sim.strategies.REGISTRY``; then behaviour tests per strategy on hand-made MarketViews.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
from types import MappingProxyType
from typing import Any

import pytest

import sim
from sim.columns import COLUMNS
from sim.levers import LEVELS, LeverSet, class_map_dimension, lever_keys
from sim.scenario.firms import FirmSpec
from sim.strategies import (
    REGISTRY,
    MarketView,
    Strategy,
    decided_levers,
    make_strategy,
    undeclared_levers,
    validate_strategy,
)
from sim.strategies.fixed import Fixed
from sim.strategies.four_c import FourC
from sim.strategies.four_p import FourP
from sim.strategies.four_r import FourR

LEVERS = FirmSpec().levers()
UNIT_COST = 46.86
SEGMENTS = ["lighthouse", "follower", "rational", "deal_seeker"]


def row(period: int, firm: str, **values: Any) -> MappingProxyType:
    """A time-series row with every column (neutral values) and the given overrides."""
    base: dict[str, Any] = dict.fromkeys(COLUMNS, 0.0)
    base.update(period=period, firm=firm, strategy="fixed", price=100.0, satisfaction=0.8,
                perceived_value=110.0, revenue=50_000.0, retention_rate=0.9, trust=0.5)
    base.update(values)
    return MappingProxyType(base)


def view(period: int = 5, *, levers: LeverSet = LEVERS, unit_cost: float = UNIT_COST,
         mine: list[dict] | None = None, rivals: dict[str, list[dict]] | None = None,
         centroid: tuple[float, float] | None = None,
         counts: dict[str, int] | None = None) -> MarketView:
    history = tuple(row(k + 1, "Me", **r) for k, r in enumerate(mine or []))
    competitors = MappingProxyType({name: tuple(row(k + 1, name, **r) for k, r in enumerate(rs))
                                    for name, rs in (rivals or {}).items()})
    return MarketView(period=period, firm="Me", levers=levers, unit_cost=unit_cost,
                      history=history, competitors=competitors, needs_centroid=centroid,
                      customer_counts=MappingProxyType(counts or {}))


def sample_views() -> list[MarketView]:
    """A range of situations every strategy must handle."""
    return [
        view(1),
        view(4, mine=[{}, {"satisfaction": 0.7}]),
        view(6, mine=[{}, {}, {"satisfaction": math.nan, "perceived_value": math.nan}],
             rivals={"Other": [{"price": 100.0}, {"price": 80.0}]}, centroid=(0.7, 0.3)),
        view(9, mine=[{"revenue": 1e6}] * 3,
             rivals={"A": [{"price": 120.0, "satisfaction": 0.95}],
                     "B": [{"price": 30.0, "perceived_value": math.nan}]},
             centroid=(0.0, 1.0), counts={"MVC": 10, "MGC": 5, "BZ": 2, "other": 40, "A": 8,
                                          "B": 20, "C": 29}),
        view(3, levers=LEVERS.model_copy(update={"price": 0.0, "convenience": 1.0}),
             unit_cost=0.0, mine=[{"revenue": 0.0, "perceived_value": -20.0}]),
    ]


def merged_levers(levers: LeverSet, decision: dict[str, Any]) -> LeverSet:
    data = levers.model_dump()
    for key, value in decision.items():
        data[key] = {**data[key], **value} if key == "programs" else value
    return LeverSet.model_validate(data)


# --------------------------------------------------------------------------- the contract
@pytest.fixture(params=sorted(REGISTRY))
def strategy_cls(request) -> type[Strategy]:
    return REGISTRY[request.param]


class TestStrategyContract:
    """What every registered strategy promises (DESIGN.md principle 4)."""

    def test_name_is_registered_and_documented(self, strategy_cls):
        assert REGISTRY[strategy_cls.name] is strategy_cls
        assert strategy_cls.name and strategy_cls.name != "base"
        doc = strategy_cls.__doc__ or ""
        assert len(doc.split()) >= 10 and "source" in doc.lower()
        assert isinstance(make_strategy(strategy_cls.name), strategy_cls)

    def test_review_cycle_and_delay_are_valid(self, strategy_cls):
        assert 1 <= strategy_cls.review_every <= 120
        assert 0 <= strategy_cls.observation_delay <= 24

    def test_repr_names_the_class_and_parameters(self, strategy_cls):
        s = strategy_cls()
        text = repr(s)
        assert text.startswith(f"{strategy_cls.__name__}(")
        for key, value in s.params.model_dump().items():
            assert f"{key}={value!r}" in text

    def test_clone_is_equal_and_independent(self, strategy_cls):
        s = strategy_cls()
        c = s.clone()
        assert c == s and c is not s and c.params == s.params and hash(c) == hash(s)
        views = sample_views()
        for v in views:
            assert c.decide(v) == s.decide(v)
        # using the clone leaves the original's decisions unchanged
        fresh = strategy_cls()
        for v in views:
            c.decide(v)
        assert [s.decide(v) for v in views] == [fresh.decide(v) for v in views]

    def test_reset_restores_a_fresh_strategy(self, strategy_cls):
        s = strategy_cls()
        views = sample_views()
        first = [s.decide(v) for v in views]
        s.reset()
        assert [s.decide(v) for v in views] == first

    def test_pickle_and_deepcopy_round_trip(self, strategy_cls):
        s = strategy_cls()
        for other in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s)):
            assert other == s and type(other) is strategy_cls
            assert [other.decide(v) for v in sample_views()] == [
                s.decide(v) for v in sample_views()]

    def test_same_view_gives_the_same_decision(self, strategy_cls):
        a, b = strategy_cls(), strategy_cls()
        for v in sample_views():
            assert a.decide(v) == a.decide(v) == b.decide(v)

    def test_decisions_are_valid_levers(self, strategy_cls):
        s = strategy_cls()
        for v in sample_views():
            decision = s.decide(v)
            assert isinstance(decision, dict)
            assert set(decision) <= set(LeverSet.model_fields)
            merged = merged_levers(v.levers, decision)
            for key in ("relationship_level", "discount"):
                value = getattr(merged, key)
                if isinstance(value, dict):
                    class_map_dimension(list(value), SEGMENTS)

    def test_it_declares_the_levers_it_decides_and_decides_only_those(self, strategy_cls):
        assert strategy_cls.decides is not None, "a built-in strategy declares `decides`"
        declared = decided_levers(strategy_cls)
        for lever, driver in strategy_cls.decides.items():
            assert isinstance(driver, str) and driver, lever
        used: set[str] = set()
        for v in sample_views():
            decision = strategy_cls().decide(v)
            assert undeclared_levers(strategy_cls, decision) == []
            used |= lever_keys(decision)
        assert used == declared, "every declared lever is set by some decision"

    def test_a_pinned_lever_stays_as_the_user_set_it(self, strategy_cls, make_scenario):
        declared = sorted(decided_levers(strategy_cls))
        if not declared:
            pytest.skip("decides no lever")
        lever = "price" if "price" in declared else declared[0]
        value = {"price": 57.0}.get(lever, 0.9 if lever != "relationship_level" else
                                    "proactive")
        block = {lever: value} if "." not in lever else {"programs": {
            lever.partition(".")[2]: 0.3}}
        model = sim.MarketModel(make_scenario(
            {"Me": {"strategy": strategy_cls.name, **block}, "Other": {"strategy": "4P"}},
            customers=300, periods=6), seed=1)
        model.run()
        levers = model.firms["Me"].levers
        kept = (getattr(levers.programs, lever.partition(".")[2]) if "." in lever
                else getattr(levers, lever))
        assert kept == (0.3 if "." in lever else value)

    def test_decisions_are_accepted_by_a_firm(self, strategy_cls, make_scenario):
        model = sim.MarketModel(make_scenario(
            {"Me": {"strategy": strategy_cls.name}, "Other": {"strategy": "4P"}},
            customers=300, periods=4), seed=1)
        model.run()
        firm = model.firms["Me"]
        live = model.observe(firm)
        for v in [live, *sample_views()]:
            firm.apply(firm.strategy.decide(v))  # raises ValueError if invalid

    def test_unknown_parameters_are_rejected(self, strategy_cls):
        problem = validate_strategy(strategy_cls.name, {"no_such_parameter": 1},
                                    allow_code=False)
        assert problem is not None and "no_such_parameter" in problem
        assert "unknown parameter" in problem
        assert validate_strategy(strategy_cls.name, {}, allow_code=False) is None
        with pytest.raises(ValueError):
            strategy_cls(no_such_parameter=1)


def test_unknown_strategy_names_are_rejected_with_a_hint():
    problem = validate_strategy("4p", {}, allow_code=False)
    assert problem is not None and "4P" in problem
    assert "allow-code" in (validate_strategy("mymod:Mine", {}, allow_code=False) or "")


def test_registry_holds_the_built_in_strategies():
    assert {"4P", "4C", "4R", "fixed"} <= set(REGISTRY)


# --------------------------------------------------------------------------- 4P
class TestFourP:
    def test_cost_plus_without_rivals(self):
        d = FourP().decide(view())
        assert d["price"] == pytest.approx(round(UNIT_COST * 1.6, 2))
        assert d["relationship_level"] == "basic" and d["coverage"] == 0.95
        assert d["programs"] == {"financial": 0.0, "social": 0.0, "structural": 0.0}

    def test_matches_a_rivals_lower_price(self):
        d = FourP().decide(view(rivals={"R": [{"price": 60.0}]}))
        assert d["price"] == pytest.approx(60.0)

    def test_does_not_match_below_its_floor(self):
        d = FourP().decide(view(rivals={"R": [{"price": 20.0}], "S": [{"price": 70.0}]}))
        assert d["price"] == pytest.approx(round(UNIT_COST * 1.05, 2))

    def test_ignores_a_higher_rival_price_and_can_refuse_to_match(self):
        cost_plus = round(UNIT_COST * 1.6, 2)
        assert FourP().decide(view(rivals={"R": [{"price": 90.0}]}))["price"] == cost_plus
        assert FourP(match_cuts=False).decide(view(rivals={"R": [{"price": 60.0}]}))[
            "price"] == cost_plus

    def test_promotion_is_a_share_of_revenue_with_a_minimum(self):
        assert FourP().decide(view(mine=[{"revenue": 100_000.0}]))["promotion"] == 12_000.0
        assert FourP().decide(view(mine=[{"revenue": 10_000.0}]))["promotion"] == 6_000.0
        assert FourP().decide(view())["promotion"] == 6_000.0


# --------------------------------------------------------------------------- 4C
CUT = MappingProxyType({"R": [{"price": 100.0}, {"price": 85.0}]})


class TestFourC:

    def test_holds_price_and_raises_convenience_on_a_rivals_cut(self):
        lv = LEVERS.model_copy(update={"price": 100.0, "convenience": 0.8})
        d = FourC().decide(view(levers=lv, rivals=dict(CUT)))
        assert d["price"] == 100.0
        assert d["convenience"] == pytest.approx(0.9)

    def test_follows_the_cut_when_told_not_to_hold(self):
        lv = LEVERS.model_copy(update={"price": 100.0, "convenience": 0.8})
        d = FourC(hold_on_price_cut=False).decide(view(levers=lv, rivals=dict(CUT)))
        assert d["price"] == 85.0 and d["convenience"] == pytest.approx(0.8)
        deep = {"R": [{"price": 100.0}, {"price": 10.0}]}
        d = FourC(hold_on_price_cut=False).decide(view(levers=lv, rivals=deep))
        assert d["price"] == pytest.approx(round(UNIT_COST * 1.1, 2))

    def test_moves_position_toward_the_needs_centroid(self):
        lv = LEVERS.model_copy(update={"position": (0.5, 0.5)})
        d = FourC().decide(view(levers=lv, centroid=(0.8, 0.2)))
        step = 0.5 * 0.6
        assert d["position"] == pytest.approx((0.5 + step * 0.3, 0.5 - step * 0.3))
        before = math.dist((0.5, 0.5), (0.8, 0.2))
        assert math.dist(d["position"], (0.8, 0.2)) == pytest.approx(before * (1 - step))
        assert "position" not in FourC().decide(view(levers=lv))

    def test_prices_by_perceived_value_against_rivals(self):
        lv = LEVERS.model_copy(update={"price": 100.0})
        v = view(levers=lv, mine=[{"perceived_value": 130.0}],
                 rivals={"R": [{"price": 90.0, "perceived_value": 110.0}]})
        d = FourC().decide(v)
        target = 90.0 + 0.8 * (130.0 - 110.0)
        assert d["price"] == pytest.approx(round(100.0 + 0.5 * (target - 100.0), 2))
        alone = FourC().decide(view(levers=lv, mine=[{"perceived_value": 150.0}]))
        assert alone["price"] == pytest.approx(100.0 + 0.5 * (0.8 * 150.0 - 100.0))

    def test_accountable_relationship_and_two_way_communication(self):
        d = FourC().decide(view())
        assert d["relationship_level"] == "accountable" and d["communication"] == 0.6


# --------------------------------------------------------------------------- 4R
class TestFourR:
    def test_relationship_level_by_value_class(self):
        d = FourR().decide(view())
        assert d["relationship_level"] == {"MVC": "partnership", "MGC": "proactive",
                                           "BZ": "basic", "other": "reactive"}
        assert class_map_dimension(list(d["relationship_level"]), SEGMENTS) == "value"
        assert d["discount"] == 0.0
        custom = FourR(mvc="proactive", other="basic").decide(view())["relationship_level"]
        assert custom["MVC"] == "proactive" and custom["other"] == "basic"

    def test_raises_service_when_satisfaction_falls(self):
        lv = LEVERS.model_copy(update={"service": 0.5})
        falling = FourR().decide(view(levers=lv, mine=[{"satisfaction": 0.8},
                                                       {"satisfaction": 0.7}]))
        steady = FourR().decide(view(levers=lv, mine=[{"satisfaction": 0.8},
                                                      {"satisfaction": 0.8}]))
        assert falling["service"] == pytest.approx(0.55)
        assert steady["service"] == pytest.approx(0.5)

    def test_a_fall_within_the_noise_of_the_mean_is_not_a_fall(self):
        """A control chart: a fall, or a rival's lead, counts beyond noise_limit (2) standard
        errors of the observed mean satisfaction, so the rule does not react to which
        customers happened to buy, nor more often with fewer customers simulated."""
        lv = LEVERS.model_copy(update={"service": 0.5})

        def decide(mine, se, rivals=None):
            v = dataclasses.replace(view(levers=lv, mine=mine, rivals=rivals or {}),
                                    satisfaction_se=se)
            return FourR().decide(v)["service"]

        dip = [{"satisfaction": 0.80}, {"satisfaction": 0.79}]
        assert decide(dip, 0.0) == pytest.approx(0.55)  # 0.01 > 0.005
        assert decide(dip, 0.004) == pytest.approx(0.55)  # 0.01 > 2 x 0.004
        assert decide(dip, 0.006) == pytest.approx(0.5)  # 0.01 < 2 x 0.006: noise
        steady = [{"satisfaction": 0.8}, {"satisfaction": 0.8}]
        assert decide(steady, 0.006, {"R": [{"satisfaction": 0.81}]}) == pytest.approx(0.5)
        assert decide(steady, 0.006, {"R": [{"satisfaction": 0.82}]}) == pytest.approx(0.55)
        strict = FourR(noise_limit=0.0)
        v = dataclasses.replace(view(levers=lv, mine=dip), satisfaction_se=0.006)
        assert strict.decide(v)["service"] == pytest.approx(0.55)

    def test_raises_service_when_a_rival_satisfies_more(self):
        lv = LEVERS.model_copy(update={"service": 0.98})
        d = FourR().decide(view(levers=lv, mine=[{"satisfaction": 0.8}, {"satisfaction": 0.8}],
                                rivals={"R": [{"satisfaction": 0.9}]}))
        assert d["service"] == 1.0

    def test_prices_at_a_premium_and_does_not_follow_cuts(self):
        d = FourR().decide(view(rivals={"R": [{"price": 100.0}, {"price": 40.0}]}))
        assert d["price"] == pytest.approx(round(UNIT_COST * 1.7, 2))
        assert d["cross_sell"] == 0.6 and d["programs"]["financial"] == 0.0

    def test_levels_reach_the_customers_by_value_class(self, run_model):
        model = run_model({"Me": {"strategy": "4R"}, "Other": {}}, customers=1_500, periods=8)
        firm = model.firms["Me"]
        model.classify(firm)
        levels = model.relationship_levels(firm)
        vc = model.state.value_class[firm.slot]
        chosen = firm.levers.relationship_level  # the class map of its last review
        assert chosen["BZ"] == "basic"
        # each class at most its parameter's level (partnership, proactive, reactive), less
        # where the class's margin does not pay for it
        for cls, most in {"MVC": "partnership", "MGC": "proactive", "other": "reactive"}.items():
            assert LEVELS.index(chosen[cls]) <= LEVELS.index(most)
        codes = {"MVC": 0, "MGC": 1, "BZ": 2, "other": 3}
        for cls, code in codes.items():
            assert set(levels[vc == code].tolist()) <= {LEVELS.index(chosen[cls])}
        assert (vc == 0).sum() > 0 and (vc == 1).sum() > 0


# --------------------------------------------------------------------------- fixed
def test_fixed_changes_nothing():
    for v in sample_views():
        assert Fixed().decide(v) == {}
    assert Fixed.review_every == 1 and Fixed.observation_delay == 0
