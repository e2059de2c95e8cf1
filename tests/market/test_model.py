"""Tests for sim.market.model: invariants of the time series, determinism, common random
numbers and Bass diffusion."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

import sim
from sim.columns import COLUMNS
from sim.market.ledger import COST_LINES
from sim.market.model import MarketModel
from sim.market.seeding import Streams

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


# --------------------------------------------------------------------------- events and running
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


# --------------------------------------------------------------------------- the phases
def test_the_phases_replayed_one_by_one_are_the_step(make_scenario, replay_period):
    """tests/market/conftest.py's replay of the phases is exactly MarketModel.step."""
    scenario = make_scenario(
        {"P": {"strategy": "4P"}, "C": {"strategy": "4C"}, "R": {"strategy": "4R",
         "programs": {"financial": 0.05, "structural": 0.3}}},
        customers=1_500, periods=8,
        events=[{"period": 5, "add_firm": {"name": "New", "price": 80.0}},
                {"period": 6, "market": {"money_weight": 1.2}}])
    stepped, replayed = MarketModel(scenario, seed=4), MarketModel(scenario, seed=4)
    for _ in range(8):
        stepped.step()
        replay_period(replayed)
    assert replayed.period == stepped.period == 8
    pd.testing.assert_frame_equal(replayed.timeseries(), stepped.timeseries())
    for name, array in vars(stepped.state).items():
        np.testing.assert_array_equal(getattr(replayed.state, name), array, err_msg=name)


def test_events_scheduled_on_a_running_market_act_at_their_period(make_scenario):
    from sim.market.model import MarketModel
    from sim.scenario.events import EventSpec

    spec = make_scenario({"A": {"price": 100.0}, "B": {"price": 90.0}}, customers=300,
                         periods=6)
    model = MarketModel(spec, seed=1).run(periods=3)
    model.schedule([EventSpec(period=5, firm="A", set={"price": 70.0})])
    prices = model.run().timeseries().query("firm == 'A'").set_index("period")["price"]
    assert prices.loc[4] == 100.0 and (prices.loc[5:] == 70.0).all()
    with pytest.raises(ValueError, match="is in the past"):
        model.schedule([EventSpec(period=2, firm="A", set={"price": 60.0})])
