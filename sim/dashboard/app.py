"""The classroom page: Mesa's SolaraViz with stratsim's settings, charts and customer view.

Served by ``stratsim dashboard`` (:mod:`sim.dashboard.server`); Solara loads this module by
name and renders :func:`Page`. Needs the ``viz`` extra.

What is Mesa's and what is stratsim's:
    * :func:`mesa.visualization.SolaraViz` draws the app bar and, in the sidebar, the run
      controls (Reset, Play / Pause, Step, play interval) and its model parameters (here: how
      many customers the network view draws), and steps the model. Its Reset rebuilds the
      model as ``DashboardModel(panel=..., sample_size=...)``: the panel holds the settings.
    * Beside it, in the sidebar: the scenario, each firm's strategy and levers, and the
      market; in the main area: the period, the firms, the downloads, six live charts, the
      customer network and one customer's delivered value component by component. SolaraViz
      would put components in a draggable half-width grid under numbered tabs; a classroom
      page needs a fixed, readable layout, so the main area is drawn with Solara components
      that follow Mesa's update counter (they redraw after every step SolaraViz makes).

Settings apply at once while the run is at period 0; after that a note asks for Reset (a
control never changes a run halfway). Charts read the run's tidy time series (aggregates per
firm, one row per period and firm), never per-customer reporters; the customer view draws a
fixed sample of customers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.dashboard import charts
from sim.dashboard.server import ENV_CUSTOMERS, ENV_FOLDER, ENV_SCENARIO
from sim.dashboard.state import (
    BY_CLASS,
    CUSTOMER_RANGE,
    CUSTOMER_SAMPLE_SIZE,
    FINANCIAL_MAX,
    PERIOD_RANGE,
    PRICE_RANGE,
    PROMOTION_RANGE,
    STRATEGY_CHOICES,
    ControlPanel,
    DashboardModel,
    DashboardSettings,
    customer_card,
    download_name,
    scenario_catalogue,
    scenario_yaml,
    timeseries_csv,
    value_components,
)
from sim.dashboard.vega import VegaView
from sim.levers import LEVELS
from sim.market.population import COMPONENTS
from sim.report.figures import firm_colours

__all__ = ["Page", "PageSession", "open_panel"]

PLAY_INTERVAL_MS = 150
"""Pause between periods while playing, milliseconds (adjustable on the page)."""
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
CSS = """
.stratsim-main { padding: 0 8px 24px 8px; }
.stratsim-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr));
                 gap: 12px; }
.stratsim-customers { display: grid; grid-template-columns: minmax(560px, 1fr) minmax(560px, 1.3fr);
                      gap: 12px; }
@media (max-width: 1500px) { .stratsim-customers { grid-template-columns: 1fr; } }
.stratsim-panel { background: white; border: 1px solid #e0e0e0; border-radius: 6px;
                  padding: 8px 10px; overflow-x: auto; }
.stratsim-period { font-size: 1.6rem; font-weight: 600; white-space: nowrap; }
.stratsim-chip { display: inline-block; padding: 1px 10px; margin: 2px 6px 2px 0;
                 border-radius: 12px; color: white; font-weight: 500; font-size: 0.9rem; }
