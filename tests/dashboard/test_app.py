"""The page's session logic without a browser (needs the viz extra): when a settings change
rebuilds the run at once, and when it waits for Reset; the page opens from the environment; the
run controls (Mesa's, without its leftovers), the finished state and Run again; typed numbers
that cannot be used say why beside the input."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("solara", reason='needs the viz extra (pip install -e ".[viz]")')

import ipyvuetify as v
import solara

from sim.dashboard.app import PageSession, open_panel, value_table_html
from sim.dashboard.controls import RunControls
from sim.dashboard.server import ENV_CUSTOMERS, ENV_FOLDER, ENV_SCENARIO
from sim.dashboard.state import (
    ControlPanel,
    customer_card,
    scenario_catalogue,
    value_components,
)

ROOT = Path(__file__).resolve().parents[2]


def session(customers: int = 600, periods: int | None = None) -> PageSession:
    panel = ControlPanel.open(scenario_catalogue(ROOT / "scenarios"), "default",
                              customers=customers, sample_size=60)
    if periods is not None:
        panel.update(panel.settings.with_market(periods=periods))
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


def test_a_new_scenario_starts_at_once_even_after_the_last_period() -> None:
    s = session()
    s.model.value.step()
    other = next(k for k in s.panel.catalogue if k != "default")
    s.choose_scenario(other)
    assert s.model.value.scenario_key == other and s.model.value.period == 0
    assert s.runs.value == 0  # Mesa's controls were not stopped: they go on as they are
    s.model.value.running = False  # as at the last period
    s.choose_scenario("default")
    assert s.model.value.scenario_key == "default" and s.model.value.period == 0
    assert s.model.value.running and s.runs.value == 1  # Mesa's controls start afresh


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


def test_the_sample_size_applies_at_period_zero_and_later_waits() -> None:
    s = session()
    s.set_sample_size(100)
    assert len(s.model.value.sample.index) == 100 and not s.differs_from_run()
    s.model.value.step()
    s.set_sample_size(150)
    assert len(s.model.value.sample.index) == 100 and s.differs_from_run()
    s.rebuild()
    assert len(s.model.value.sample.index) == 150 and not s.differs_from_run()


def buttons(rc) -> dict[str, bool]:
    """The rendered buttons: label -> disabled."""
    return {str(b.children[0]): bool(b.disabled) for b in rc.find(v.Btn).widgets}


def texts(rc) -> str:
    found = []
    for widget in rc.find(v.Html).widgets + rc.find(v.Alert).widgets:
        found += [str(c) for c in widget.children if isinstance(c, str)]
    return " ".join(found)


def test_run_controls_are_mesas_without_its_leftovers() -> None:
    s = session()
    _box, rc = solara.render(RunControls(s), handle_error=False)
    assert buttons(rc) == {"Reset": False, "▶": False, "Step": False}
    assert rc.find(v.Checkbox).widgets == []  # no "Use Threads"
    labels = [w.label for w in rc.find(v.Slider).widgets]
    assert labels == ["Pause between periods: 150 ms", "Periods per redraw: 1",
                      "Customers drawn in the network: 60"]
    assert "Time:" not in texts(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert s.model.value.period == 1


def test_at_the_last_period_the_page_says_finished_and_runs_again() -> None:
    s = session(periods=6)
    _box, rc = solara.render(RunControls(s), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    for _ in range(6):
        step.click()
    assert s.model.value.period == 6 and not s.model.value.running
    assert buttons(rc) == {"Reset": False, "▶": True, "Step": True, "Run again": False}
    assert "Finished: month 6 of 6" in texts(rc)
    s.change(s.settings.value.with_market(seed=9))  # after the start: waits for a new run
    assert s.model.value.seed == 1
    rc.find(v.Btn, children=["Run again"]).widget.click()
    model = s.model.value
    assert (model.period, model.running, model.seed) == (0, True, 9)
    assert buttons(rc) == {"Reset": False, "▶": False, "Step": False}  # Mesa's, afresh
    assert "Finished" not in texts(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert s.model.value.period == 1


def test_a_typed_number_that_cannot_be_used_says_why_beside_the_input() -> None:
    from sim.dashboard.sidebar import MarketCard

    s = session()
    _box, rc = solara.render(MarketCard(s), handle_error=False)
    field = rc.find(v.TextField, class_="stratsim-input-customers").widget
    assert field.label == "Customers (500 to 50,000)"
    before = s.settings.value
    field.v_model = "60000"
    field.fire_event("keyup.enter", None)
    field = rc.find(v.TextField, class_="stratsim-input-customers").widget
    assert field.error and field.messages == ["must be 500 to 50,000 (got 60,000)"]
    assert field.v_model == "60000"  # what was typed stays, with the message
    assert s.settings.value == before
    field.v_model = "1,200"
    field.fire_event("keyup.enter", None)
    field = rc.find(v.TextField, class_="stratsim-input-customers").widget
    assert not field.error and not field.messages
    assert s.model.value.population.n == 1200  # at period 0 it applies at once


def test_the_whole_page_steps_and_lets_play_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the page is redrawn the next period may start at once: the page holds Mesa's Play
    back only while it redraws (a hold left on would cost REDRAW_WAIT_S every period)."""
    from sim.dashboard.app import Page
    from sim.dashboard.panel import DashboardModel

    held: list[bool] = []
    original = DashboardModel.step

    def step(model: DashboardModel) -> None:
        held.append(model.redraw_pending())
        original(model)

    monkeypatch.setattr(DashboardModel, "step", step)
    monkeypatch.setenv(ENV_CUSTOMERS, "600")
    monkeypatch.setenv(ENV_FOLDER, str(ROOT / "scenarios"))
    monkeypatch.delenv(ENV_SCENARIO, raising=False)
    _box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    step_button = rc.find(v.Btn, children=["Step"]).widget
    for _ in range(3):
        step_button.click()
    assert held == [False, False, False]
    period = rc.find(v.Html, class_="stratsim-period").widget
    assert period.children == ["Month 3 of 60"]
