"""The dashboard's state without a browser: settings, building and resetting the model, the
customer sample, one customer's delivered value, and the downloads (CSV and scenario YAML)."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.columns import COLUMNS
from sim.dashboard.state import (
    BY_CLASS,
    NO_FIRM,
    ControlPanel,
    CustomerSample,
    DashboardModel,
    SettingsError,
    build_scenario,
    customer_card,
    download_name,
    scenario_catalogue,
    scenario_yaml,
    settings_from_scenario,
    timeseries_csv,
    value_components,
)
from sim.market.population import COMPONENTS
from sim.scenario.loader import load_scenario
from sim.scenario.spec import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Path]:
    return scenario_catalogue(SCENARIOS)


def shipped_with(what: str, test) -> tuple[str, Scenario]:
    """The first shipped scenario for which ``test(scenario)`` holds (else skip)."""
    for path in SCENARIO_FILES:
        scenario = load_scenario(path)
        if test(scenario):
            return path.stem, scenario
    pytest.skip(f"no shipped scenario has {what}")


def with_entrant() -> tuple[str, Scenario]:
    return shipped_with("an entrant", lambda s: any(ev.add_firm for ev in s.events))


def small_panel(catalogue: dict[str, Path], key: str = "default", customers: int = 800,
                sample_size: int = 120) -> ControlPanel:
    return ControlPanel.open(catalogue, key, customers=customers, sample_size=sample_size)


# --------------------------------------------------------------------------- catalogue
def test_catalogue_lists_every_scenario_file(catalogue: dict[str, Path]) -> None:
    assert set(catalogue) == {p.stem for p in SCENARIO_FILES}
    assert all(p.is_file() for p in catalogue.values())


def test_catalogue_puts_the_given_file_first(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text((SCENARIOS / "default.yaml").read_text())
    keys = list(scenario_catalogue(SCENARIOS, extra))
    assert keys[0] == "mine"
    assert "default" in keys
    same_stem = tmp_path / "default.yaml"
    same_stem.write_text((SCENARIOS / "default.yaml").read_text())
    keys = list(scenario_catalogue(SCENARIOS, same_stem))
    assert keys[0] == "default" and f"{SCENARIOS.name}/default" in keys


# --------------------------------------------------------------------------- settings
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_untouched_settings_rebuild_the_scenario_exactly(path: Path) -> None:
    base = load_scenario(path)
    settings = settings_from_scenario(path.stem, base)
    assert build_scenario(base, settings) == base


def test_settings_read_from_the_file() -> None:
    key, base = with_entrant()
    settings = settings_from_scenario(key, base)
    names = [f.name for f in settings.firms]
    entrants = [ev.add_firm.name for ev in base.events if ev.add_firm]
    assert names == [*base.firms, *entrants]
    for name, spec in base.firms.items():
        f = settings.firm(name)
        assert (f.strategy, f.price, f.quality, f.entry_period) == (
            spec.strategy, spec.price, spec.quality, 0)
        assert f.financial == spec.programs.financial
        expected_level = (spec.relationship_level if isinstance(spec.relationship_level, str)
                          else BY_CLASS)
        assert f.relationship_level == expected_level
    for ev in base.events:
        if ev.add_firm:
            assert settings.firm(ev.add_firm.name).entry_period == ev.period
    assert settings.market.customers == base.market.customers
    assert settings.market.seed == base.seed
    assert math.isclose(sum(settings.market.shares().values()), 1.0)


def test_changed_levers_reach_the_scenario_and_nothing_else_changes() -> None:
    base = load_scenario(SCENARIOS / "default.yaml")
    settings = settings_from_scenario("default", base).with_firm(
        "Gamma", price=111.0, quality=0.9, promotion=2500.0, convenience=0.8,
        relationship_level="partnership", financial=0.05, social=0.4, structural=0.3)
    built = build_scenario(base, settings)
    gamma = built.firms["Gamma"]
    assert (gamma.price, gamma.quality, gamma.promotion, gamma.convenience) == (
        111.0, 0.9, 2500.0, 0.8)
    assert gamma.relationship_level == "partnership"
    assert (gamma.programs.financial, gamma.programs.social, gamma.programs.structural) == (
        0.05, 0.4, 0.3)
    assert gamma.strategy == base.firms["Gamma"].strategy
    assert gamma.params == base.firms["Gamma"].params
    assert built.firms["Alpha"] == base.firms["Alpha"]
    assert built.market == base.market and built.events == base.events


def test_a_new_strategy_drops_the_old_strategys_parameters() -> None:
    base = load_scenario(SCENARIOS / "default.yaml").model_copy(deep=True)
    data = base.model_dump(mode="json")
    data["firms"]["Alpha"]["strategy"] = "4P"
    data["firms"]["Alpha"]["params"] = {"markup": 0.4}
    base = sim.scenario_from_dict(data)
    settings = settings_from_scenario("default", base)
    built = build_scenario(base, settings.with_firm("Alpha", strategy="4C"))
    assert built.firms["Alpha"].strategy == "4C"
    assert built.firms["Alpha"].params == {}
    kept = build_scenario(base, settings.with_firm("Alpha", price=95.0))
    assert kept.firms["Alpha"].params == {"markup": 0.4}


def test_by_class_keeps_the_scenarios_mapping_and_a_level_replaces_it() -> None:
    key, base = shipped_with("a relationship level by class", lambda s: any(
        isinstance(f.relationship_level, dict) for f in s.firms.values()))
    settings = settings_from_scenario(key, base)
    name = next(n for n, f in base.firms.items() if isinstance(f.relationship_level, dict))
    assert settings.firm(name).relationship_level == BY_CLASS
    assert build_scenario(base, settings).firms[name].relationship_level == \
        base.firms[name].relationship_level
    changed = build_scenario(base, settings.with_firm(name, relationship_level="proactive"))
    assert changed.firms[name].relationship_level == "proactive"


def test_entrants_controls_change_the_entry_event() -> None:
    key, base = with_entrant()
    entrant = next(ev.add_firm for ev in base.events if ev.add_firm)
    settings = settings_from_scenario(key, base).with_firm(
        entrant.name, strategy="4C", price=123.0)
    built = build_scenario(base, settings)
    spec = next(ev.add_firm for ev in built.events if ev.add_firm)
    assert (spec.name, spec.strategy, spec.price) == (entrant.name, "4C", 123.0)


def test_shorter_horizon_drops_later_events() -> None:
    key, base = shipped_with("events after period 6", lambda s: s.events and min(
        ev.period for ev in s.events) > 6)
    first = min(ev.period for ev in base.events)
    settings = settings_from_scenario(key, base).with_market(periods=first - 1)
    built = build_scenario(base, settings)
    assert built.periods == first - 1
    assert built.events == []
    assert built.all_firm_names() == list(base.firms)


def test_segment_weights_become_shares_and_zero_drops_a_segment() -> None:
    base = load_scenario(SCENARIOS / "default.yaml")
    settings = settings_from_scenario("default", base)
    names = [n for n, _ in settings.market.segments]
    changed = settings.with_segment(names[0], 0.0).with_segment(names[1], 60.0)
    built = build_scenario(base, changed)
    assert names[0] not in built.market.segments
    shares = {n: s.share for n, s in built.market.segments.items()}
    assert math.isclose(sum(shares.values()), 1.0)
    rest = sum(w for n, w in changed.market.segments if n != names[0])
    assert math.isclose(shares[names[1]], 60.0 / rest)
    with pytest.raises(SettingsError, match="at least one segment"):
        build_scenario(base, settings.with_market(
            segments=tuple((n, 0.0) for n in names)))
    with pytest.raises(KeyError):
        settings.with_segment("nobody", 1.0)


def test_invalid_settings_are_reported_and_the_last_valid_ones_kept(
        catalogue: dict[str, Path]) -> None:
    panel = small_panel(catalogue)
    good = panel.scenario
    bad = panel.settings.with_firm("Alpha", quality=1.5)
    problems = panel.update(bad)
    assert problems and any("quality" in p for p in problems)
    assert panel.settings == bad
    assert panel.scenario is good
    assert panel.build().spec == good
    assert panel.update(panel.settings.with_firm("Alpha", quality=0.5)) == []
    assert panel.scenario.firms["Alpha"].quality == 0.5
    assert panel.problems == []


def test_choose_and_restore_a_scenario(catalogue: dict[str, Path]) -> None:
    panel = small_panel(catalogue)
    panel.update(panel.settings.with_firm("Alpha", price=150.0))
    other = next(k for k in catalogue if k != "default")
    assert panel.choose_scenario(other) == []
    assert panel.settings == settings_from_scenario(other, load_scenario(catalogue[other]))
    assert panel.scenario == load_scenario(catalogue[other])
    panel.update(panel.settings.with_market(customers=900))
    assert panel.restore() == []
    assert panel.settings.market.customers == load_scenario(
        catalogue[other]).market.customers
    with pytest.raises(KeyError):
        panel.choose_scenario("no-such-scenario")


def test_open_reports_an_empty_catalogue() -> None:
    with pytest.raises(SettingsError, match="no scenario files"):
        ControlPanel.open({})


# --------------------------------------------------------------------------- model
def test_the_dashboard_model_runs_like_the_engine(catalogue: dict[str, Path]) -> None:
    panel = small_panel(catalogue)
    model = panel.build()
    engine = sim.MarketModel(panel.scenario, seed=panel.settings.market.seed)
    for _ in range(4):
        model.step()
        engine.step()
    pd.testing.assert_frame_equal(model.timeseries(), engine.timeseries())
    assert model.settings == panel.valid_settings
    assert model.scenario_key == "default"


def test_reset_builds_a_new_run_from_the_current_settings(catalogue: dict[str, Path]) -> None:
    panel = small_panel(catalogue)
    model = panel.build()
    model.step()
    assert not panel.differs_from(model)
    panel.update(panel.settings.with_firm("Beta", strategy="fixed"))
    assert panel.differs_from(model)
    fresh = DashboardModel(panel=panel)  # what SolaraViz's Reset calls
    assert fresh.period == 0 and fresh.records == []
    assert fresh.firms["Beta"].strategy_name == "fixed"
    assert not panel.differs_from(fresh)


@pytest.mark.skipif(importlib.util.find_spec("solara") is None,
                    reason='needs the viz extra (pip install -e ".[viz]")')
def test_solaraviz_reset_rebuilds_through_the_panel(catalogue: dict[str, Path]) -> None:
    from mesa.visualization.solara_viz import _build_model_init_kwargs

    panel = small_panel(catalogue)
    model = panel.build()
    model.step()
    panel.update(panel.settings.with_market(seed=5))
    kwargs = _build_model_init_kwargs(model, {"panel": panel, "sample_size": 60},
                                      add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    assert set(kwargs) == {"panel", "sample_size"}
    fresh = type(model)(**kwargs)
    assert fresh.seed == 5 and fresh.period == 0 and len(fresh.sample.index) == 60


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_scenario_opens_and_steps(catalogue: dict[str, Path], path: Path) -> None:
    panel = small_panel(catalogue, path.stem, customers=600, sample_size=80)
    model = panel.build()
    for _ in range(3):
        model.step()
    assert len(model.timeseries()) == 3 * len(model.active_firms)
    frame = model.sample.frame(model)
    assert set(frame["firm"]) <= {*model.names, NO_FIRM}


# --------------------------------------------------------------------------- sample
def test_sample_is_a_snowball_of_real_links(catalogue: dict[str, Path]) -> None:
    model = small_panel(catalogue, customers=1500, sample_size=200).build()
    sample = model.sample
    assert len(sample.index) == 200 == len(np.unique(sample.index))
    assert ((sample.index >= 0) & (sample.index < 1500)).all()
    assert len(sample.edges) > 100  # a snowball keeps neighbours together
    for a, b in sample.edges[:50]:
        assert sample.index[b] in model.network.neighbours(int(sample.index[a]))
    for coordinate in (sample.x, sample.y):
        assert coordinate.min() >= 0.0 and coordinate.max() <= 1.0
    again = CustomerSample.draw(model, 200)
    np.testing.assert_array_equal(again.index, sample.index)
    np.testing.assert_allclose(again.x, sample.x)


def test_sample_without_a_network_is_a_grid() -> None:
    scenario = sim.scenario_from_dict({
        "periods": 6, "market": {"customers": 400, "network": {"kind": "none"}},
        "firms": {"A": {}, "B": {}}})
    model = sim.MarketModel(scenario, seed=2)
    sample = CustomerSample.draw(model, 50)
    assert len(sample.index) == 50 and len(sample.edges) == 0
    assert len(set(zip(sample.x.round(6), sample.y.round(6), strict=True))) == 50


def test_drawing_the_sample_changes_nothing_in_the_run(catalogue: dict[str, Path]) -> None:
    panel = small_panel(catalogue)
    a = DashboardModel(panel=panel, sample_size=50)
    b = DashboardModel(panel=panel, sample_size=300)
    for _ in range(3):
        a.step()
        b.step()
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())


def test_sample_frame_follows_the_market(catalogue: dict[str, Path]) -> None:
    model = small_panel(catalogue).build()
    frame = model.sample.frame(model)
    assert (frame["firm"] == NO_FIRM).all()
    for _ in range(6):
        model.step()
    frame = model.sample.frame(model)
    buying = frame[frame["firm"] != NO_FIRM]
    assert len(buying) > 0
    current = model.state.current[buying["customer"].to_numpy()]
    assert [model.names[c] for c in current] == buying["firm"].tolist()
    assert set(buying["loyalty"]) <= {"new", "repeat", "loyal"}
    assert set(frame.loc[frame["firm"] == NO_FIRM, "loyalty"]) <= {
        "lapsed", "potential", "unaware"}


# --------------------------------------------------------------------------- customer
def test_value_components_add_up_to_delivered_value(catalogue: dict[str, Path]) -> None:
    model = small_panel(catalogue).build()
    for _ in range(3):
        model.step()
    customer = int(model.sample.index[7])
    table = value_components(model, customer)
    assert len(table) == len(COMPONENTS) * len(model.active_firms)
    view = model.customer(customer)
    for firm, rows in table.groupby("firm"):
        assert rows["component"].tolist() == list(COMPONENTS)
        breakdown = view.delivered_value(firm)
        assert math.isclose(rows["signed"].sum(), breakdown.delivered_value, abs_tol=1e-9)
        costs = rows[rows["side"] == "cost"]
        assert (costs["signed"] <= 0).all() and (costs["amount"] >= 0).all()
    card = customer_card(model, customer)
    assert card["customer"] == customer and set(card["firms"]) == set(model.names)
    for record in card["firms"].values():
        assert math.isclose(record["delivered_value"],
                            record["total_value"] - record["total_cost"])


# --------------------------------------------------------------------------- downloads
def test_csv_download_is_the_runs_time_series(catalogue: dict[str, Path]) -> None:
    model = small_panel(catalogue).build()
    for _ in range(4):
        model.step()
    table = pd.read_csv(io.BytesIO(timeseries_csv(model)))
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 4 * len(model.active_firms)
    pd.testing.assert_frame_equal(table, model.timeseries(), check_dtype=False)
    assert download_name(model, "csv") == "default-seed1-period4.csv"


def test_csv_download_before_the_first_step_has_the_header_only(
        catalogue: dict[str, Path]) -> None:
    model = small_panel(catalogue).build()
    text = timeseries_csv(model).decode("utf-8")
    assert text.strip() == ",".join(COLUMNS)


def test_scenario_download_reproduces_the_run(catalogue: dict[str, Path],
                                              tmp_path: Path) -> None:
    panel = small_panel(catalogue)
    panel.update(panel.settings.with_firm("Alpha", strategy="fixed", price=80.0)
                 .with_market(seed=4, periods=12))
    model = panel.build()
    for _ in range(5):
        model.step()
    path = tmp_path / "run.yaml"
    path.write_text(scenario_yaml(model))
    again = sim.MarketModel(load_scenario(path, ["periods=5"]))
    again.run()
    expected = model.timeseries()
    pd.testing.assert_frame_equal(again.timeseries(), expected)


def test_settings_are_frozen() -> None:
    base = load_scenario(SCENARIOS / "default.yaml")
    settings = settings_from_scenario("default", base)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.scenario = "other"  # type: ignore[misc]
    with pytest.raises(KeyError):
        settings.firm("Nobody")
