"""Tests of the market's domain mechanisms end to end: price, points, partnership, trust,
promotion, coverage, failures, events, and the strategies' reactions in the market."""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
import pytest

import sim
from sim.levers import LEVELS
from sim.market.model import MarketModel
from sim.market.relationship import LOYAL, REPEAT

# --------------------------------------------------------------------------- mechanisms
SEEDS = (1, 2, 3)
TWO_FIRMS = {"Acme": {}, "Rival": {"position": (0.45, 0.5)}}


def test_price_rise_loses_deal_seekers_before_lighthouse_customers(run_model):
    kept: dict[str, list[float]] = defaultdict(list)
    for seed in SEEDS:
        base = run_model(TWO_FIRMS, seed=seed, customers=3_000)
        dear = run_model(TWO_FIRMS, seed=seed, customers=3_000, events=[
            {"period": 13, "firm": "Acme", "set": {"price": 130.0}}])
        seg, names = base.population.segment, base.population.segment_names
        for k, name in enumerate(names):
            before = np.count_nonzero((base.state.current == 0) & (seg == k))
            after = np.count_nonzero((dear.state.current == 0) & (seg == k))
            kept[name].append(after / before)
    drop = {name: 1.0 - float(np.mean(v)) for name, v in kept.items()}
    assert drop["deal_seeker"] > drop["lighthouse"] + 0.2, drop
    assert drop["deal_seeker"] > drop["rational"] > drop["lighthouse"] > 0.1, drop


def test_points_stop_spurious_loyalty_leaves_true_loyalty_stays(run_model):
    stop_event = [{"period": 25, "firm": "Acme", "set": {"programs": {"financial": 0.0}}}]
    firms = {"Acme": {"programs": {"financial": 0.1}}, "Rival": {"position": (0.45, 0.5)}}
    outcome: dict[tuple[str, str], list[float]] = defaultdict(list)
    for seed in SEEDS:
        for arm, events in (("stop", stop_event), ("keep", [])):
            groups: dict[str, np.ndarray] = {}
            buys: dict[str, int] = defaultdict(int)

            def watch(model: MarketModel, groups=groups, buys=buys) -> None:
                st, b = model.state, model.spec.market.behaviour
                if model.period == 24:
                    active = st.current == 0
                    calc = 1.0 - np.exp(-st.points[0] / b.calculative_scale)
                    groups["loyal"] = active & (st.loyalty_class[0] == LOYAL)
                    groups["spurious"] = (active & (st.loyalty_class[0] == REPEAT)
                                          & (st.loyalty[0] >= b.loyal_loyalty)
                                          & (calc > st.commitment[0]))
                elif model.period > 24:
                    for k, g in groups.items():
                        buys[k] += np.count_nonzero(g & (st.last_purchase[0] == model.period))

            model = run_model(firms, seed=seed, customers=4_000, periods=36, events=events,
                              after_step=watch)
            for k, g in groups.items():
                assert g.sum() > 50, (k, g.sum())
                outcome[(arm, k, "stayed")].append(
                    np.count_nonzero(g & (model.state.current == 0)) / g.sum())
                outcome[(arm, k, "buys")].append(buys[k] / g.sum() / 12)
    mean = {key: float(np.mean(v)) for key, v in outcome.items()}
    # after the stop, the truly loyal keep buying and stay more than the spuriously loyal
    assert mean[("stop", "loyal", "stayed")] > mean[("stop", "spurious", "stayed")] + 0.03
    assert mean[("stop", "loyal", "buys")] > mean[("stop", "spurious", "buys")]
    # and the stop itself is what drives the spuriously loyal away
    lost_spurious = mean[("keep", "spurious", "stayed")] - mean[("stop", "spurious", "stayed")]
    lost_loyal = mean[("keep", "loyal", "stayed")] - mean[("stop", "loyal", "stayed")]
    assert lost_spurious > 0.05 and lost_spurious > 1.5 * lost_loyal, mean


