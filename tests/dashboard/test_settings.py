"""Tests for sim.dashboard.settings: the controls show a firm's starting levers, and a lever
moved on the page is used by the firm whatever its strategy (it is pinned)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sim
from sim.dashboard.settings import build_scenario, settings_from_scenario

ROOT = Path(__file__).resolve().parents[2]


def _default():
    scenario = sim.load_scenario(ROOT / "scenarios" / "default.yaml", customers=300, periods=6)
    return scenario, settings_from_scenario("default", scenario)


def _firm(settings, name):
    return next(f for f in settings.firms if f.name == name)


def test_the_controls_show_the_levers_the_firm_starts_with():
    _, settings = _default()
    alpha = _firm(settings, "Alpha")
    assert (alpha.strategy, alpha.price, alpha.promotion, alpha.quality) == (
        "4P", 89.0, 12000.0, 0.7)  # price and promotion are starting values under `initial`


def test_a_lever_moved_on_the_page_is_pinned_and_used():
    base, settings = _default()
    alpha = replace(_firm(settings, "Alpha"), price=70.0)
    settings = replace(settings, firms=tuple(alpha if f.name == "Alpha" else f
                                             for f in settings.firms))
    scenario = build_scenario(base, settings)
    assert scenario.firms["Alpha"].pinned == ["price"]
    assert scenario.firms["Alpha"].levers().promotion == 12000.0  # the rest untouched
    assert scenario.firms["Beta"] == base.firms["Beta"]
    rows = sim.run(scenario, seed=1).query("firm == 'Alpha'")
    assert (rows.price == 70.0).all()


def test_leaving_the_controls_alone_changes_nothing():
    base, settings = _default()
    scenario = build_scenario(base, settings)
    assert sim.run(scenario, seed=2).equals(sim.run(base, seed=2))


def test_a_strategy_chosen_on_the_page_takes_over_its_levers():
    base, settings = _default()
    beta = replace(_firm(settings, "Beta"), strategy="fixed", price=95.0)
    settings = replace(settings, firms=tuple(beta if f.name == "Beta" else f
                                             for f in settings.firms))
    scenario = build_scenario(base, settings)
    assert scenario.firms["Beta"].strategy == "fixed" and scenario.firms["Beta"].pinned == []
    rows = sim.run(scenario, seed=1).query("firm == 'Beta'")
    assert (rows.price == 95.0).all()
