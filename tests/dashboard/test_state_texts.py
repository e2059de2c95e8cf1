"""What the page says about a run, without a browser: scheduled events name only what they
change (``month 18: Alpha sets price 68``), and a run at its last period says it has finished."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.dashboard.state import (
    ControlPanel,
    event_line,
    event_lines,
    run_status,
    scenario_catalogue,
)
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


def panel(key: str, customers: int = 600) -> ControlPanel:
    return ControlPanel.open(scenario_catalogue(SCENARIOS), key, customers=customers,
                             sample_size=40)


def test_a_lever_change_names_only_what_it_changes() -> None:
    model = panel("price_war").build()  # the scenario the page runs: rebuilt from its settings
    lines = event_lines(model.spec)
    assert "month 18: Alpha sets price 68" in lines
    assert all("None" not in line for line in lines), lines


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_no_event_of_a_shipped_scenario_shows_an_unset_field(path: Path) -> None:
    scenario = panel(path.stem).build().spec
    lines = event_lines(scenario)
    assert len(lines) == len(scenario.events)
    for line in lines:
        assert "None" not in line, line
        assert not any(word.endswith(".0") for word in line.replace(",", " ").split()), line
        assert line.startswith(f"{scenario.period_unit} "), line


def scenario_with(events: list[dict]) -> sim.Scenario:
    return sim.scenario_from_dict({
        "periods": 24, "market": {"customers": 200},
        "firms": {"A": {"strategy": "fixed"}, "B": {"strategy": "4P"}}, "events": events})


def test_every_kind_of_event_reads_as_a_sentence() -> None:
    scenario = scenario_with([
        {"period": 3, "firm": "A", "set": {"price": 68.0, "promotion": 15000,
                                            "programs": {"financial": 0.0}}},
        {"period": 4, "firm": "A", "set": {"relationship_level": {"A": "partnership",
                                                                  "default": "basic"}}},
        {"period": 5, "firm": "B", "strategy": "4R"},
        {"period": 6, "market": {"money_weight": 1.3}},
        {"period": 7, "add_firm": {"name": "C", "strategy": "4C"}},
        {"period": 8, "firm": "A", "set": {"quality": 0.85, "position": [0.3, 0.6]}},
    ])
    assert event_lines(scenario) == [
        "month 3: A sets price 68, promotion 15,000, financial program 0",
        "month 4: A sets relationship level (A partnership; default basic)",
        "month 5: B switches to 4R",
        "month 6: market: money weight 1.3",
        "month 7: C enters (4C)",
        "month 8: A sets quality 0.85, position (0.3, 0.6)",
    ]


def test_a_release_reads_as_a_sentence() -> None:
    scenario = scenario_with([{"period": 2, "firm": "B", "set": {"price": 70}},
                              {"period": 9, "firm": "B", "release": ["price"]}])
    assert event_line(scenario.events[1], "week") == "week 9: B hands price back to its strategy"


def test_events_are_in_time_order() -> None:
    scenario = scenario_with([{"period": 9, "market": {"purchase_rate": 0.5}},
                              {"period": 2, "firm": "A", "set": {"price": 70}}])
    assert [line.split(":")[0] for line in event_lines(scenario)] == ["month 2", "month 9"]


def test_a_run_at_its_last_period_has_finished() -> None:
    p = panel("default")
    p.update(p.settings.with_market(periods=6))
    model = p.build()
    assert run_status(model) is None
    for _ in range(5):
        model.step()
    assert run_status(model) is None
    model.step()
    assert model.period == 6 and not model.running
    assert run_status(model) == "Finished: month 6 of 6"


def test_the_finished_message_uses_the_scenarios_period_unit() -> None:
    base = load_scenario(SCENARIOS / "default.yaml").model_dump(mode="json")
    base.update(periods=6, period_unit="week")
    base["market"]["customers"] = 300
    model = sim.MarketModel(sim.scenario_from_dict(base), seed=1)
    model.run()
    assert run_status(model) == "Finished: week 6 of 6"