@pytest.mark.parametrize("seed", (1, 2))
def test_partnership_raises_retention_trust_and_cost_per_customer(run_model, seed):
    result = {}
    for level in ("basic", "partnership"):
        model = run_model({"Acme": {"relationship_level": level}, "Rival": {}}, seed=seed,
                          customers=3_000)
        acme = model.timeseries().query("firm == 'Acme'")
        result[level] = {
            "retention": acme["retention_rate"].iloc[-12:].mean(),
            "cost": (acme["cost_relationship"] / acme["active"]).iloc[-12:].mean(),
            "trust_growth": acme["trust"].iloc[-1] - acme["trust"].iloc[0],
            "trust": acme["trust"].iloc[-1],
        }
    basic, partner = result["basic"], result["partnership"]
    assert partner["retention"] > basic["retention"] + 0.02
    # per active customer: the level's cost (160 vs 0: half a day a month of an account team)
    # plus communication 0.2 x 3
    assert partner["cost"] == pytest.approx(160.0 + 0.6)
    assert basic["cost"] == pytest.approx(0.6)
    # relationship levels raise trust growth
    assert partner["trust_growth"] > basic["trust_growth"] + 0.05
    assert partner["trust"] > basic["trust"] + 0.1


def test_trust_grows_with_each_relationship_level(run_model):
    trust = []
    for level in LEVELS:
        model = run_model({"Acme": {"relationship_level": level}}, seed=1, customers=2_000,
                          periods=12)
        trust.append(model.timeseries()["trust"].iloc[-1])
    assert all(a < b for a, b in itertools.pairwise(trust)), trust


def test_promotion_raises_awareness(run_model):
    unaware = {}
    for promotion in (0.0, 20_000.0):
        model = run_model({"Acme": {"promotion": promotion}}, seed=1, customers=3_000)
        unaware[promotion] = model.timeseries()["unaware"].to_numpy()
    assert (unaware[20_000.0][4:] < unaware[0.0][4:]).all()
    assert unaware[0.0][5] - unaware[20_000.0][5] > 300


def test_coverage_limits_who_can_buy(run_model):
    ever = {}
    for coverage in (0.5, 1.0):
        model = run_model({"Acme": {"coverage": coverage}}, seed=1, customers=3_000)
        reach = model.population.reach_draw[0]
        assert not np.any(model.state.ever[0] & (reach >= coverage))
        ever[coverage] = int(model.state.ever[0].sum())
    assert ever[0.5] < 0.6 * ever[1.0]


def test_lower_quality_and_service_mean_more_failures_and_less_satisfaction(run_model):
    stats = {}
    for label, levers in (("poor", {"quality": 0.2, "service": 0.1}),
                          ("good", {"quality": 0.9, "service": 0.9})):
        failures = purchases = 0
        satisfaction = []
        for seed in SEEDS:
            model = run_model({"Acme": {**levers, "price": 60.0}}, seed=seed, customers=3_000)
            df = model.timeseries()
            failures += df["failures"].sum()
            purchases += df["customers"].sum()
            satisfaction.append(df["satisfaction"].iloc[-6:].mean())
            p = model.firms["Acme"].failure_probability()
        stats[label] = (failures / purchases, float(np.mean(satisfaction)), p)
    poor, good = stats["poor"], stats["good"]
    assert poor[0] > 2.0 * good[0]
    assert poor[0] == pytest.approx(poor[2], abs=0.015)
    assert good[0] == pytest.approx(good[2], abs=0.01)
    assert poor[1] < good[1] - 0.1


def test_service_failures_alone_lower_satisfaction(run_model):
    sat = {}
    for base in (0.0, 0.5):
        df = run_model({"Acme": {}}, seed=1, customers=3_000,
                       market={"behaviour": {"failure_base": base}}).timeseries()
        sat[base] = df["satisfaction"].iloc[-6:].mean()
        if base == 0.0:
            assert df["failures"].sum() == 0
    assert sat[0.5] < sat[0.0] - 0.05


