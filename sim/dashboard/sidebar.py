"""The page's sidebar cards, below SolaraViz's run controls: the scenario, the firms, the market.

Settings apply at once while the run is at period 0; after that a note asks for Reset (see
:class:`~sim.dashboard.session.PageSession`). Needs the ``viz`` extra.

Core objects:
    Settings: puts :func:`SettingsCards` in the sidebar, one level deeper in the component tree
        than SolaraViz's own cards (through SettingsSidebar), so they come after them.
    ScenarioCard, events_text: pick a scenario; its description and scheduled events.
    FirmsCard, FirmPanel, STRATEGY_NOTES: each firm's strategy and main levers, and what each
        built-in strategy does.
    MarketCard: market size, horizon, seed and segment mix.
"""

from __future__ import annotations

from html import escape
from typing import Any

import solara

from sim.dashboard.layout import _html
from sim.dashboard.panel import DashboardModel
from sim.dashboard.session import PageSession
from sim.dashboard.settings import (
    BY_CLASS,
    CUSTOMER_RANGE,
    FINANCIAL_MAX,
    PERIOD_RANGE,
    PRICE_RANGE,
    PROMOTION_RANGE,
    STRATEGY_CHOICES,
)
from sim.levers import LEVELS
from sim.report.figures import firm_colours

__all__ = ["STRATEGY_NOTES", "FirmPanel", "FirmsCard", "MarketCard", "ScenarioCard", "Settings",
           "SettingsCards", "SettingsSidebar", "events_text"]

STRATEGY_NOTES = {
    "4P": "Product-centric mass marketing: cost-plus price that follows rivals' cuts, heavy"
          " promotion, broad distribution, basic relationships. Resets price, promotion,"
          " convenience and relationship level at every review.",
    "4C": "Customer-centric: learns needs, prices by the value customers perceive, cuts their"
          " time and energy costs, accountable relationships. Resets price, convenience and"
          " relationship level at every review.",
    "4R": "Relationship-centric: social and structural bonds, fast recovery, relationship level"
          " by customer value, rewards loyal customers. Resets price, promotion, relationship"
          " level and programs at every review.",
    "fixed": "Keeps every lever as set here (the scenario's scheduled events still happen).",
}
"""What each built-in strategy does, in a classroom sentence (MODEL.md section 4)."""


def events_text(model: DashboardModel) -> list[str]:
    """The scenario's scheduled events, one line each, in time order."""
    unit = model.spec.period_unit
    lines = []
    for ev in sorted(model.spec.events, key=lambda e: e.period):
        if ev.add_firm is not None:
            what = f"{ev.add_firm.name} enters ({ev.add_firm.strategy})"
        elif ev.strategy is not None:
            what = f"{ev.firm} switches to {ev.strategy}"
        elif ev.set is not None:
            changes = ev.set.model_dump(exclude_unset=True)
            what = f"{ev.firm} sets " + ", ".join(f"{k} {v}" for k, v in changes.items())
        else:
            changes = ev.market.model_dump(exclude_none=True)
            what = "market: " + ", ".join(f"{k} {v}" for k, v in changes.items())
        lines.append(f"{unit} {ev.period}: {what}")
    return lines


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
        events = events_text(model) if model.scenario_key == settings.scenario else []
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
        solara.SliderFloat(f"Price: {f.price:,.0f} per unit", value=f.price,
                           min=PRICE_RANGE[0], max=PRICE_RANGE[1], step=1.0,
                           on_value=lambda v: set_firm(price=v))
        solara.SliderFloat(f"Quality: {f.quality:.2f}", value=f.quality, min=0.0, max=1.0,
                           step=0.05, on_value=lambda v: set_firm(quality=v))
        solara.SliderFloat(f"Promotion: {f.promotion:,.0f} per period", value=f.promotion,
                           min=PROMOTION_RANGE[0], max=PROMOTION_RANGE[1], step=500.0,
                           on_value=lambda v: set_firm(promotion=v))
        solara.SliderFloat(f"Convenience: {f.convenience:.2f}", value=f.convenience, min=0.0,
                           max=1.0, step=0.05, on_value=lambda v: set_firm(convenience=v))
        solara.Select("Relationship level (Kotler)", values=levels, value=f.relationship_level,
                      on_value=lambda v: set_firm(relationship_level=v) if v else None)
        _html("<b>Retention programs</b> (Berry; 0 = none)", note=True)
        solara.SliderFloat(f"Financial (points): {f.financial:.0%} of spend",
                           value=f.financial, min=0.0, max=FINANCIAL_MAX, step=0.01,
                           on_value=lambda v: set_firm(financial=v))
        solara.SliderFloat(f"Social (personal service): {f.social:.1f}", value=f.social,
                           min=0.0, max=1.0, step=0.1, on_value=lambda v: set_firm(social=v))
        solara.SliderFloat(f"Structural (equipment, training): {f.structural:.1f}",
                           value=f.structural, min=0.0,
                           max=1.0, step=0.1, on_value=lambda v: set_firm(structural=v))


@solara.component
def FirmsCard(session: PageSession):
    """A folding panel per firm (incumbents, then entrants)."""
    settings = session.settings.value
    colours = firm_colours([f.name for f in settings.firms])
    with solara.Card("Firms"):
        _html("With 4P, 4C or 4R the levers are where the firm starts; <i>fixed</i> keeps"
              " them.", note=True)
        for f in settings.firms:
            FirmPanel(session, f.name, colours[f.name]).key(f"{settings.scenario}/{f.name}")


@solara.component
def MarketCard(session: PageSession):
    """Market size, horizon, seed and segment mix."""
    market = session.settings.value.market
    shares = market.shares()

    def set_market(**changes: Any) -> None:
        session.change(session.settings.value.with_market(**changes))

    def set_seed(value: int | None) -> None:
        if value is not None and value >= 0:
            set_market(seed=int(value))

    with solara.Card("Market"):
        solara.SliderInt(f"Customers: {market.customers:,}", value=market.customers,
                         min=CUSTOMER_RANGE[0], max=CUSTOMER_RANGE[1], step=500,
                         on_value=lambda v: set_market(customers=int(v)))
        solara.SliderInt(f"Periods: {market.periods}", value=market.periods, min=PERIOD_RANGE[0],
                         max=PERIOD_RANGE[1], step=6,
                         on_value=lambda v: set_market(periods=int(v)))
        solara.InputInt("Random seed", value=market.seed, continuous_update=False,
                        on_value=set_seed)
        _html("<b>Segment mix</b> (weights; the share of customers is shown)", note=True)
        for name, weight in market.segments:

            def set_weight(v: float, name: str = name) -> None:
                session.change(session.settings.value.with_segment(name, float(v)))

            solara.SliderFloat(f"{name.replace('_', ' ')}: {shares.get(name, 0.0):.0%}",
                               value=weight, min=0.0, max=100.0, step=1.0, on_value=set_weight)


@solara.component
def SettingsCards(session: PageSession):
    """stratsim's cards, below SolaraViz's run controls."""
    with solara.Column(gap="8px"):
        ScenarioCard(session)
        FirmsCard(session)
        MarketCard(session)


@solara.component
def SettingsSidebar(session: PageSession):
    """Puts :func:`SettingsCards` in the sidebar (one level deeper than SolaraViz's cards, so
    they come after them)."""
    with solara.Sidebar():
        SettingsCards(session)


@solara.component
def Settings(session: PageSession):
    """Wrapper that only deepens :func:`SettingsSidebar` in the component tree."""
    SettingsSidebar(session)
