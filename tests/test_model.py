"""Tests for sim.model: invariants of the time series, determinism, common random numbers,
Bass diffusion, the domain mechanisms, and the read-only customer view."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

import sim
from sim.columns import COLUMNS
from sim.levers import LEVELS
from sim.market.firm import COST_LINES
from sim.market.model import CustomerView, MarketModel
from sim.market.relationship import CLASS_NAMES, LOYAL, REPEAT
from sim.market.seeding import Streams
from sim.market.value import ValueBreakdown, money_cost_kernel, net_value_kernel

F32 = np.float32
COUNTS = ("customers", "acquired", "retained", "churned", "active", "unaware", "potential",
          "new", "repeat", "loyal", "lapsed", "spurious", "failures")
CLASSES = ("unaware", "potential", "new", "repeat", "loyal", "lapsed")
ATTITUDES = ("satisfaction", "trust", "commitment", "calculative")


# --------------------------------------------------------------------------- invariants
def check_invariants(model: MarketModel) -> pd.DataFrame:
    """Assert every bookkeeping invariant on every row of a finished run's time series."""
    df = model.timeseries()
    n = model.population.n
    d = model.spec.discount_rate
    assert list(df.columns) == list(COLUMNS)
    assert not df.duplicated(["period", "firm"]).any()
    assert sorted(df["period"].unique()) == list(range(1, model.spec.periods + 1))
    for _, rows in df.groupby("period"):
        assert rows["share_units"].sum() + rows["share_outside"].iloc[0] == pytest.approx(
            1.0, abs=1e-9)
        assert rows["share_outside"].nunique() == 1
        if rows["revenue"].sum() > 0:
            assert rows["share_value"].sum() == pytest.approx(1.0, abs=1e-9)
    for col in (*COUNTS, "units", "goodwill", "price", "unit_cost", "revenue",
                *COST_LINES):
        assert (df[col] >= 0).all(), col
    for col in ("share_units", "share_value", "share_outside", "image"):
        assert df[col].between(0.0, 1.0).all(), col
    assert (df[list(CLASSES)].sum(axis=1) == n).all()
    assert (df["active"] == df["new"] + df["repeat"] + df["loyal"]).all()
    assert (df["spurious"] <= df["repeat"]).all()
    assert (df["acquired"] <= df["customers"]).all()
    assert (df["customers"] <= df["active"]).all()
    cost_columns = [c for c in df.columns if c.startswith("cost_")]
    assert set(cost_columns) == set(COST_LINES)
    costs = df[cost_columns].sum(axis=1)
    np.testing.assert_allclose(df["revenue"] - costs, df["profit"], rtol=1e-9, atol=1e-6)
    finite = [c for c in COLUMNS if c not in ("period", "firm", "strategy", "retention_rate",
                                              "perceived_value", *ATTITUDES)]
    assert np.isfinite(df[finite].to_numpy(dtype=float)).all()
    assert not np.isinf(df["perceived_value"]).any()
    for name, rows in df.groupby("firm", sort=False):
        rows = rows.sort_values("period")
        entered = model.firms[name].entered
        assert rows["period"].iloc[0] == max(entered, 1)
        assert list(rows["period"]) == list(range(rows["period"].iloc[0],
                                                  model.spec.periods + 1))
        start = np.concatenate([[0], rows["active"].to_numpy()[:-1]])
        assert (rows["active"].to_numpy() == start - rows["churned"] + rows["acquired"]).all()
        assert (rows["retained"] + rows["churned"] == start).all()
        rate = rows["retention_rate"].to_numpy()
        assert np.array_equal(np.isnan(rate), start == 0), name
        has = start > 0
        np.testing.assert_allclose(rate[has], rows["retained"].to_numpy()[has] / start[has])
        for col in ATTITUDES:
            values = rows[col].to_numpy()
            assert np.array_equal(np.isnan(values), rows["active"].to_numpy() == 0), (name, col)
            assert ((values[~np.isnan(values)] >= 0) & (values[~np.isnan(values)] <= 1)).all()
        np.testing.assert_allclose(rows["cumulative_profit"], rows["profit"].cumsum(),
                                   rtol=1e-9, atol=1e-6)
        discounted = (rows["profit"] / (1.0 + d) ** rows["period"]).cumsum()
        np.testing.assert_allclose(rows["discounted_profit"], discounted, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(rows["price"].iloc[-1], model.firms[name].levers.price)
    return df


def test_invariants_three_strategies(make_scenario):
    scenario = make_scenario({"Alpha": {"strategy": "4P"}, "Beta": {"strategy": "4C"},
                              "Gamma": {"strategy": "4R"}}, customers=3_000, periods=24)
    model = MarketModel(scenario, seed=7).run()
    df = check_invariants(model)
    assert set(df["strategy"]) == {"4P", "4C", "4R"}
    last = df[df["period"] == 24]
    assert (last["active"] > 100).all() and (last["loyal"] > 0).all()
    assert model.period == 24 and not model.running


EVENTS = [
    {"period": 4, "firm": "Beta", "strategy": "4R", "params": {"markup": 0.5}},
    {"period": 6, "add_firm": {"name": "Newco", "strategy": "4C", "price": 80.0,
                               "promotion": 20_000.0}},
    {"period": 8, "firm": "Alpha", "set": {
        "price": 60.0, "discount": {"deal_seeker": 0.1},
        "relationship_level": {"lighthouse": "partnership", "default": "reactive"}}},
    {"period": 10, "market": {"money_weight": 1.4, "needs_shift": [0.1, -0.1],
                              "purchase_rate": 0.8}},
]


def test_invariants_with_every_kind_of_event(make_scenario):
    scenario = make_scenario({"Alpha": {"strategy": "4P"}, "Beta": {"strategy": "4C"}},
                             customers=3_000, periods=16, events=EVENTS)
    model = MarketModel(scenario, seed=4).run()
    df = check_invariants(model)
    beta = df[df["firm"] == "Beta"].set_index("period")
    assert beta.loc[3, "strategy"] == "4C" and beta.loc[4, "strategy"] == "4R"
    newco = df[df["firm"] == "Newco"].set_index("period")
    assert newco.index.min() == 6 and newco.loc[6, "unaware"] > 2_500
    assert newco.loc[16, "active"] > newco.loc[6, "active"]
    alpha = df[df["firm"] == "Alpha"].set_index("period")
    assert alpha.loc[7, "price"] != 60.0 and alpha.loc[8, "price"] == 60.0
    assert model.population.weight("money").mean() > 1.2  # the recession event


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_series_and_another_seed_differs(make_scenario):
    scenario = make_scenario({"Alpha": {"strategy": "4P"}, "Beta": {"strategy": "4R"}},
                             customers=1_500, periods=12, events=EVENTS[1:2])
    a = MarketModel(scenario, seed=11).run().timeseries()
    b = MarketModel(scenario, seed=11).run().timeseries()
    c = MarketModel(scenario, seed=12).run().timeseries()
    assert a.equals(b)
    assert not a.equals(c)
    assert not np.allclose(a["revenue"], c["revenue"])
    assert sim.run(scenario, seed=11).equals(a)
    # the scenario's own seed is the default
    assert MarketModel(scenario.model_copy(update={"seed": 11})).run().timeseries().equals(a)


# --------------------------------------------------------------------------- common random numbers
class RecordingStreams:
    """Wraps a model's Streams and records every uniform drawn from the customers stream."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams
        self.drawn: dict[tuple, list[np.ndarray]] = defaultdict(list)

    def generator(self, name: str, *index: int):
        gen = self.streams.generator(name, *index)
        if name != "customers":
            return gen
        log = self.drawn[index]

        class Recorder:
            def random(self, *args, **kwargs):
                out = gen.random(*args, **kwargs)
                log.append(np.array(out, copy=True))
                return out

            def __getattr__(self, attr):  # anything else must not be used
                raise AssertionError(f"customers stream used via {attr}")

        return Recorder()

    def __getattr__(self, attr):
        return getattr(self.streams, attr)


def test_common_random_numbers_across_strategies(make_scenario):
    n = 2_000
    models = []
    for beta in ("fixed", "4R"):
        scenario = make_scenario({"Alpha": {"strategy": "4P"}, "Beta": {"strategy": beta}},
                                 customers=n, periods=6)
        model = MarketModel(scenario, seed=5)
        model.streams = RecordingStreams(model.streams)
        model.run()
        models.append(model)
    a, b = models
    for name, value in vars(a.population).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, getattr(b.population, name), err_msg=name)
    np.testing.assert_array_equal(a.network.degree, b.network.degree)
    x = np.random.default_rng(0).random(n).astype(F32)
    np.testing.assert_array_equal(a.network.neighbour_sum(x), b.network.neighbour_sum(x))
    # the same per-period customer draws, whatever the firms did
    assert sorted(a.streams.drawn) == [(t,) for t in range(1, 7)]
    for t, draws in a.streams.drawn.items():
        assert len(draws) == 4 and all(d.shape == (n,) for d in draws)
        for x_a, x_b in zip(draws, b.streams.drawn[t], strict=True):
            np.testing.assert_array_equal(x_a, x_b)
    # the strategies did make the runs differ
    assert not a.timeseries()["revenue"].equals(b.timeseries()["revenue"])


def test_period_one_occasions_come_from_the_customers_stream(make_scenario):
    n = 2_000
    for beta in ("fixed", "4C"):
        scenario = make_scenario({"Alpha": {"strategy": "4P"}, "Beta": {"strategy": beta}},
                                 customers=n, periods=3)
        model = MarketModel(scenario, seed=9)
        model.step()
        u_occ = Streams(9).generator("customers", 1).random(n, dtype=F32)
        occasion = u_occ < model.population.purchase_rate
        bought = (model.state.last_purchase == 1).any(axis=0)
        assert bought.sum() > 100
        assert not np.any(bought & ~occasion)
        # every customer with an occasion either bought or took the outside option: the
        # wanted units are exactly the occasion customers' volume
        df = model.timeseries()
        wanted = df["units"].sum() / (1.0 - df["share_outside"].iloc[0])
        assert wanted == pytest.approx(float(model.population.volume[occasion].sum()), rel=1e-5)


# --------------------------------------------------------------------------- Bass diffusion
@pytest.mark.parametrize(("innovation", "imitation"), [(0.03, 0.38), (0.05, 0.0)])
def test_one_firm_adoption_follows_bass(make_scenario, innovation, imitation):
    n, periods = 20_000, 25
    scenario = make_scenario(
        {"Solo": {"price": 10.0, "coverage": 1.0, "quality": 1.0, "promotion": 8_000.0}},
        customers=n, periods=periods, market={
            "segments": {"everyone": {"share": 1.0, "purchase_rate": 1.0,
                                       "needs_spread": 0.0}},
            "network": {"kind": "complete"},
            "awareness": {"initial": 0.0, "innovation": innovation, "imitation": imitation},
            "behaviour": {"outside_value": -1e6, "perception_noise": 0.0,
                          "failure_base": 0.0}})
    model = MarketModel(scenario, seed=3)
    firm = model.firms["Solo"]
    reach = firm.promotion_reach
    p, q = innovation * reach, imitation
    adopted = [0.0]
    while model.running:
        model.step()
        assert firm.promotion_reach == pytest.approx(reach)  # goodwill at steady state
        ever = model.state.ever[0]
        np.testing.assert_array_equal(ever, model.state.aware[0])  # aware means bought
        adopted.append(float(ever.mean()))
    F = np.array(adopted)
    # one step at a time, from the observed F(t)
    predicted = F[:-1] + (p + q * F[:-1]) * (1.0 - F[:-1])
    np.testing.assert_allclose(F[1:], predicted, atol=0.008)
    # the whole curve from F(0) = 0 (early luck shifts the curve in time by a little)
    bass = [0.0]
    for _ in range(periods):
        bass.append(bass[-1] + (p + q * bass[-1]) * (1.0 - bass[-1]))
    np.testing.assert_allclose(F, bass, atol=0.04)
    assert F[1] == pytest.approx(p, abs=0.004)


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
    stop_event = [{"period": 19, "firm": "Acme", "set": {"programs": {"financial": 0.0}}}]
    firms = {"Acme": {"programs": {"financial": 0.1}}, "Rival": {"position": (0.45, 0.5)}}
    outcome: dict[tuple[str, str], list[float]] = defaultdict(list)
    for seed in SEEDS:
        for arm, events in (("stop", stop_event), ("keep", [])):
            groups: dict[str, np.ndarray] = {}
            buys: dict[str, int] = defaultdict(int)

            def watch(model: MarketModel, groups=groups, buys=buys) -> None:
                st, b = model.state, model.spec.market.behaviour
                if model.period == 18:
                    active = st.current == 0
                    calc = 1.0 - np.exp(-st.points[0] / b.calculative_scale)
                    groups["loyal"] = active & (st.loyalty_class[0] == LOYAL)
                    groups["spurious"] = (active & (st.loyalty_class[0] == REPEAT)
                                          & (st.loyalty[0] >= b.loyal_loyalty)
                                          & (calc > st.commitment[0]))
                elif model.period > 18:
                    for k, g in groups.items():
                        buys[k] += np.count_nonzero(g & (st.last_purchase[0] == model.period))

            model = run_model(firms, seed=seed, customers=4_000, periods=30, events=events,
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
    # per active customer: the level's cost (12 vs 0) plus communication 0.2 x 3
    assert partner["cost"] == pytest.approx(12.0 + 0.6)
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


# --------------------------------------------------------------------------- customer view
@pytest.fixture(scope="module")
def finished_model():
    scenario = sim.scenario_from_dict({
        "periods": 10, "market": {"customers": 1_500},
        "firms": {"Alpha": {"strategy": "4R"},
                  "Beta": {"discount": {"deal_seeker": 0.2}, "programs": {
                      "financial": 0.05, "social": 0.5, "structural": 0.5}}}})
    return MarketModel(scenario, seed=2).run()


def test_customer_view_describes_the_customer(finished_model):
    model = finished_model
    pop, st = model.population, model.state
    for i in range(0, 1_500, 97):
        view = model.customer(i)
        assert isinstance(view, CustomerView) and view.index == i
        assert view.segment == pop.segment_names[pop.segment[i]]
        assert view.business is False
        assert view.parameters["weights"]["money"] == pytest.approx(float(pop.weights[4, i]))
        assert view.parameters["lapse_periods"] == int(pop.lapse_periods[i])
        cur = int(st.current[i])
        assert view.current_firm == (model.names[cur] if cur >= 0 else None)
        assert set(view.firms) == {"Alpha", "Beta"}
        for name, info in view.firms.items():
            s = model.slot_of[name]
            assert info["loyalty_class"] in CLASS_NAMES
            assert info["loyalty_class"] == CLASS_NAMES[st.loyalty_class[s, i]]
            assert info["relationship_level"] in LEVELS
            assert info["trust"] == pytest.approx(float(st.trust[s, i]))
            value = view.delivered_value(name)
            assert isinstance(value, ValueBreakdown)
            assert {f.name for f in dataclasses.fields(value)} == {
                "product", "service", "personnel", "image", "money", "time", "energy",
                "psychic"}
    with pytest.raises(IndexError):
        model.customer(1_500)


def test_customer_view_value_matches_the_vectorised_kernel(finished_model):
    model = finished_model
    pop, st, b = model.population, model.state, model.spec.market.behaviour
    checked = 0
    for firm in model.active_firms:
        s = firm.slot
        levels = np.broadcast_to(np.asarray(model.relationship_levels(firm)), (pop.n,))
        discount = np.broadcast_to(np.asarray(model.resolve_class_map(
            firm.levers.discount, s, 0.0, float), dtype=F32), (pop.n,))
        idx = np.concatenate([np.flatnonzero(st.current == s)[:10],
                              np.flatnonzero(st.current != s)[:10]])
        for i in idx:
            effect = b.levels[LEVELS[int(levels[i])]]

            def one(x, dtype=F32):
                return np.array([x], dtype=dtype)

            net = net_value_kernel(
                pop.weights[:, i:i + 1], pop.base_value[i:i + 1], pop.needs[:, i:i + 1],
                pop.novelty_appetite[i:i + 1], pop.experience_appetite[i:i + 1],
                firm.offer_terms(), one(st.current[i] == s), one(effect.service_uplift),
                one(effect.cocreation), one(effect.psychic_relief), st.trust[s, i:i + 1],
                st.sentiment[s, i:i + 1], st.bond[s, i:i + 1], model.spec.market.value, b)
            money = money_cost_kernel(pop.weights[4, i:i + 1], firm.offer_terms(),
                                      discount[i:i + 1])
            view = model.customer(int(i)).delivered_value(firm.name)
            assert view.delivered_value == pytest.approx(float(net[0] - money[0]), abs=0.01)
            assert view.money == pytest.approx(float(money[0]), abs=0.01)
            checked += 1
    assert checked == 40


def test_customer_view_is_read_only(finished_model):
    view = finished_model.customer(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.segment = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        view.firms["Alpha"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        view.firms["Alpha"]["trust"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        view.parameters["weights"]["money"] = 9.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.delivered_value("Alpha").money = 0.0  # type: ignore[misc]
    # reading the view changes nothing in the model
    before = finished_model.state.trust.copy()
    finished_model.customer(3)
    np.testing.assert_array_equal(before, finished_model.state.trust)
    assert math.isfinite(view.delivered_value("Beta").delivered_value)


def test_purchase_rate_event_rescales_the_lapse_period(run_model):
    model = run_model({"Acme": {}}, customers=1_000, periods=4,
                      events=[{"period": 2, "market": {"purchase_rate": 0.25}}])
    pop, b = model.population, model.spec.market.behaviour
    np.testing.assert_allclose(pop.purchase_rate, 0.125)
    np.testing.assert_array_equal(pop.lapse_periods, np.ceil(b.lapse_after / 0.125))


def test_event_for_an_entrant_before_it_enters_is_a_user_error(make_scenario):
    import pydantic

    try:
        scenario = make_scenario({"Acme": {}}, customers=300, periods=12, events=[
            {"period": 10, "add_firm": {"name": "Newco"}},
            {"period": 5, "firm": "Newco", "set": {"price": 50.0}}])
    except pydantic.ValidationError as exc:
        assert "Newco" in str(exc)
        return
    MarketModel(scenario, seed=1).run()


def test_run_stops_at_the_last_period_and_can_be_resumed(make_scenario):
    scenario = make_scenario({"Acme": {}}, customers=500, periods=6)
    whole = MarketModel(scenario, seed=3).run().timeseries()
    model = MarketModel(scenario, seed=3)
    seen = []
    model.run(periods=2, progress=lambda done, total: seen.append((done, total)))
    assert model.period == 2 and seen == [(1, 2), (2, 2)]
    model.run()
    model.run()
    model.step()  # past the end: nothing happens
    assert model.timeseries().equals(whole)


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
    import sim

    scenario = make_scenario({
        "Deep": {"strategy": "fixed", "relationship_level": "partnership"},
        "Plain": {"strategy": "fixed"}}, customers=3000, periods=24)
    df = sim.run(scenario, seed=4)
    late = df[(df.period >= 10) & (df.active > 200)]
    assert len(late) > 10
    share = late.mvc / (late.active - late.bz)
    assert share.between(0.12, 0.28).all()
    deep = df[df.firm == "Deep"].iloc[-1]
    plain = df[df.firm == "Plain"].iloc[-1]
    assert deep.bz > plain.bz  # partnership's per-customer cost makes small buyers unprofitable
