"""The page's main area, right of the sidebar: the run as it goes, and one customer's view.

Solara components that follow Mesa's update counter (they redraw after every step SolaraViz
makes). Charts read the run's tidy time series (aggregates per firm, one row per period and
firm), never per-customer reporters; the customer view draws a fixed sample of customers.
Needs the ``viz`` extra.

Core objects:
    MainArea: everything right of the sidebar, in a fixed layout.
    RedrawStart, RedrawEnd: the page's first and last components; a period waits until
        RedrawEnd has noted the one before it drawn (Mesa's Play never outruns a redraw).
    RunHeader: the period, the firms and their strategies, the downloads, any pending note.
    RunCharts: the six live charts of the run.
    CustomerNetwork: the customer sample as a network; a click picks a customer.
    CustomerValue, value_table_html: the picked customer's delivered value from each firm,
        component by component, and its relationship with each firm.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from sim.dashboard import charts
from sim.dashboard.inputs import WholeNumber
from sim.dashboard.layout import NumberInput, _chart, _colours, _html
from sim.dashboard.panel import DashboardModel
from sim.dashboard.session import PageSession
from sim.dashboard.state import (
    customer_card,
    download_name,
    run_status,
    scenario_yaml,
    timeseries_csv,
    value_components,
)
from sim.market.population import COMPONENTS

__all__ = ["CustomerNetwork", "CustomerValue", "MainArea", "RedrawEnd", "RedrawStart",
           "RunCharts", "RunHeader", "value_table_html"]


@solara.component
def RedrawStart(model: DashboardModel):
    """The page's first component: a page draws this run, so from now on a period waits until
    the page has drawn the one before it (see :class:`~sim.dashboard.panel.DashboardModel`).
    Renders nothing."""
    model.begin_redraw()


@solara.component
def RedrawEnd(model: DashboardModel):
    """The page's last component; it follows Mesa's update counter, and its effect, run once
    it is redrawn, notes the period drawn and lets the next one start. Renders nothing."""
    update_counter.get()
    with model.lock:
        period = model.period  # the period this redraw shows
    solara.use_effect(lambda: model.end_redraw(period))  # no dependencies: after every render


@solara.component
def RunHeader(model: DashboardModel, session: PageSession):
    """The period, the firms and their strategies, the downloads, and any pending note."""
    update_counter.get()
    colours = _colours(model)
    spec = model.spec
    with model.lock:  # the period and its firms, never halfway through a period
        period, finished = model.period, run_status(model) is not None
        chips = [(firm.name, firm.strategy_name) for firm in model.active_firms]
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "16px"}):
        solara.Text(f"{spec.period_unit.capitalize()} {period} of {spec.periods}",
                    classes=["stratsim-period"])
        if finished:
            solara.Text("finished", classes=["stratsim-finished-tag"])
        with solara.Row(gap="0px", style={"flex-wrap": "wrap"}):
            for name, strategy in chips:
                solara.Text(f"{name} · {strategy}", classes=["stratsim-chip"],
                            style={"background": colours[name]})
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
    elif session.differs_from_run():
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
        for name, chart in charts.run_charts(df, _colours(model), spec.market.real_customers,
                                             spec.period_unit, spec.periods):
            with solara.Div(classes=["stratsim-panel", f"stratsim-chart-{name}"]):
                _chart(chart)


@solara.component
def CustomerNetwork(model: DashboardModel, session: PageSession):
    """The customer sample as a network; a click picks a customer."""
    update_counter.get()
    picked = session.picked.value
    with model.lock:  # never while Mesa's Play is in the middle of a period
        nodes = model.sample.frame(model)
    chart = charts.network_chart(nodes, model.sample.edge_frame(), _colours(model), picked,
                                 model.population.n)

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

    def pick(value: int) -> None:
        session.picked.set(int(value))

    def another() -> None:
        sample = model.sample.index.tolist()
        k = (sample.index(picked) + 1) % len(sample) if picked in sample else 0
        session.picked.set(int(sample[k]))

    with model.lock:  # never while Mesa's Play is in the middle of a period
        card = customer_card(model, picked)
        values = value_components(model, picked)
    buys = card["current_firm"] or "no firm at the moment"
    kind = "business account" if card["business"] else "consumer"
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        NumberInput(WholeNumber("Customer", 0, n - 1), picked, pick, name="customer",
                    style={"max-width": "260px"})
        solara.Button("Next in sample", on_click=another, outlined=True, small=True)
        _html(f"<b>Customer {picked:,}</b> · segment <i>{escape(card['segment'])}</i>"
              f" ({kind}) · buys from <b>{escape(buys)}</b>",
              classes=["stratsim-customer-title"])
    with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Div(classes=["stratsim-value-chart"]):
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
