"""The page's sidebar cards, below SolaraViz's run controls: the scenario, the firms, the market.

Settings apply at once while the run is at period 0; after that a note asks for Reset (see
:class:`~sim.dashboard.session.PageSession`). Every slider's label says its value; a typed
number that cannot be used, and a setting that makes the scenario invalid, are shown in red in
the card they concern (:mod:`sim.dashboard.inputs`). Needs the ``viz`` extra.

Core objects:
    SettingsCards: the three cards, in page order.
    ScenarioCard: pick a scenario; its description and scheduled events (only what each
        changes: ``month 18: Alpha sets price 68``).
    FirmsCard, FirmPanel, STRATEGY_NOTES: each firm's strategy and main levers, and what each
        built-in strategy does.
    MarketCard: market size, horizon, seed and segment mix.
"""

from __future__ import annotations

from html import escape
from typing import Any

import solara

from sim.dashboard.inputs import (
    SEGMENT_PREFIX,
    WholeNumber,
    firm_sliders,
    market_sliders,
    problems_at,
)
from sim.dashboard.layout import NumberInput, _html, _problems, _slider
from sim.dashboard.session import PageSession
from sim.dashboard.settings import BY_CLASS, CUSTOMER_RANGE, STRATEGY_CHOICES
from sim.dashboard.state import event_lines
from sim.levers import LEVELS
from sim.report.figures import firm_colours

__all__ = ["CUSTOMERS_INPUT", "SEED_INPUT", "STRATEGY_NOTES", "FirmPanel", "FirmsCard",
           "MarketCard", "ScenarioCard", "SettingsCards"]

CUSTOMERS_INPUT = WholeNumber("Customers", *CUSTOMER_RANGE)
"""The market's size as typed on the page."""
SEED_INPUT = WholeNumber("Random seed", 0)
"""The run's seed as typed on the page."""

STRATEGY_NOTES = {
    "4P": "Product-centric mass marketing: cost-plus price that follows rivals' cuts, heavy"
          " promotion, broad distribution, basic relationships. Sets price, promotion,"
          " convenience and relationship level at every review, unless you move them.",
    "4C": "Customer-centric: learns needs, prices by the value customers perceive, cuts their"
          " time and energy costs, accountable relationships. Sets price, promotion,"
          " convenience and relationship level at every review, unless you move them.",
    "4R": "Relationship-centric: social and structural bonds, fast recovery, relationship level"
          " by customer value, rewards loyal customers. Sets price, promotion, relationship"
          " level and programs at every review, unless you move them.",
    "fixed": "Keeps every lever as set here (the scenario's scheduled events still happen).",
}
"""What each built-in strategy does, in a classroom sentence (MODEL.md section 4)."""


@solara.component
def ScenarioCard(session: PageSession):
    """Pick a scenario; its description and scheduled events."""
    settings = session.settings.value
    model = session.model.value

    def choose(key: str | None) -> None:
        if key and key != session.settings.value.scenario:
            session.choose_scenario(key)

    with solara.Card("Scenario"):
        solara.Select("Scenario file", values=list(session.panel.catalogue),
                      value=settings.scenario, on_value=choose)
        base = session.panel.base(settings.scenario)
        if base.description:
            _html(escape(base.description), note=True)
        events = event_lines(model.spec) if model.scenario_key == settings.scenario else []
        if events:
            _html("<b>Scheduled events</b><ul style='margin:0; padding-left:18px'>"
                  + "".join(f"<li>{escape(e)}</li>" for e in events) + "</ul>", note=True)
        solara.Button("Restore the file's settings", on_click=session.restore, text=True,
                      small=True)


def _has_class_map(session: PageSession, name: str) -> bool:
    base = session.panel.base()
    spec = base.firms.get(name) or next(
        (ev.add_firm for ev in base.events if ev.add_firm and ev.add_firm.name == name), None)
    return spec is not None and isinstance(spec.relationship_level, dict)


@solara.component
def FirmPanel(session: PageSession, name: str, colour: str):
    """One firm's strategy and main levers, folded under its name."""
    settings = session.settings.value
    f = settings.firm(name)

    def set_firm(**changes: Any) -> None:
        session.change(session.settings.value.with_firm(name, **changes))

    levels = list(LEVELS) + ([BY_CLASS] if _has_class_map(session, name) else [])
    header = f"{name} · {f.strategy}" + (f" · enters in {f.entry_period}"
                                          if f.entry_period else "")
    with solara.Details(summary=header, expand=False):
        solara.Div(style={"height": "4px", "background": colour, "margin-bottom": "6px"})
        if f.entry_period > settings.market.periods:
            solara.Warning("Enters after the last period: not in this run.", dense=True)
        solara.Select("Strategy", values=list(STRATEGY_CHOICES), value=f.strategy,
                      on_value=lambda v: set_firm(strategy=v) if v else None)
        _html(escape(STRATEGY_NOTES.get(f.strategy, "")), note=True)
        sliders = {spec.key: spec for spec in firm_sliders(f)}
        for key in ("price", "quality", "promotion", "convenience"):
            _slider(sliders[key], lambda v, key=key: set_firm(**{key: float(v)}))
        solara.Select("Relationship level (Kotler)", values=levels, value=f.relationship_level,
                      on_value=lambda v: set_firm(relationship_level=v) if v else None)
        _html("<b>Retention programs</b> (Berry; 0 = none)", note=True)
        for key in ("financial", "social", "structural"):
            _slider(sliders[key], lambda v, key=key: set_firm(**{key: float(v)}))
        _problems(problems_at(session.problems.value, [f"firms.{name}."]))


@solara.component
def FirmsCard(session: PageSession):
    """A folding panel per firm (incumbents, then entrants)."""
    settings = session.settings.value
    colours = firm_colours([f.name for f in settings.firms])
    with solara.Card("Firms"):
        _html("A lever you move is kept: the firm uses it every period, and a 4P, 4C or 4R"
              " strategy decides the levers you leave alone.", note=True)
        for f in settings.firms:
            FirmPanel(session, f.name, colours[f.name]).key(f"{settings.scenario}/{f.name}")


@solara.component
def MarketCard(session: PageSession):
    """Market size, horizon, seed and segment mix."""
    market = session.settings.value.market

    def set_market(**changes: Any) -> None:
        session.change(session.settings.value.with_market(**changes))

    def set_slider(key: str, value: float) -> None:
        if key.startswith(SEGMENT_PREFIX):
            session.change(session.settings.value.with_segment(
                key.removeprefix(SEGMENT_PREFIX), float(value)))
        else:
            set_market(**{key: int(value)})

    with solara.Card("Market"):
        NumberInput(CUSTOMERS_INPUT, market.customers, lambda v: set_market(customers=v),
                    name="customers")
        periods, *segments = market_sliders(market)
        _slider(periods, lambda v: set_slider(periods.key, v))
        NumberInput(SEED_INPUT, market.seed, lambda v: set_market(seed=v), name="seed")
        _html("<b>Segment mix</b> (a weight per segment; the share of customers it gives)",
              note=True)
        for spec in segments:
            _slider(spec, lambda v, key=spec.key: set_slider(key, v))
        _problems(problems_at(session.problems.value, ["market.", "periods", "seed"]))


@solara.component
def SettingsCards(session: PageSession):
    """stratsim's cards, below SolaraViz's run controls."""
    with solara.Column(gap="8px"):
        ScenarioCard(session)
        FirmsCard(session)
        MarketCard(session)