def test_negative_delivered_value_everywhere_means_no_purchase(run_model):
    # a price above every customer's value: nobody buys, even with no outside option
    model = run_model({"Acme": {"price": 5_000.0}}, seed=1, customers=1_000, periods=4,
                      market={"behaviour": {"outside_value": -1e6}})
    df = model.timeseries()
    assert (df["customers"] == 0).all() and (df["share_outside"] == 1.0).all()
    assert (df["revenue"] == 0).all() and not model.state.ever.any()


def test_event_setting_one_program_keeps_the_others(run_model):
    model = run_model({"Acme": {"programs": {"financial": 0.1, "social": 0.5,
                                             "structural": 0.4}}},
                      customers=300, periods=3,
                      events=[{"period": 2, "firm": "Acme",
                               "set": {"programs": {"financial": 0.0}}}])
    programs = model.firms["Acme"].levers.programs
    assert programs.financial == 0.0
    assert (programs.social, programs.structural) == (0.5, 0.4)


def test_purchase_rate_event_rescales_the_lapse_period(run_model):
    model = run_model({"Acme": {}}, customers=1_000, periods=4,
                      events=[{"period": 2, "market": {"purchase_rate": 0.25}}])
    pop, b = model.population, model.spec.market.behaviour
    np.testing.assert_allclose(pop.purchase_rate, 0.125)
    np.testing.assert_array_equal(pop.lapse_periods, np.ceil(b.lapse_after / 0.125))


# ------------------------------------------------------------------ strategies in the market
def test_4p_matches_a_rival_cut_after_its_review_and_delay(run_model):
    model = run_model({"Me": {"strategy": "4P"}, "Cutter": {}}, customers=1_000, periods=12,
                      events=[{"period": 6, "firm": "Cutter", "set": {"price": 60.0}}])
    me = model.timeseries().query("firm == 'Me'").set_index("period")["price"]
    cost_plus = round(model.firms["Me"].unit_cost() * 1.6, 2)
    # reviews every 3 periods (1, 4, 7, 10) seeing rows up to 2 periods back
    assert (me.loc[1:9] == cost_plus).all()
    assert (me.loc[10:] == 60.0).all()


def test_4c_holds_price_on_a_rival_cut_it_observes(make_scenario):
    scenario = make_scenario({"Me": {"strategy": "4C"}, "Cutter": {}}, customers=1_000,
                             periods=12,
                             events=[{"period": 6, "firm": "Cutter", "set": {"price": 60.0}}])
    model = MarketModel(scenario, seed=1)
    model.run(periods=9)
    me = model.firms["Me"]
    price, convenience = me.levers.price, me.levers.convenience
    model.step()  # period 10: the first review that observes the cut (rows up to period 8)
    assert me.levers.price >= price
    assert me.levers.convenience == pytest.approx(min(1.0, convenience + 0.1))


def test_portfolio_columns_follow_the_value_classes(make_scenario) -> None:
    """MVC is about mvc_share of the profitable current customers (classified at each review);
    below-zero customers appear when deep relationships cost more than small buyers bring."""

    scenario = make_scenario({
        "Deep": {"strategy": "fixed", "relationship_level": "proactive"},
        "Plain": {"strategy": "fixed"}}, customers=3000, periods=24)
    df = sim.run(scenario, seed=4)
    late = df[(df.period >= 10) & (df.active > 200)]
    assert len(late) > 10
    share = late.mvc / (late.active - late.bz)
    assert share.between(0.12, 0.28).all()
    deep = df[df.firm == "Deep"].iloc[-1]
    plain = df[df.firm == "Plain"].iloc[-1]
    assert deep.bz > plain.bz  # proactive's per-customer cost makes small buyers unprofitable
