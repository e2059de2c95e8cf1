"""The page's session logic without a browser (needs the viz extra): when a settings change
rebuilds the run at once, and when it waits for Reset; the page opens from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("solara", reason='needs the viz extra (pip install -e ".[viz]")')

import solara

from sim.dashboard.app import PageSession, open_panel, value_table_html
from sim.dashboard.server import ENV_CUSTOMERS, ENV_FOLDER, ENV_SCENARIO
from sim.dashboard.state import (
    ControlPanel,
    customer_card,
    scenario_catalogue,
    value_components,
)

ROOT = Path(__file__).resolve().parents[2]


def session(customers: int = 600) -> PageSession:
    panel = ControlPanel.open(scenario_catalogue(ROOT / "scenarios"), "default",
                              customers=customers, sample_size=60)
    model = panel.build()
    return PageSession(panel, solara.reactive(model), solara.reactive(panel.settings),
                       solara.reactive([]), solara.reactive(int(model.sample.index[0])))


def test_at_period_zero_a_change_rebuilds_the_run() -> None:
    s = session()
    first = s.model.value
    s.change(s.settings.value.with_firm("Alpha", strategy="fixed"))
    assert s.model.value is not first
    assert s.model.value.firms["Alpha"].strategy_name == "fixed"
    assert not s.panel.differs_from(s.model.value)


def test_after_period_zero_a_change_waits_for_reset() -> None:
    s = session()
    s.model.value.step()
    running = s.model.value
    s.change(s.settings.value.with_firm("Alpha", price=70.0))
    assert s.model.value is running
    assert s.panel.differs_from(running)
    assert s.settings.value.firm("Alpha").price == 70.0


def test_an_invalid_change_is_reported_and_not_applied() -> None:
    s = session()
    first = s.model.value
    s.change(s.settings.value.with_segment("rational", 0.0).with_market(
        segments=tuple((n, 0.0) for n, _ in s.settings.value.market.segments)))
    assert s.problems.value and s.model.value is first


def test_a_new_scenario_starts_at_once_unless_the_run_is_over() -> None:
    s = session()
    s.model.value.step()
    other = next(k for k in s.panel.catalogue if k != "default")
    s.choose_scenario(other)
    assert s.model.value.scenario_key == other and s.model.value.period == 0
    s.model.value.running = False  # as at the last period
    finished = s.model.value
    s.choose_scenario("default")
    assert s.model.value is finished
    assert s.panel.differs_from(finished)


def test_a_smaller_market_moves_the_picked_customer_into_it() -> None:
    s = session(customers=2000)
    s.picked.set(1500)
    s.change(s.settings.value.with_market(customers=1000))
    assert s.model.value.population.n == 1000
    assert 0 <= s.picked.value < 1000


def test_the_page_opens_on_the_scenario_given(monkeypatch: pytest.MonkeyPatch) -> None:
    other = next(p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if p.stem != "default")
    monkeypatch.setenv(ENV_SCENARIO, str(other))
    monkeypatch.setenv(ENV_FOLDER, str(ROOT / "scenarios"))
    monkeypatch.setenv(ENV_CUSTOMERS, "700")
    panel = open_panel()
    assert panel.settings.scenario == other.stem
    assert panel.scenario.market.customers == 700
    monkeypatch.delenv(ENV_SCENARIO)
    assert open_panel().settings.scenario == "default"


def test_value_table_lists_every_component_and_the_relationship() -> None:
    s = session()
    model = s.model.value
    for _ in range(2):
        model.step()
    customer = int(model.sample.index[0])
    html = value_table_html(value_components(model, customer), customer_card(model, customer))
    for word in ("product", "psychic", "total value", "total cost", "delivered value",
                 "loyalty class", "trust", *model.names):
        assert word in html
