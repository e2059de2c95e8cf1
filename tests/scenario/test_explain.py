"""Tests for sim.scenario.explain: which lever is pinned, decided or as written."""

from __future__ import annotations

import sim
from sim.scenario.explain import explain_firm, explain_levers


def test_each_lever_is_in_exactly_one_kind():
    scenario = sim.scenario_from_dict({"firms": {
        "A": {"strategy": "4P", "price": 80, "quality": 0.9, "initial": {"promotion": 5000}},
        "B": {}}})
    lines = explain_firm("A", scenario.firms["A"])
    assert lines[0] == "A: 4P, reviews every 3 periods, sees results 1 period late"
    pinned, decided, written = lines[1:]
    assert pinned == "  pinned (the firm keeps them every period): price 80.0"
    assert "promotion (promotion_share, min_promotion, payback_window; starts at 5000.0)" in decided
    assert "price" not in decided and "quality" not in decided
    assert written.startswith("  as written (4P does not change them): quality 0.9")
    assert explain_firm("B", scenario.firms["B"])[0] == "B: fixed"


def test_events_that_set_levers_are_listed():
    scenario = sim.scenario_from_dict({"periods": 12, "firms": {"A": {"strategy": "4R"}},
                                       "events": [{"period": 3, "firm": "A",
                                                   "set": {"price": 70}},
                                                  {"period": 6, "firm": "A",
                                                   "release": ["price"]}]})
    lines = explain_levers(scenario)
    assert "period 3: A sets price 70.0 (pinned from then on if its strategy decides them)" in lines
    assert "period 6: A hands back to its strategy: price" in lines