.stratsim-note { color: #555; font-size: 0.82rem; line-height: 1.3; }
.stratsim-empty { color: #777; padding: 60px 12px; text-align: center; }
.stratsim-table table { border-collapse: collapse; font-size: 0.85rem; }
.stratsim-table th, .stratsim-table td { padding: 2px 8px; text-align: right; }
.stratsim-table th { border-bottom: 1px solid #999; }
.stratsim-table td:first-child, .stratsim-table th:first-child { text-align: left; }
.stratsim-table tr.total td { font-weight: 600; border-top: 1px solid #999; }
.stratsim-table tr.section td { padding-top: 10px; font-weight: 600; text-align: left; }
.v-navigation-drawer .v-card__title { font-size: 1.05rem; padding: 8px 12px 4px 12px; }
.v-navigation-drawer .v-expansion-panel-header { min-height: 40px; padding: 8px 12px; }
.v-navigation-drawer .v-expansion-panel-content__wrap { padding: 0 10px 8px 10px; }
"""


# --------------------------------------------------------------------------- session
def open_panel() -> ControlPanel:
    """The control panel of a new page, from the ``STRATSIM_DASHBOARD_*`` environment."""
    scenario = os.environ.get(ENV_SCENARIO) or None
    folder = os.environ.get(ENV_FOLDER) or None
    customers = os.environ.get(ENV_CUSTOMERS)
    catalogue = scenario_catalogue(folder, scenario)
    key = None if scenario else ("default" if "default" in catalogue else None)
    return ControlPanel.open(catalogue, key, customers=int(customers) if customers else None)


@dataclass
class PageSession:
    """What the components of one open page (one browser tab) share."""

    panel: ControlPanel
    model: solara.Reactive[DashboardModel]
    settings: solara.Reactive[DashboardSettings]
    problems: solara.Reactive[list[str]]
    picked: solara.Reactive[int]

    def change(self, settings: DashboardSettings) -> None:
        """Take new settings; at period 0 the run is rebuilt with them at once (later, the
        page asks for Reset)."""
        self._took(self.panel.update(settings))

    def choose_scenario(self, key: str) -> None:
        """Switch to another scenario file: a new run starts at once (unless the current run
        has finished: then at Reset)."""
        self._took(self.panel.choose_scenario(key), always=True)

    def restore(self) -> None:
        """Every control back to the scenario file's values."""
        self._took(self.panel.restore())

    def _took(self, problems: list[str], always: bool = False) -> None:
        self.problems.set(problems)
        self.settings.set(self.panel.settings)
        model = self.model.value
        # A finished run is left alone: SolaraViz keeps Play and Step off until its Reset.
        if not problems and model.running and (always or model.period == 0):
            self.rebuild()

    def rebuild(self) -> None:
        """Replace the run by a new one from the valid settings (what Reset does)."""
        size = len(self.model.value.sample.index)
        self.model.set(DashboardModel(panel=self.panel, sample_size=size))
        if not 0 <= self.picked.value < self.model.value.population.n:
            self.picked.set(int(self.model.value.sample.index[0]))


def _colours(model: DashboardModel) -> dict[str, str]:
    return firm_colours(model.names)


def _html(markup: str, *, note: bool = False, classes: list[str] | None = None):
    """A bit of trusted HTML (Solara's Markdown would load a maths renderer from the web)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markup,
                       classes=(["stratsim-note"] if note else []) + (classes or []))


def _chart(spec: dict[str, Any], on_click: Callable[[Any], None] | None = None):
    """A Vega-Lite widget drawing a specification from :mod:`sim.dashboard.charts`; from one
    period to the next only its data change (see :mod:`sim.dashboard.vega`)."""
    structure, datasets = charts.split_data(spec)
    return VegaView.element(spec=structure, datasets=datasets, on_click=on_click,
                            listen_to_click=on_click is not None)


# --------------------------------------------------------------------------- main area
@solara.component
def RunHeader(model: DashboardModel, session: PageSession):
    """The period, the firms and their strategies, the downloads, and any pending note."""
    update_counter.get()
    colours = _colours(model)
    spec = model.spec
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "16px"}):
        solara.Text(f"{spec.period_unit.capitalize()} {model.period} of {spec.periods}",
                    classes=["stratsim-period"])
        with solara.Row(gap="0px", style={"flex-wrap": "wrap"}):
            for firm in model.active_firms:
                solara.Text(f"{firm.name} · {firm.strategy_name}", classes=["stratsim-chip"],
                            style={"background": colours[firm.name]})
        solara.Text(f"{spec.name} · {model.population.n:,} customers · seed {model.seed}",
                    style={"color": "#444"})
        solara.Div(style={"flex-grow": "1"})
        with solara.Row(gap="8px"):
            solara.FileDownload(lambda: timeseries_csv(model),
                                filename=download_name(model, "csv"),
                                label="Time series (CSV)", mime_type="text/csv")
            solara.FileDownload(lambda: scenario_yaml(model).encode("utf-8"),
                                filename=download_name(model, "yaml"), label="Scenario (YAML)",
                                mime_type="application/x-yaml")
    session.settings.get()  # redraw when the settings change (for the note below)
    if session.problems.value:
        for problem in session.problems.value:
            solara.Error(problem, dense=True)
    elif session.panel.differs_from(model):
        solara.Warning("The settings have changed since this run started: press Reset to"
                       " start a new run with them.", dense=True)


@solara.component
def RunCharts(model: DashboardModel):
    """The six live charts of the run."""
    update_counter.get()
    spec = model.spec
    df = model.timeseries()
    with solara.Div(classes=["stratsim-grid"]):
        if df.empty:
            for title in ("Loyalty", "Market share", "Profit", "Cumulative profit",
                          "Satisfaction and trust", "Customers by loyalty class"):
                with solara.Div(classes=["stratsim-panel"]):
                    _html(f"<b>{title}</b><div class='stratsim-empty'>Press Step or Play to"
                          " run the market.</div>")
            return
        for name, chart in charts.run_charts(df, _colours(model), spec.market.customers,
                                             spec.period_unit, spec.periods):
            with solara.Div(classes=["stratsim-panel", f"stratsim-chart-{name}"]):
                _chart(chart)


@solara.component
def CustomerNetwork(model: DashboardModel, session: PageSession):
    """The customer sample as a network; a click picks a customer."""
    update_counter.get()
    picked = session.picked.value
    chart = charts.network_chart(model.sample.frame(model), model.sample.edge_frame(),
                                 _colours(model), picked, model.population.n)

    def on_click(datum: Any) -> None:
        if isinstance(datum, dict) and datum.get("customer") is not None:
            session.picked.set(int(datum["customer"]))

    _chart(chart, on_click=on_click)


def value_table_html(values: Any, card: dict[str, Any]) -> str:
    """One customer's components per firm, totals, and its relationship with each firm."""
    firms = list(card["firms"])
    wide = values.pivot(index="component", columns="firm", values="signed")
    head = "".join(f"<th>{escape(f)}</th>" for f in firms)
    rows = []
    for component in COMPONENTS:
        cells = "".join(f"<td>{wide.loc[component, f]:+,.1f}</td>" for f in firms)
        rows.append(f"<tr><td>{component}</td>{cells}</tr>")

    def row(label: str, show: Callable[[dict[str, Any]], str], css: str = "") -> str:
        cells = "".join(f"<td>{show(card['firms'][f])}</td>" for f in firms)
        return f"<tr class='{css}'><td>{label}</td>{cells}</tr>"

    rows += [
        row("total value", lambda r: f"{r['total_value']:,.1f}", "total"),
        row("total cost", lambda r: f"{r['total_cost']:,.1f}"),
        row("delivered value", lambda r: f"{r['delivered_value']:+,.1f}", "total"),
        f"<tr class='section'><td colspan='{len(firms) + 1}'>relationship</td></tr>",
        row("loyalty class", lambda r: r["loyalty_class"]),
        row("satisfaction", lambda r: f"{r['satisfaction']:.2f}" if r["ever_bought"] else "–"),
        row("trust", lambda r: f"{r['trust']:.2f}"),
        row("commitment", lambda r: f"{r['commitment']:.2f}"),
        row("level", lambda r: r["relationship_level"]),
        row("aware · can reach", lambda r: ("yes" if r["aware"] else "no") + " · "
            + ("yes" if r["reachable"] else "no")),
    ]
    return (f"<table><thead><tr><th>money per unit</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


@solara.component
def CustomerValue(model: DashboardModel, session: PageSession):
    """The picked customer's delivered value from each firm, component by component."""
    update_counter.get()
    n = model.population.n
    picked = session.picked.value if 0 <= session.picked.value < n else int(
        model.sample.index[0])

    def pick(value: int | None) -> None:
        if value is not None and 0 <= int(value) < n:
            session.picked.set(int(value))

    def another() -> None:
        sample = model.sample.index.tolist()
        k = (sample.index(picked) + 1) % len(sample) if picked in sample else 0
        session.picked.set(int(sample[k]))

    card = customer_card(model, picked)
    values = value_components(model, picked)
    buys = card["current_firm"] or "no firm at the moment"
    kind = "business account" if card["business"] else "consumer"
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt(f"Customer (0 to {n - 1:,})", value=picked, on_value=pick,
                        continuous_update=False, style={"max-width": "180px"})
        solara.Button("Next in sample", on_click=another, outlined=True, small=True)
        _html(f"<b>Customer {picked:,}</b> · segment <i>{escape(card['segment'])}</i>"
              f" ({kind}) · buys from <b>{escape(buys)}</b>",
              classes=["stratsim-customer-title"])
    with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        _chart(charts.value_chart(values, list(card["firms"])))
        _html(value_table_html(values, card), classes=["stratsim-table"])
    _html("Delivered value = total customer value (product, service, personnel, image) minus"
          " total customer cost (money, time, energy, psychic), each weighted by this"
          " customer's own weights, in money per unit bought (Kotler). The customer chooses by"
          " it, plus loyalty and switching costs toward the firm it buys from now.", note=True)


@solara.component
def MainArea(model: DashboardModel, session: PageSession):
    """Everything right of the sidebar."""
    with solara.Column(classes=["stratsim-main"], gap="10px"):
        RunHeader(model, session)
        RunCharts(model)
        with solara.Div(classes=["stratsim-customers"]):
            with solara.Div(classes=["stratsim-panel", "stratsim-network"]):
                CustomerNetwork(model, session)
            with solara.Div(classes=["stratsim-panel", "stratsim-value"]):
                CustomerValue(model, session)


# --------------------------------------------------------------------------- sidebar
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


# --------------------------------------------------------------------------- page
@solara.component
def Page():
    """The classroom dashboard."""
    panel = solara.use_memo(open_panel, [])
    first = solara.use_memo(lambda: DashboardModel(panel=panel), [])
    model = solara.use_reactive(first)
    settings = solara.use_reactive(panel.settings)
    problems = solara.use_reactive(list(panel.problems))
    picked = solara.use_reactive(int(first.sample.index[0]))
    session = solara.use_memo(lambda: PageSession(panel, model, settings, problems, picked), [])

    solara.Title("stratsim classroom")
    solara.Style(CSS)
    SolaraViz(
        model,
        components=[],
        model_params={
            "panel": panel,
            "sample_size": Slider("Customers drawn in the network", value=CUSTOMER_SAMPLE_SIZE,
                                  min=50, max=600, step=50),
        },
        name="stratsim classroom",
        play_interval=PLAY_INTERVAL_MS,
    )
    Settings(session)
    MainArea(model.value, session)
