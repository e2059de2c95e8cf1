"""The page's inputs without a browser: every slider's label says its value, a typed number
outside its range is a message that says the range, problems go to the card they concern."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from sim.dashboard.inputs import (
    PLAY_INTERVAL_RANGE,
    SEGMENT_PREFIX,
    SliderSpec,
    WholeNumber,
    firm_sliders,
    market_sliders,
    problems_at,
    run_sliders,
)
from sim.dashboard.state import ControlPanel, scenario_catalogue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def panel() -> ControlPanel:
    return ControlPanel.open(scenario_catalogue(ROOT / "scenarios"), "default",
                             customers=700, sample_size=60)


def numbers_in(label: str) -> list[float]:
    """The numbers a label shows (``15,000`` -> 15000; ``5%`` -> 0.05 and 5)."""
    found = []
    for text, percent in re.findall(r"(\d[\d,]*(?:\.\d+)?)(%?)", label):
        number = float(text.replace(",", ""))
        found += [number / 100.0, number] if percent else [number]
    return found


def shows(spec: SliderSpec) -> bool:
    return any(abs(n - spec.value) <= 0.006 * max(1.0, abs(spec.value))
               for n in numbers_in(spec.label))


def all_sliders(panel: ControlPanel) -> list[SliderSpec]:
    settings = panel.settings
    out = [s for f in settings.firms for s in firm_sliders(f)]
    return out + market_sliders(settings.market) + run_sliders(150, 1, 300)


def test_every_slider_label_shows_its_value(panel: ControlPanel) -> None:
    sliders = all_sliders(panel)
    assert {s.key for s in sliders} >= {"price", "quality", "promotion", "convenience",
                                        "financial", "social", "structural", "periods",
                                        "play_interval", "render_interval", "sample_size"}
    assert any(s.key.startswith(SEGMENT_PREFIX) for s in sliders)
    for spec in sliders:
        assert shows(spec), spec
        assert spec.low <= spec.value <= spec.high, spec


def test_a_slider_label_follows_its_value(panel: ControlPanel) -> None:
    firm = panel.settings.firms[0]
    moved = replace(firm, price=firm.price + 7, quality=0.35, promotion=firm.promotion + 500,
                    convenience=0.15, financial=0.07, social=0.3, structural=0.6)
    for before, after in zip(firm_sliders(firm), firm_sliders(moved), strict=True):
        assert before.label != after.label and shows(after), (before, after)
    market = panel.settings.market
    name = market.segments[0][0]
    heavier = replace(market, periods=market.periods + 6, segments=(
        (name, market.segments[0][1] + 10), *market.segments[1:]))
    for before, after in zip(market_sliders(market), market_sliders(heavier), strict=True):
        assert before.label != after.label and shows(after), (before, after)
    assert run_sliders(150, 1, 300)[0].label == "Pause between periods: 150 ms"
    assert [s.label for s in run_sliders(400, 3, 250)] == [
        "Pause between periods: 400 ms", "Periods per redraw: 3",
        "Customers drawn in the network: 250"]
    assert run_sliders(150, 1, 300)[0].high == PLAY_INTERVAL_RANGE[1]


def test_a_segment_label_gives_weight_and_share(panel: ControlPanel) -> None:
    market = panel.settings.market
    specs = market_sliders(market)[1:]
    shares = market.shares()
    for spec, (name, weight) in zip(specs, market.segments, strict=True):
        assert spec.key == f"{SEGMENT_PREFIX}{name}" and spec.value == weight
        assert f"weight {weight:,.0f}" in spec.label
        assert f"{shares[name]:.0%}" in spec.label


def test_a_whole_number_in_range_is_taken() -> None:
    customers = WholeNumber("Customers", 500, 50_000)
    assert customers.check("5000") == (5000, None)
    assert customers.check(" 12,500 ") == (12_500, None)
    assert customers.check("500") == (500, None) and customers.check("50000") == (50_000, None)
    assert customers.check("6000.0") == (6000, None)


@pytest.mark.parametrize("typed, says", [
    ("60000", "must be 500 to 50,000 (got 60,000)"),
    ("499", "must be 500 to 50,000 (got 499)"),
    ("-3", "must be 500 to 50,000 (got -3)"),
    ("many", "not a number (got 'many'): 500 to 50,000"),
    ("1000.5", "must be a whole number (got 1000.5): 500 to 50,000"),
    ("", "type a number: 500 to 50,000"),
    (None, "type a number: 500 to 50,000"),
])
def test_a_number_that_cannot_be_used_says_the_range(typed: str | None, says: str) -> None:
    assert WholeNumber("Customers", 500, 50_000).check(typed) == (None, says)


def test_a_number_without_an_upper_bound_still_has_a_limit() -> None:
    seed = WholeNumber("Random seed", 0)
    assert seed.hint == "a whole number, 0 or more"
    assert seed.check("7") == (7, None)
    value, problem = seed.check("-1")
    assert value is None and problem == "must be a whole number, 0 or more (got -1)"
    value, problem = seed.check(str(2**63))
    assert value is None and problem is not None
    assert WholeNumber("Customer", 0, 4999).hint == "0 to 4,999"


def test_problems_go_to_the_card_they_concern() -> None:
    problems = ["market.segments: at least one segment needs a share above 0",
                "firms.Alpha.quality: Input should be less than or equal to 1",
                "firms.Alphabet.price: too high", "events.0.period: after the last period 6"]
    assert problems_at(problems, ["market."]) == problems[:1]
    assert problems_at(problems, ["firms.Alpha."]) == problems[1:2]
    assert problems_at(problems, ["market.", "firms.Alphabet."]) == [problems[0], problems[2]]
    assert problems_at([], ["market."]) == []
