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

The page is put together from :mod:`~sim.dashboard.sidebar` (stratsim's cards) and
:mod:`~sim.dashboard.main_area`, which share one :class:`~sim.dashboard.session.PageSession`;
:mod:`~sim.dashboard.layout` holds the stylesheet.
"""

from __future__ import annotations

import solara
from mesa.visualization import Slider, SolaraViz

from sim.dashboard.layout import CSS
from sim.dashboard.main_area import MainArea, value_table_html
from sim.dashboard.panel import DashboardModel
from sim.dashboard.sample import CUSTOMER_SAMPLE_SIZE
from sim.dashboard.session import PageSession, open_panel
from sim.dashboard.sidebar import Settings

__all__ = ["Page", "PageSession", "open_panel", "value_table_html"]

PLAY_INTERVAL_MS = 150
"""Pause between periods while playing, milliseconds (adjustable on the page)."""


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
