"""Tests for sim.scenario.changes: names must exist, the change wins, a new strategy starts from
its own defaults, a shorter horizon works."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.scenario.changes import apply_changes, did_you_mean, shorten_horizon
from sim.scenario.problems import SourceError
from sim.scenario.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"


def test_a_change_may_not_invent_a_firm():
    with pytest.raises(SourceError) as caught:
        sim.load_scenario(DEFAULT, [("--set 2", "firms.Alhpa.price=70")])
    assert str(caught.value) == (
        "--set 2: firms.Alhpa: unknown firm 'Alhpa'; did you mean 'Alpha'? (a firm is added"
        " by a firm block in the file or an add_firm event)")


def test_a_change_may_not_invent_a_segment_but_may_change_a_default_one():
    scenario = sim.load_scenario(DEFAULT, ["market.segments.rational.volume=2"])
    assert list(scenario.market.segments) == ["lighthouse", "follower", "rational", "deal_seeker"]
    assert scenario.market.segments["rational"].volume == 2
    assert scenario.market.segments["follower"].share == 0.35  # the defaults are kept
    with pytest.raises(SourceError, match="unknown segment 'rationl'; did you mean 'rational'"):
        sim.load_scenario(DEFAULT, ["market.segments.rationl.volume=2"])


def test_setting_a_lever_replaces_the_starting_value_and_pins_it():
    scenario = sim.load_scenario(DEFAULT, ["firms.Alpha.price=70"])
    alpha = scenario.firms["Alpha"]
    assert alpha.pinned == ["price"] and alpha.levers().price == 70
    assert alpha.initial is not None and alpha.initial.price is None
    assert alpha.levers().promotion == 12000  # the other starting values stay


def test_setting_a_starting_value_unpins_the_lever(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("firms:\n  A: {strategy: 4P, price: 80, initial: {promotion: 5000}}\n")
    assert sim.load_scenario(f).firms["A"].pinned == ["price"]
    scenario = sim.load_scenario(f, ["firms.A.initial.price=95"])
    assert scenario.firms["A"].pinned == [] and scenario.firms["A"].levers().price == 95


def test_a_new_strategy_starts_from_its_own_defaults():
    gamma = sim.load_scenario(DEFAULT).firms["Gamma"]
    assert gamma.strategy == "4R" and gamma.params["markup"] == 1.35
    as_4c = sim.load_scenario(DEFAULT, ["firms.Gamma.strategy=4C"]).firms["Gamma"]
    assert as_4c.strategy == "4C" and as_4c.params == {}
    given = sim.load_scenario(DEFAULT, ["firms.Gamma.strategy=4C",
                                        "firms.Gamma.params.value_capture=0.6"])
    assert given.firms["Gamma"].params == {"value_capture": 0.6}
    whole = sim.load_scenario(DEFAULT, ["firms.Gamma.params={adjust: 0.3}",
                                        "firms.Gamma.strategy=4C"])
    assert whole.firms["Gamma"].params == {"adjust": 0.3}
    same = sim.load_scenario(DEFAULT, ["firms.Gamma.strategy=4R"]).firms["Gamma"]
    assert same.params == gamma.params  # not a change of strategy: the parameters stay


def test_a_shorter_horizon_drops_later_events_and_expectations_with_one_note():
    lesson = ROOT / "scenarios" / "05_price_war.yaml"
    notes: list[str] = []
    scenario = sim.load_scenario(lesson, periods=12, notes=notes)
    assert scenario.periods == 12 and scenario.events == [] and scenario.expectations == []
    assert notes == ["--periods 12: 3 event(s) and 5 expectation(s) after period 12 left out"
                     " (stratsim validate checks the file as written)"]
    changed, note = shorten_horizon(load_yaml(lesson), 18)
    assert [e["period"] for e in changed.data["events"]] == [18]
    assert note.startswith("--periods 18: 2 event(s) and 5 expectation(s)")
    with pytest.raises(SourceError, match=r"events\.0\.period: after the last period 12"):
        sim.load_scenario(lesson, ["periods=12"])  # --set keeps the file's meaning


def test_no_change_is_no_copy():
    loaded = load_yaml(DEFAULT)
    assert apply_changes(loaded, []) is loaded


def test_did_you_mean_ignores_case_and_says_nothing_when_nothing_is_close():
    assert did_you_mean("4r", ["4P", "4R"]) == "; did you mean '4R'?"
    assert did_you_mean("Zebra", ["Alpha", "Beta"]) == ""


def test_writing_out_the_default_segments_changes_nothing():
    small = ["market.customers=400", "periods=4"]
    as_is = sim.run(sim.load_scenario(DEFAULT, small), seed=3)
    written = sim.run(sim.load_scenario(DEFAULT, [*small, "market.segments.rational.volume=1.0"]),
                      seed=3)
    assert as_is.equals(written)
